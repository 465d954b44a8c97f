package poll_test

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/hookwatch/hookwatch/core"
	"github.com/hookwatch/hookwatch/core/poll"
	"github.com/hookwatch/hookwatch/internal/testutil"
)

func (e *env) digestMarks() map[core.DigestKey]time.Time {
	e.t.Helper()
	m, err := e.stores.triggers.DigestMarks(e.ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	return m
}

// seed commits trigger state as an earlier run of hookwatch would have
// left it.
func (e *env) seed(c core.PollCommit) {
	e.t.Helper()
	if err := e.stores.triggers.CommitPoll(e.ctx, c); err != nil {
		e.t.Fatal(err)
	}
}

// slackText returns the text of a Slack-format payload.
func slackText(t *testing.T, d *core.Delivery) string {
	t.Helper()
	var msg struct {
		Text string `json:"text"`
	}
	if err := json.Unmarshal(d.Payload, &msg); err != nil {
		t.Fatal(err)
	}
	return msg.Text
}

// digestHorizon is TestGoalDigest's late horizon: a digest is due this
// long after its bucket ends.
const digestHorizon = 2 * time.Second

// digestRun is TestGoalDigest's world once its first steps, up to a
// restart and a poll after it, fitted in one digest bucket.
type digestRun struct {
	e                   *env
	p                   *poll.Poller
	bucket              time.Duration
	signup              *core.Goal
	live, digest, chat  *core.Webhook
	before              time.Time // ClickHouse's now before the first poll
	first, bucketEnd    time.Time
	marksAtFirst        map[core.DigestKey]time.Time
	digestsBeforeTheEnd int
}

// startDigest runs the first steps of TestGoalDigest with digest buckets
// of length bucket: completions before the goal is first seen, a first
// poll, completions in two poll windows with a restart between them, and a
// poll that counts them while the bucket is still open. It returns nil when
// the machine was too slow for all of that to happen inside one bucket;
// the caller then tries a longer one.
func startDigest(t *testing.T, bucket time.Duration) *digestRun {
	t.Helper()
	e := newEnv(t)
	const pid = 61
	r := &digestRun{e: e, bucket: bucket}
	site := e.site("digest.example", pid)
	r.signup = e.goal(&core.Goal{SiteID: site.ID, EventName: "Signup"})
	// The webhooks ask for one minute, the least a user may; the poller
	// cuts their digests into buckets of bucket.
	r.live = e.webhook(&core.Webhook{SiteID: site.ID, Events: []core.EventType{core.EventGoal}})
	r.digest = e.webhook(&core.Webhook{SiteID: site.ID, Events: []core.EventType{core.EventGoal}, DigestInterval: time.Minute})
	r.chat = e.webhook(&core.Webhook{SiteID: site.ID, Events: []core.EventType{core.EventGoal},
		Format: core.FormatSlack, DigestInterval: time.Minute})
	newPoller := func() *poll.Poller {
		cfg := e.config(e.src)
		poll.SetDigestBucket(&cfg, bucket)
		cfg.LateHorizon = digestHorizon
		return poll.New(cfg)
	}

	// Start early in a bucket: the first mark is ClickHouse's now.
	early := testutil.Poll(bucket+20*time.Second, func() bool {
		now := e.chNow()
		_, end := core.DigestBucket(now, bucket)
		return end.Sub(now) >= bucket*3/4
	})
	if !early {
		t.Fatalf("ClickHouse's clock did not reach the start of a %v bucket within %v", bucket, bucket+20*time.Second)
	}
	// Completions from before the goal is first seen, in the same bucket
	// or the one before: never reported.
	e.insert(goalEvents(pid, e.chNow().Add(-3*time.Second), "Signup", "/", 1, 4)...)
	r.p = newPoller()
	r.before = e.chNow()
	e.pollOnce(r.p)
	r.marksAtFirst = e.digestMarks()
	r.first = r.marksAtFirst[core.DigestKey{WebhookID: r.digest.ID, GoalID: r.signup.ID}]
	_, r.bucketEnd = core.DigestBucket(r.first, bucket)

	// Completions in three polls, with a restart between them; user 10
	// completes twice, in different polls.
	e.insert(goalEvents(pid, r.first, "Signup", "/", 10, 3)...)
	e.pollPast(r.p, r.first)
	e.restart()
	r.p = newPoller()
	at := e.chNow()
	e.insert(goalEvents(pid, at, "Signup", "/", 20, 2)...)
	e.insert(goalEvents(pid, at, "Signup", "/", 10, 1)...)
	if !at.Before(r.bucketEnd) {
		t.Logf("with %v buckets: inserted at %v, after the bucket's end %v; trying a longer bucket", bucket, at, r.bucketEnd)
		return nil
	}
	e.pollPast(r.p, at)
	if now := e.chNow(); !now.Before(r.bucketEnd.Add(digestHorizon)) {
		t.Logf("with %v buckets: the bucket was due (at %v) before the check; trying a longer bucket", bucket, now)
		return nil
	}
	r.digestsBeforeTheEnd = len(e.delivered(r.digest.ID))
	return r
}

// TestGoalDigest runs one real digest interval of ClickHouse's clock, with
// a restart in the middle of it. The poller cuts digests into buckets of
// seconds (poll.SetDigestBucket) rather than the minute a user may ask for
// at least; a bucket too short for a slow machine is tried again twice as
// long, never skipped.
func TestGoalDigest(t *testing.T) {
	var r *digestRun
	for bucket := 12 * time.Second; r == nil; bucket *= 2 {
		if bucket > 4*time.Minute {
			t.Fatalf("the first steps never fitted in one digest bucket, even of %v", bucket/2)
		}
		r = startDigest(t, bucket)
	}
	e := r.e
	dk, ck := core.DigestKey{WebhookID: r.digest.ID, GoalID: r.signup.ID}, core.DigestKey{WebhookID: r.chat.ID, GoalID: r.signup.ID}
	t.Run("marks each digest webhook's goal where the goal was first seen", func(t *testing.T) {
		want := map[core.DigestKey]time.Time{dk: r.first, ck: r.first}
		if !sameMarks(r.marksAtFirst, want) || r.first.Before(r.before) {
			t.Errorf("digest marks = %v; want both at the first poll, from %v", r.marksAtFirst, r.before)
		}
	})
	const n, visitors = 6, 5
	t.Run("sends no digest before its interval ends", func(t *testing.T) {
		if r.digestsBeforeTheEnd != 0 {
			t.Errorf("digest webhook got %d deliveries before the interval ended", r.digestsBeforeTheEnd)
		}
	})

	e.pollPast(r.p, r.bucketEnd.Add(digestHorizon))

	t.Run("sends one message with every completion of the interval", func(t *testing.T) {
		ds := e.delivered(r.digest.ID)
		gs := decodeGoals(t, ds)
		if len(ds) != 1 || len(gs) != 1 {
			t.Fatalf("digest webhook got %d deliveries (%+v); want one goal.completed", len(ds), gs)
		}
		g := gs[0]
		if g.Completions != n || g.UniqueVisitors != visitors {
			t.Errorf("digest counts %d completions by %d visitors; want %d by %d", g.Completions, g.UniqueVisitors, n, visitors)
		}
		if !g.PeriodStart.Equal(r.first) || !g.PeriodEnd.Equal(r.bucketEnd) {
			t.Errorf("digest period %v–%v; want %v–%v", g.PeriodStart, g.PeriodEnd, r.first, r.bucketEnd)
		}
		if g.Goal.Name != "Signup" || g.Site != "digest.example" || g.SiteID != 61 {
			t.Errorf("digest names goal %q of %q (%d)", g.Goal.Name, g.Site, g.SiteID)
		}
	})
	t.Run("renders the digest in the chat webhook's own format", func(t *testing.T) {
		ds := e.delivered(r.chat.ID)
		if len(ds) != 1 {
			t.Fatalf("chat webhook got %d deliveries; want one digest", len(ds))
		}
		if got, want := slackText(t, ds[0]), "digest.example: goal Signup completed 6 times by 5 visitors"; got != want {
			t.Errorf("Slack text = %q; want %q", got, want)
		}
	})
	t.Run("keeps sending each poll's gain to the webhook without a digest", func(t *testing.T) {
		gs := decodeGoals(t, e.delivered(r.live.ID))
		if got := completions(gs, "Signup"); got != n || len(gs) < 2 {
			t.Errorf("webhook without digest got %d completions in %d messages; want %d in at least 2", got, len(gs), n)
		}
		checkWindows(t, gs)
	})
	t.Run("moves the marks to the next interval", func(t *testing.T) {
		// Later buckets, empty, may have been due too on a slow machine:
		// the marks are at the start of a bucket, from the next on.
		got := e.digestMarks()
		mark := got[dk]
		start, _ := core.DigestBucket(mark, r.bucket)
		want := map[core.DigestKey]time.Time{dk: mark, ck: mark}
		if !sameMarks(got, want) || mark.Before(r.bucketEnd) || !start.Equal(mark) || mark.After(e.chNow()) {
			t.Errorf("digest marks = %v; want both at a bucket's start from %v on", got, r.bucketEnd)
		}
	})
}

// TestGoalDigestCatchUp resumes digests of five minutes after two hours
// of downtime.
func TestGoalDigestCatchUp(t *testing.T) {
	e := newEnv(t)
	const pid = 62
	site := e.site("catchup-digest.example", pid)
	g := e.goal(&core.Goal{SiteID: site.ID, EventName: "Signup"})
	live := e.webhook(&core.Webhook{SiteID: site.ID, Events: []core.EventType{core.EventGoal}})
	hook := e.webhook(&core.Webhook{SiteID: site.ID, Events: []core.EventType{core.EventGoal}, DigestInterval: 5 * time.Minute})

	const d = 5 * time.Minute
	from, _ := core.DigestBucket(e.chNow().Add(-2*time.Hour), d)
	k := core.DigestKey{WebhookID: hook.ID, GoalID: g.ID}
	e.seed(core.PollCommit{Goals: map[int64]core.GoalState{g.ID: {Open: from, Recount: from}}, DigestMarks: map[core.DigestKey]time.Time{k: from}})
	bucket := func(i int) time.Time { return from.Add(time.Duration(i) * d) }
	e.insert(goalEvents(pid, bucket(0).Add(30*time.Second), "Signup", "/", 1, 1)...)
	e.insert(goalEvents(pid, bucket(3).Add(4*time.Minute), "Signup", "/", 10, 2)...)
	e.insert(goalEvents(pid, bucket(9), "Signup", "/", 20, 3)...)
	cfg := e.config(e.src)
	cfg.MaxWindow = time.Hour
	p := poll.New(cfg)

	e.pollOnce(p)
	t.Run("reports at most MaxDigestBuckets intervals in one poll", func(t *testing.T) {
		if got, want := e.digestMarks()[k], bucket(poll.MaxDigestBuckets); !got.Equal(want) {
			t.Errorf("mark after one poll = %v; want %v", got, want)
		}
		if gs := decodeGoals(t, e.delivered(hook.ID)); len(gs) != 2 {
			t.Errorf("first poll sent %d digests; want the 2 of the first 8 intervals with completions", len(gs))
		}
	})
	for range 3 {
		e.pollOnce(p)
	}
	t.Run("sends one digest per interval with completions, aligned to the interval", func(t *testing.T) {
		gs := decodeGoals(t, e.delivered(hook.ID))
		var got []uint64
		for i, g := range gs {
			got = append(got, g.Completions)
			if start, end := core.DigestBucket(g.PeriodStart, d); !start.Equal(g.PeriodStart) || !end.Equal(g.PeriodEnd) {
				t.Errorf("digest %d covers %v–%v; want one aligned interval", i, g.PeriodStart, g.PeriodEnd)
			}
		}
		if !slices.Equal(got, []uint64{1, 2, 3}) {
			t.Errorf("completions per digest = %v; want [1 2 3]", got)
		}
		if gs[len(gs)-1].PeriodStart != bucket(9) {
			t.Errorf("last digest starts at %v; want %v", gs[len(gs)-1].PeriodStart, bucket(9))
		}
		if mark := e.digestMarks()[k]; mark.Before(e.chNow().Add(-d - time.Minute)) {
			t.Errorf("mark %v did not catch up with the present", mark)
		}
	})
	t.Run("still sends windows to the webhook without a digest", func(t *testing.T) {
		if got := completions(decodeGoals(t, e.delivered(live.ID)), "Signup"); got != 6 {
			t.Errorf("webhook without digest got %d completions; want 6", got)
		}
	})
}

// TestGoalDigestChanges covers edits of digest webhooks between polls,
// from the state an earlier run left.
func TestGoalDigestChanges(t *testing.T) {
	const d = 5 * time.Minute
	t.Run("starts a new digest where it is first seen, not before", func(t *testing.T) {
		e := newEnv(t)
		const pid = 63
		site := e.site("new-digest.example", pid)
		g := e.goal(&core.Goal{SiteID: site.ID, EventName: "Signup"})
		hook := e.webhook(&core.Webhook{SiteID: site.ID, Events: []core.EventType{core.EventGoal}, DigestInterval: d})
		e.insert(goalEvents(pid, e.chNow().Add(-time.Minute), "Signup", "/", 1, 4)...)
		before := e.chNow()
		e.pollOnce(e.poller())
		mark := e.digestMarks()[core.DigestKey{WebhookID: hook.ID, GoalID: g.ID}]
		if mark.Before(before) || mark.After(e.chNow()) {
			t.Errorf("mark = %v; want the first poll's time, from %v", mark, before)
		}
		if ds := e.delivered(hook.ID); len(ds) != 0 {
			t.Errorf("deliveries = %v; want none of the past", types(ds))
		}
	})
	t.Run("continues from the mark when the interval changed", func(t *testing.T) {
		e := newEnv(t)
		const pid = 64
		site := e.site("changed-digest.example", pid)
		g := e.goal(&core.Goal{SiteID: site.ID, EventName: "Signup"})
		hook := e.webhook(&core.Webhook{SiteID: site.ID, Events: []core.EventType{core.EventGoal}, DigestInterval: d})
		b, end := core.DigestBucket(e.chNow().Add(-30*time.Minute), d)
		// The mark an interval of 2 minutes left, not on a 5-minute line.
		mark := b.Add(2 * time.Minute)
		k := core.DigestKey{WebhookID: hook.ID, GoalID: g.ID}
		e.seed(core.PollCommit{DigestMarks: map[core.DigestKey]time.Time{k: mark}})
		e.insert(goalEvents(pid, b.Add(time.Minute), "Signup", "/", 1, 4)...) // reported before the change
		e.insert(goalEvents(pid, mark, "Signup", "/", 10, 2)...)
		e.insert(goalEvents(pid, end, "Signup", "/", 20, 3)...)
		e.pollOnce(e.poller())
		gs := decodeGoals(t, e.delivered(hook.ID))
		if len(gs) != 2 || gs[0].Completions != 2 || !gs[0].PeriodStart.Equal(mark) || !gs[0].PeriodEnd.Equal(end) ||
			gs[1].Completions != 3 || !gs[1].PeriodStart.Equal(end) || !gs[1].PeriodEnd.Equal(end.Add(d)) {
			t.Errorf("digests = %+v; want 2 completions over %v–%v, then 3 over the next 5 minutes", gs, mark, end)
		}
	})
	t.Run("sends the rest when the digest is turned off, then each poll's gain", func(t *testing.T) {
		e := newEnv(t)
		const pid = 65
		site := e.site("off-digest.example", pid)
		g := e.goal(&core.Goal{SiteID: site.ID, EventName: "Signup"})
		// Digest turned off since the last poll, and one disabled.
		hook := e.webhook(&core.Webhook{SiteID: site.ID, Events: []core.EventType{core.EventGoal}})
		off := e.webhook(&core.Webhook{SiteID: site.ID, Events: []core.EventType{core.EventGoal}, DigestInterval: d})
		if _, err := e.stores.hooks.SetWebhookEnabled(e.ctx, off.ID, false, "test"); err != nil {
			t.Fatal(err)
		}
		now := e.chNow()
		mark := now.Add(-20 * time.Minute)
		k, kOff := core.DigestKey{WebhookID: hook.ID, GoalID: g.ID}, core.DigestKey{WebhookID: off.ID, GoalID: g.ID}
		e.seed(core.PollCommit{DigestMarks: map[core.DigestKey]time.Time{k: mark, kOff: mark}})
		e.insert(goalEvents(pid, mark.Add(time.Minute), "Signup", "/", 1, 2)...)
		e.insert(goalEvents(pid, now.Add(-10*time.Second), "Signup", "/", 10, 3)...)
		p := e.poller()
		e.pollOnce(p)
		after := e.chNow()
		gs := decodeGoals(t, e.delivered(hook.ID))
		if len(gs) != 1 || gs[0].Completions != 5 || !gs[0].PeriodStart.Equal(mark) || gs[0].PeriodEnd.Before(now) || gs[0].PeriodEnd.After(after) {
			t.Errorf("deliveries = %+v; want one last digest of the 5 completions since the mark", gs)
		}
		e.insert(goalEvents(pid, after, "Signup", "/", 20, 1)...)
		e.pollPast(p, after)
		gs = decodeGoals(t, e.delivered(hook.ID))
		if len(gs) != 2 || gs[1].Completions != 1 {
			t.Errorf("deliveries = %+v; want the digest, then a goal.completed of the 1 new completion", gs)
		}
		if ds := e.delivered(off.ID); len(ds) != 0 {
			t.Errorf("disabled webhook got %d deliveries", len(ds))
		}
		if marks := e.digestMarks(); len(marks) != 0 {
			t.Errorf("digest marks %v kept; want none", marks)
		}
	})
}

func sameMarks(a, b map[core.DigestKey]time.Time) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || !v.Equal(w) {
			return false
		}
	}
	return true
}
