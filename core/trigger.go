package core

import (
	"context"
	"errors"
	"time"
)

// AlertState is the persisted state of one traffic alert of one webhook.
type AlertState struct {
	// Firing is set from the firing until the condition clears.
	Firing    bool
	LastFired time.Time
}

// AlertStep is what one evaluation of an alert decided.
type AlertStep struct {
	Next    AlertState
	Fire    bool // send the alert
	Resolve bool // send its resolved event
}

// EvaluateAlert applies one observation of an alert's condition. An alert
// fires when its condition holds and it is not already firing, unless it
// fired less than cooldown ago; a held-back alert fires as soon as the
// cooldown ends if the condition still holds. It resolves once when the
// condition clears after a firing. The zero state is clear, so a condition
// that already holds when a webhook is added fires at once.
func EvaluateAlert(st AlertState, cond bool, now time.Time, cooldown time.Duration) AlertStep {
	step := AlertStep{Next: st}
	switch {
	case cond && !st.Firing:
		if st.LastFired.IsZero() || now.Sub(st.LastFired) >= cooldown {
			step.Fire = true
			step.Next = AlertState{Firing: true, LastFired: now}
		}
	case !cond && st.Firing:
		step.Resolve = true
		step.Next.Firing = false
	}
	return step
}

// AlertKey names one alert: a webhook's spike or drop alert.
type AlertKey struct {
	WebhookID int64
	Type      EventType // EventSpike or EventDrop
}

// PollStatus is what the last poll saw, for `status` and the window.
type PollStatus struct {
	LastPollAt       time.Time     `json:"last_poll_at"`
	LastPollDuration time.Duration `json:"-"`
	ClickHouseOK     bool          `json:"clickhouse_ok"`
	ClickHouseError  string        `json:"clickhouse_error,omitempty"`
	ClickHouseSince  time.Time     `json:"clickhouse_state_since"`
	ServerVersion    string        `json:"server_version,omitempty"`
	// LateEvents counts, since the database was created, the completions
	// that reached ClickHouse after their bucket closed: found by the
	// bucket's last recount, at twice the late horizon, and never sent.
	LateEvents uint64 `json:"late_events"`
}

// PollCommit is everything one poll decided, written in one transaction so
// that a crash leaves either all of it or none: alert states, goal
// counting states and reported buckets, digest marks, and the deliveries
// the events fanned out to.
type PollCommit struct {
	Alerts map[AlertKey]AlertState
	// Goals are the goals' new counting states; a zero Open deletes the
	// goal's state and reported buckets.
	Goals map[int64]GoalState
	// Prune holds, per goal, the start of its oldest bucket still kept
	// (the Kept of its state in this commit): its reported buckets before
	// that are deleted, and without an entry none are. The caller must set
	// it whenever a goal's Kept moves (at a recount, a catch-up that needs
	// none, or a goal's first count), and need not otherwise: Open moves
	// at every bucket, and a prune per goal at every poll found nothing to
	// delete in most of them.
	Prune map[int64]time.Time
	// Reported are the completions reported so far per goal bucket, with
	// the deliveries that reported them.
	Reported map[BucketKey]uint64
	// LateEvents is added to PollStatus.LateEvents.
	LateEvents uint64
	// DigestMarks are, per (webhook, goal), the start of the next digest
	// to report; a zero time deletes the pair's mark.
	DigestMarks map[DigestKey]time.Time
	Deliveries  []NewDelivery
	Status      PollStatus
	// Samples are the visitor counts seen, for the traffic chart.
	Samples []TrafficSample
	// ConfigVersion, if not 0, is the ConfigVersioner number the poll saw
	// before it read the sites and goals. The store then refuses the
	// commit, with ECONFLICT and ErrConfigChanged, once they changed since:
	// a goal deleted and added again under its id must not get the old
	// one's buckets. Nothing is lost; the next poll counts it all afresh.
	ConfigVersion int64
}

// ErrConfigChanged is wrapped by the ECONFLICT error of a PollCommit
// refused because its sites or goals changed while the poll ran.
var ErrConfigChanged = errors.New("sites or goals changed during the poll")

// TrafficSample is one observation of a site's visitors.
type TrafficSample struct {
	SiteID          int64     `json:"-"`
	At              time.Time `json:"at"`
	CurrentVisitors uint64    `json:"current_visitors"`
	// Fired lists the alert types fired for the site at this poll.
	Fired []EventType `json:"fired,omitempty"`
}

// TriggerStore persists the poller's state.
type TriggerStore interface {
	// AlertStates returns every stored alert state (see PollCommit's
	// Alerts); a pair missing from the map has never fired.
	AlertStates(ctx context.Context) (map[AlertKey]AlertState, error)
	// GoalStates returns what PollCommit saved of every goal (see its
	// Goals).
	GoalStates(ctx context.Context) (map[int64]GoalState, error)
	// ReportedBuckets returns the completions reported so far per goal
	// bucket (see PollCommit's Reported).
	ReportedBuckets(ctx context.Context) (map[BucketKey]uint64, error)
	// DigestMarks returns the marks PollCommit saved (see its DigestMarks).
	DigestMarks(ctx context.Context) (map[DigestKey]time.Time, error)
	// CommitPoll writes everything one poll decided in one transaction,
	// the deliveries as Enqueue does, and drops the state of webhooks and
	// goals deleted since the poll read them. A failed commit writes
	// nothing: the caller keeps nothing of the poll and lets the next one,
	// which reads the state afresh, decide again, so that no alert is
	// lost or sent twice.
	CommitPoll(ctx context.Context, c PollCommit) error
	// SavePollStatus records a poll that changed nothing else, such as
	// one that failed because ClickHouse was unreachable.
	SavePollStatus(ctx context.Context, s PollStatus) error
	// PollStatus returns the last poll's status, the zero status before
	// the first poll.
	PollStatus(ctx context.Context) (PollStatus, error)
	// TrafficSamples returns a site's samples since t, oldest first.
	TrafficSamples(ctx context.Context, siteID int64, since time.Time) ([]TrafficSample, error)
}

// Lease keeps one engine per database. AcquireLease returns ECONFLICT
// naming the holder when another live engine holds it.
type Lease interface {
	// AcquireLease takes the lease for holder until now+ttl; it succeeds
	// when the lease is free, expired or holder's already. The holder
	// renews it well within ttl and releases it when it stops.
	AcquireLease(ctx context.Context, holder string, ttl time.Duration) error
	// RenewLease extends holder's lease until now+ttl, or returns
	// ECONFLICT when holder lost it; the engine then stops, since another
	// one may be watching.
	RenewLease(ctx context.Context, holder string, ttl time.Duration) error
	// ReleaseLease gives up holder's lease, so that the next engine need
	// not wait out the ttl; a lease another holds is left alone.
	ReleaseLease(ctx context.Context, holder string) error
}

// SettingsService stores the user's settings as text, by key.
type SettingsService interface {
	// Setting returns the stored value of key and whether it is set. The
	// value was valid when saved, but a caller reads it through
	// ValidateSetting or its own parse, since an older hookwatch may have
	// saved it.
	Setting(ctx context.Context, key string) (string, bool, error)
	// SetSetting stores value for key; "" stands for the default. The
	// caller validates value first (ValidateSetting).
	SetSetting(ctx context.Context, key, value string) error
}

// Setting keys.
const (
	SettingClickHouseDSN = "clickhouse_dsn"
	SettingPollInterval  = "poll_interval"
	SettingCooldown      = "default_cooldown"
)
