package poll

import (
	"context"
	"fmt"
	"time"

	"github.com/hookwatch/hookwatch/core"
)

// goalMemory is what the poller last committed of its goals: their states
// and reported buckets, kept between polls so that a steady poll does not
// read thousands of rows it wrote itself. The poller is the only writer of
// both while it holds the lease; a goal deleted drops its rows by cascade,
// and one created in its place may take its id (SQLite reuses rowids), so
// each goal's rows are kept with its CreatedAt and dropped when that
// differs.
type goalMemory struct {
	states   map[int64]core.GoalState
	reported map[core.BucketKey]uint64
	created  map[int64]time.Time
	// at is the wall-clock time of the last commit applied; see
	// goalMemoryFresh.
	at time.Time
}

// goalMemoryFresh is how long after its last commit the kept copy is
// trusted. A process that was suspended or stopped for longer may have
// lost the lease to another one, whose commits the copy has not seen; it
// reads the store afresh then, as after a failed commit, rather than
// report again what the other one sent. It is well under the lease's
// 30 s, and above a 10 s poll's gap; a poller slower than that reads the
// store at every poll, as it did before the copy was kept.
const goalMemoryFresh = 15 * time.Second

// loadGoalMemory returns the states and reported buckets of goals: from memory
// after a committed poll, from the store otherwise. The cycle only reads
// the maps; apply changes them once the cycle's commit is in.
func (p *Poller) loadGoalMemory(ctx context.Context, goals []*core.Goal) (*goalMemory, error) {
	m := p.goals
	// Round(0): the wall clock, which runs on while the machine sleeps,
	// unlike the monotonic one.
	if m != nil && p.cfg.Now().Round(0).Sub(m.at.Round(0)) > goalMemoryFresh {
		m = nil
	}
	if m == nil {
		states, err := p.cfg.Triggers.GoalStates(ctx)
		if err != nil {
			return nil, fmt.Errorf("load goal states: %w", err)
		}
		reported, err := p.cfg.Triggers.ReportedBuckets(ctx)
		if err != nil {
			return nil, fmt.Errorf("load goal buckets: %w", err)
		}
		m = &goalMemory{states: states, reported: reported, created: map[int64]time.Time{}}
		for _, g := range goals {
			m.created[g.ID] = g.CreatedAt
		}
		p.goals = m
		return m, nil
	}
	gone := map[int64]bool{}
	live := make(map[int64]bool, len(goals))
	for _, g := range goals {
		live[g.ID] = true
		if at, ok := m.created[g.ID]; ok && !at.Equal(g.CreatedAt) {
			gone[g.ID] = true
		}
		m.created[g.ID] = g.CreatedAt
	}
	for id := range m.created {
		if !live[id] {
			gone[id] = true
			delete(m.created, id)
		}
	}
	if len(gone) > 0 {
		// Deleted, or another goal in its place: the store's cascade took
		// its rows.
		for id := range gone {
			delete(m.states, id)
		}
		for k := range m.reported {
			if gone[k.GoalID] {
				delete(m.reported, k)
			}
		}
	}
	return m, nil
}

// apply records commit c, once it is in the store, as the store's
// CommitPoll wrote it: the goals' new states, their reported buckets, and
// the buckets pruned (before the goal's time in c.Prune; all of them for a
// goal forgotten).
func (m *goalMemory) apply(c core.PollCommit, at time.Time) {
	m.at = at
	for k, n := range c.Reported {
		if _, ok := m.created[k.GoalID]; ok {
			m.reported[k] = n
		}
	}
	for id, st := range c.Goals {
		if st.Open.IsZero() {
			delete(m.states, id)
		} else if _, ok := m.created[id]; ok {
			m.states[id] = st
		}
	}
	if len(c.Goals) == 0 && len(c.Prune) == 0 {
		return
	}
	for k := range m.reported {
		if st, ok := c.Goals[k.GoalID]; ok && st.Open.IsZero() {
			delete(m.reported, k)
		} else if keep, ok := c.Prune[k.GoalID]; ok && k.Start < keep.Unix() {
			delete(m.reported, k)
		}
	}
}
