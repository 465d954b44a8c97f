package poll

import (
	"maps"
	"time"

	"github.com/hookwatch/hookwatch/core"
)

// SetDigestBucket makes the poller built from cfg cut every digest into
// buckets of d instead of the webhook's DigestInterval, so that a test sees
// a digest interval close within seconds of ClickHouse's clock.
func SetDigestBucket(cfg *Config, d time.Duration) { cfg.digestBucket = d }

// Rewound records c, which the caller has just committed to the store
// behind p's back, in what p keeps of its goals between polls, as if p had
// committed it; before p's first poll it does nothing, since p then reads
// the store.
func Rewound(p *Poller, c core.PollCommit) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.goals != nil {
		p.goals.apply(c, p.goals.at)
	}
}

// KeptGoals returns copies of the goal states and reported buckets p keeps
// between polls; nil maps before p's first poll.
func KeptGoals(p *Poller) (map[int64]core.GoalState, map[core.BucketKey]uint64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.goals == nil {
		return nil, nil
	}
	return maps.Clone(p.goals.states), maps.Clone(p.goals.reported)
}
