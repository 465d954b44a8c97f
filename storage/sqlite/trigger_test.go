package sqlite_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/hookwatch/hookwatch/core"
	"github.com/hookwatch/hookwatch/storage/sqlite"
)

func TestTriggerStore(t *testing.T) {
	ctx := context.Background()

	t.Run("commits a poll and reads it back", func(t *testing.T) {
		db, c := mustOpen(t)
		site := mustSite(t, db, "example.com", 5)
		w := mustWebhook(t, db, "example.com")
		g := mustGoal(t, db, "example.com", "Signup")
		store := sqlite.NewTriggerStore(db)

		st, err := store.PollStatus(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if st != (core.PollStatus{}) {
			t.Errorf("status before the first poll = %+v, want zero", st)
		}

		c.now = t0.Add(time.Hour)
		commit := core.PollCommit{
			Alerts: map[core.AlertKey]core.AlertState{
				{WebhookID: w.ID, Type: core.EventSpike}: {Firing: true, LastFired: t0.Add(time.Hour)},
				{WebhookID: w.ID, Type: core.EventDrop}:  {},
			},
			Goals:      map[int64]core.GoalState{g.ID: {Open: t0.Add(50 * time.Minute), Recount: t0.Add(48 * time.Minute)}},
			Reported:   map[core.BucketKey]uint64{{GoalID: g.ID, Start: t0.Add(50 * time.Minute).Unix()}: 3},
			LateEvents: 2,
			Deliveries: []core.NewDelivery{{WebhookID: w.ID, EventKey: "spike:1", EventType: core.EventSpike, Payload: []byte(`{}`)}},
			Status: core.PollStatus{LastPollAt: t0.Add(time.Hour), LastPollDuration: 120 * time.Millisecond,
				ClickHouseOK: true, ClickHouseSince: t0, ServerVersion: "18.16.1"},
			Samples: []core.TrafficSample{
				{SiteID: site.ID, At: t0.Add(-25 * time.Hour), CurrentVisitors: 1}, // older than the retention
				{SiteID: site.ID, At: t0.Add(time.Hour), CurrentVisitors: 312, Fired: []core.EventType{core.EventSpike}},
			},
		}
		if err := store.CommitPoll(ctx, commit); err != nil {
			t.Fatal(err)
		}

		alerts, err := store.AlertStates(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(alerts, commit.Alerts) {
			t.Errorf("alerts = %v, want %v", alerts, commit.Alerts)
		}
		states, err := store.GoalStates(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(states, commit.Goals) {
			t.Errorf("goal states = %v, want %v", states, commit.Goals)
		}
		if buckets, _ := store.ReportedBuckets(ctx); !reflect.DeepEqual(buckets, commit.Reported) {
			t.Errorf("reported buckets = %v, want %v", buckets, commit.Reported)
		}
		wantStatus := commit.Status
		wantStatus.LateEvents = 2
		if st, _ := store.PollStatus(ctx); st != wantStatus {
			t.Errorf("status = %+v, want %+v", st, wantStatus)
		}
		samples, err := store.TrafficSamples(ctx, site.ID, t0.Add(-48*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if want := commit.Samples[1:]; !reflect.DeepEqual(samples, want) {
			t.Errorf("samples = %+v, want only the recent %+v", samples, want)
		}
		if due := dueIDs(t, db, c.now, true, 10, nil); len(due) != 1 {
			t.Errorf("due deliveries = %v, want the spike", due)
		}

		// The next poll updates state in place.
		next := core.PollCommit{
			Alerts:     map[core.AlertKey]core.AlertState{{WebhookID: w.ID, Type: core.EventSpike}: {LastFired: t0.Add(time.Hour)}},
			Goals:      map[int64]core.GoalState{g.ID: {Open: t0.Add(51 * time.Minute), Recount: t0.Add(49 * time.Minute)}},
			LateEvents: 3,
			Status:     core.PollStatus{LastPollAt: t0.Add(61 * time.Minute), ClickHouseOK: true, ClickHouseSince: t0},
		}
		if err := store.CommitPoll(ctx, next); err != nil {
			t.Fatal(err)
		}
		alerts, _ = store.AlertStates(ctx)
		if got := alerts[core.AlertKey{WebhookID: w.ID, Type: core.EventSpike}]; got.Firing || !got.LastFired.Equal(t0.Add(time.Hour)) {
			t.Errorf("spike state = %+v, want cleared with its last firing kept", got)
		}
		if states, _ := store.GoalStates(ctx); !states[g.ID].Open.Equal(t0.Add(51 * time.Minute)) {
			t.Errorf("goal state = %v, want open from %v", states[g.ID], t0.Add(51*time.Minute))
		}
		if st, _ := store.PollStatus(ctx); st.LateEvents != 5 {
			t.Errorf("late events = %d, want 2 + 3 added up", st.LateEvents)
		}
		// A failed poll's status keeps the count.
		if err := store.SavePollStatus(ctx, core.PollStatus{LastPollAt: t0.Add(62 * time.Minute)}); err != nil {
			t.Fatal(err)
		}
		if st, _ := store.PollStatus(ctx); st.LateEvents != 5 {
			t.Errorf("late events after a failed poll's status = %d, want 5", st.LateEvents)
		}
	})

	t.Run("writes none of a poll that fails", func(t *testing.T) {
		db, _ := mustOpen(t)
		mustSite(t, db, "example.com", 5)
		w := mustWebhook(t, db, "example.com")
		g := mustGoal(t, db, "example.com", "Signup")
		store := sqlite.NewTriggerStore(db)
		err := store.CommitPoll(ctx, core.PollCommit{
			Alerts:   map[core.AlertKey]core.AlertState{{WebhookID: w.ID, Type: core.EventSpike}: {Firing: true, LastFired: t0}},
			Goals:    map[int64]core.GoalState{g.ID: {Open: t0}},
			Reported: map[core.BucketKey]uint64{{GoalID: g.ID, Start: t0.Unix()}: 1},
			Deliveries: []core.NewDelivery{
				{WebhookID: w.ID, EventKey: "ok", EventType: core.EventGoal, Payload: []byte(`{}`)},
				{WebhookID: w.ID, EventKey: "", EventType: core.EventGoal, Payload: []byte(`{}`)}, // refused
			},
			Status: core.PollStatus{LastPollAt: t0, ClickHouseOK: true},
		})
		if err == nil {
			t.Fatal("CommitPoll accepted a delivery without an event key")
		}
		alerts, _ := store.AlertStates(ctx)
		marks, _ := store.GoalStates(ctx)
		buckets, _ := store.ReportedBuckets(ctx)
		st, _ := store.PollStatus(ctx)
		_, total, _ := sqlite.NewDeliveryService(db).FindDeliveries(ctx, core.DeliveryFilter{})
		if len(alerts) != 0 || len(marks) != 0 || len(buckets) != 0 || total != 0 || !st.LastPollAt.IsZero() {
			t.Errorf("after a failed commit: %d alerts, %d goal states, %d buckets, %d deliveries, status %+v; want nothing",
				len(alerts), len(marks), len(buckets), total, st)
		}
	})

	t.Run("drops state of webhooks and goals deleted since the poll read them", func(t *testing.T) {
		db, _ := mustOpen(t)
		mustSite(t, db, "example.com", 5)
		w := mustWebhook(t, db, "example.com")
		g := mustGoal(t, db, "example.com", "Signup")
		store := sqlite.NewTriggerStore(db)
		err := store.CommitPoll(ctx, core.PollCommit{
			Alerts:   map[core.AlertKey]core.AlertState{{WebhookID: 77, Type: core.EventSpike}: {Firing: true}},
			Goals:    map[int64]core.GoalState{88: {Open: t0}},
			Reported: map[core.BucketKey]uint64{{GoalID: 88, Start: t0.Unix()}: 1},
			DigestMarks: map[core.DigestKey]time.Time{
				{WebhookID: 77, GoalID: g.ID}: t0,
				{WebhookID: w.ID, GoalID: 88}: t0,
			},
			Samples: []core.TrafficSample{{SiteID: 99, At: t0}},
		})
		if err != nil {
			t.Fatal(err)
		}
		alerts, _ := store.AlertStates(ctx)
		marks, _ := store.GoalStates(ctx)
		buckets, _ := store.ReportedBuckets(ctx)
		digests, _ := store.DigestMarks(ctx)
		if len(alerts) != 0 || len(marks) != 0 || len(buckets) != 0 || len(digests) != 0 {
			t.Errorf("kept %v, %v, %v and %v of deleted webhooks and goals", alerts, marks, buckets, digests)
		}
	})

	t.Run("prunes buckets before the goal's prune time and deletes a zeroed goal state", func(t *testing.T) {
		db, _ := mustOpen(t)
		mustSite(t, db, "example.com", 5)
		g := mustGoal(t, db, "example.com", "Signup")
		g2 := mustGoal(t, db, "example.com", "Purchase")
		store := sqlite.NewTriggerStore(db)
		at := func(d time.Duration) int64 { return t0.Add(d).Unix() }
		reported := map[core.BucketKey]uint64{}
		for _, id := range []int64{g.ID, g2.ID} {
			for _, d := range []time.Duration{0, 10 * time.Second, 20 * time.Second, 30 * time.Second} {
				reported[core.BucketKey{GoalID: id, Start: at(d)}] = 1
			}
		}
		if err := store.CommitPoll(ctx, core.PollCommit{
			Goals:    map[int64]core.GoalState{g.ID: {Open: t0.Add(30 * time.Second), Recount: t0}, g2.ID: {Open: t0.Add(30 * time.Second), Recount: t0}},
			Reported: reported,
		}); err != nil {
			t.Fatal(err)
		}
		// A state moved without a prune time keeps every bucket.
		if err := store.CommitPoll(ctx, core.PollCommit{
			Goals: map[int64]core.GoalState{g.ID: {Open: t0.Add(30 * time.Second), Recount: t0.Add(20 * time.Second)}},
		}); err != nil {
			t.Fatal(err)
		}
		if got, _ := store.ReportedBuckets(ctx); !reflect.DeepEqual(got, reported) {
			t.Errorf("buckets after a state without a prune = %v, want all of %v", got, reported)
		}
		// g's buckets before 20 s had their last recount; g2 is no longer watched.
		if err := store.CommitPoll(ctx, core.PollCommit{
			Goals: map[int64]core.GoalState{g.ID: {Open: t0.Add(30 * time.Second), Recount: t0.Add(20 * time.Second)}, g2.ID: {}},
			Prune: map[int64]time.Time{g.ID: t0.Add(20 * time.Second)},
		}); err != nil {
			t.Fatal(err)
		}
		want := map[core.BucketKey]uint64{{GoalID: g.ID, Start: at(20 * time.Second)}: 1, {GoalID: g.ID, Start: at(30 * time.Second)}: 1}
		if got, _ := store.ReportedBuckets(ctx); !reflect.DeepEqual(got, want) {
			t.Errorf("buckets = %v, want %v", got, want)
		}
		if states, _ := store.GoalStates(ctx); len(states) != 1 || states[g2.ID] != (core.GoalState{}) {
			t.Errorf("goal states = %v, want only goal %d's", states, g.ID)
		}
	})

	t.Run("keeps digest marks per webhook and goal and deletes a zeroed one", func(t *testing.T) {
		db, _ := mustOpen(t)
		mustSite(t, db, "example.com", 5)
		w := mustWebhook(t, db, "example.com")
		w2 := mustWebhook(t, db, "example.com")
		signup := mustGoal(t, db, "example.com", "Signup")
		buy := mustGoal(t, db, "example.com", "Purchase")
		store := sqlite.NewTriggerStore(db)
		first := map[core.DigestKey]time.Time{
			{WebhookID: w.ID, GoalID: signup.ID}:  t0,
			{WebhookID: w.ID, GoalID: buy.ID}:     t0.Add(time.Minute),
			{WebhookID: w2.ID, GoalID: signup.ID}: t0.Add(2 * time.Minute),
		}
		if err := store.CommitPoll(ctx, core.PollCommit{DigestMarks: first}); err != nil {
			t.Fatal(err)
		}
		if got, err := store.DigestMarks(ctx); err != nil || !reflect.DeepEqual(got, first) {
			t.Fatalf("marks = %v, %v; want %v", got, err, first)
		}
		err := store.CommitPoll(ctx, core.PollCommit{DigestMarks: map[core.DigestKey]time.Time{
			{WebhookID: w.ID, GoalID: signup.ID}: t0.Add(15 * time.Minute),
			{WebhookID: w.ID, GoalID: buy.ID}:    {},
		}})
		if err != nil {
			t.Fatal(err)
		}
		want := map[core.DigestKey]time.Time{
			{WebhookID: w.ID, GoalID: signup.ID}:  t0.Add(15 * time.Minute),
			{WebhookID: w2.ID, GoalID: signup.ID}: t0.Add(2 * time.Minute),
		}
		if got, _ := store.DigestMarks(ctx); !reflect.DeepEqual(got, want) {
			t.Errorf("marks after moving one and zeroing one = %v; want %v", got, want)
		}
		if err := sqlite.NewWebhookService(db).DeleteWebhook(ctx, w2.ID); err != nil {
			t.Fatal(err)
		}
		if got, _ := store.DigestMarks(ctx); len(got) != 1 {
			t.Errorf("marks after deleting a webhook = %v; want only webhook %d's", got, w.ID)
		}
	})

	t.Run("saves a failed poll's status on its own", func(t *testing.T) {
		db, _ := mustOpen(t)
		store := sqlite.NewTriggerStore(db)
		want := core.PollStatus{LastPollAt: t0, LastPollDuration: 3 * time.Second, ClickHouseError: "connection refused", ClickHouseSince: t0}
		if err := store.SavePollStatus(ctx, want); err != nil {
			t.Fatal(err)
		}
		if got, _ := store.PollStatus(ctx); got != want {
			t.Errorf("status = %+v, want %+v", got, want)
		}
	})
}

func TestLease(t *testing.T) {
	ctx := context.Background()
	path := t.TempDir() + "/hookwatch.db"
	db1, c1 := mustOpenPath(t, path)
	db2, c2 := mustOpenPath(t, path)
	first, second := sqlite.NewLease(db1), sqlite.NewLease(db2)

	t.Run("grants a free lease", func(t *testing.T) {
		if err := first.AcquireLease(ctx, "host-a pid 1", time.Minute); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("refuses a second engine while the lease is live", func(t *testing.T) {
		err := second.AcquireLease(ctx, "host-b pid 2", time.Minute)
		wantError(t, err, core.ECONFLICT, "")
		want := "another hookwatch engine (host-a pid 1) is running on this database; lease held until 2025-03-01T12:01:00Z"
		if core.ErrorMessage(err) != want {
			t.Errorf("message = %q, want %q", core.ErrorMessage(err), want)
		}
		wantError(t, second.RenewLease(ctx, "host-b pid 2", time.Minute), core.ECONFLICT, "")
	})
	t.Run("lets the holder renew and acquire again", func(t *testing.T) {
		c1.now = t0.Add(50 * time.Second)
		if err := first.RenewLease(ctx, "host-a pid 1", time.Minute); err != nil {
			t.Fatal(err)
		}
		if err := first.AcquireLease(ctx, "host-a pid 1", time.Minute); err != nil {
			t.Fatal(err)
		}
		c2.now = t0.Add(90 * time.Second) // past the first grant, within the renewal
		wantError(t, second.AcquireLease(ctx, "host-b pid 2", time.Minute), core.ECONFLICT, "")
	})
	t.Run("lets another engine take an expired lease, and the old holder learns it lost it", func(t *testing.T) {
		c2.now = t0.Add(3 * time.Minute)
		if err := second.AcquireLease(ctx, "host-b pid 2", time.Minute); err != nil {
			t.Fatal(err)
		}
		c1.now = c2.now
		wantError(t, first.RenewLease(ctx, "host-a pid 1", time.Minute), core.ECONFLICT, "")
	})
	t.Run("leaves another's lease alone on release and frees its own", func(t *testing.T) {
		if err := first.ReleaseLease(ctx, "host-a pid 1"); err != nil {
			t.Fatal(err)
		}
		wantError(t, first.AcquireLease(ctx, "host-a pid 1", time.Minute), core.ECONFLICT, "")
		if err := second.ReleaseLease(ctx, "host-b pid 2"); err != nil {
			t.Fatal(err)
		}
		if err := first.AcquireLease(ctx, "host-a pid 1", time.Minute); err != nil {
			t.Errorf("acquire after release: %v", err)
		}
	})
}

func TestSettingsService(t *testing.T) {
	ctx := context.Background()
	db, _ := mustOpen(t)
	settings := sqlite.NewSettingsService(db)

	if _, ok, err := settings.Setting(ctx, core.SettingPollInterval); err != nil || ok {
		t.Fatalf("unset setting: ok %v, err %v; want not set", ok, err)
	}
	for _, v := range []string{"10s", "30s"} {
		if err := settings.SetSetting(ctx, core.SettingPollInterval, v); err != nil {
			t.Fatal(err)
		}
		got, ok, err := settings.Setting(ctx, core.SettingPollInterval)
		if err != nil || !ok || got != v {
			t.Errorf("Setting = %q, %v, %v; want %q", got, ok, err, v)
		}
	}
	wantError(t, settings.SetSetting(ctx, "", "x"), core.EINVALID, "key")
}
