package sqlite_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/hookwatch/hookwatch/core"
	"github.com/hookwatch/hookwatch/storage/sqlite"
)

func TestOthersVersion(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "hookwatch.db")
	db, _ := mustOpenPath(t, path)
	other, _ := mustOpenPath(t, path) // another process, as far as SQLite can tell
	mustSite(t, db, "shop.example.com", 1)
	w := mustWebhook(t, db, "shop.example.com")
	version := func() int64 {
		t.Helper()
		v, err := db.OthersVersion(ctx)
		if err != nil {
			t.Fatalf("OthersVersion: %v", err)
		}
		return v
	}
	enqueue := func(db *sqlite.DB, key string) {
		t.Helper()
		err := sqlite.NewDeliveryService(db).Enqueue(ctx, []core.NewDelivery{{WebhookID: w.ID, EventKey: key, EventType: core.EventGoal, Payload: []byte(`{}`)}})
		if err != nil {
			t.Fatalf("Enqueue: %v", err)
		}
	}

	before := version()
	enqueue(db, "own")
	t.Run("stays across its own commits", func(t *testing.T) {
		if v := version(); v != before {
			t.Errorf("version %d after an own commit; want %d", v, before)
		}
	})
	enqueue(other, "others")
	t.Run("changes after another's commit", func(t *testing.T) {
		if v := version(); v == before {
			t.Errorf("version still %d after another connection's commit", v)
		}
	})
}

func TestWebhookChanges(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "hookwatch.db")
	db, _ := mustOpenPath(t, path)
	other, _ := mustOpenPath(t, path) // a CLI command in another process
	ws, otherWS := sqlite.NewWebhookService(db), sqlite.NewWebhookService(other)
	shop, blog := mustSite(t, db, "shop.example.com", 1), mustSite(t, db, "blog.example.com", 2)
	a, b := mustWebhook(t, db, shop.Domain), mustWebhook(t, db, shop.Domain)
	c := mustWebhook(t, db, blog.Domain)
	deliveries := sqlite.NewDeliveryService(db)

	all, err := ws.WebhookChanges(ctx, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(all.Changed); got != fmt.Sprint([]int64{a.ID, b.ID, c.ID}) || len(all.Deleted) != 0 {
		t.Fatalf("since 0: changed %s, deleted %v; want every webhook and nothing deleted", got, all.Deleted)
	}
	version := all.Version
	url := "https://new.example.com/hook"
	for _, step := range []struct {
		name             string
		change           func() error
		changed, deleted []int64
	}{
		{"nothing changed: nothing to read", func() error { return nil }, nil, nil},
		{"an edit in another process", func() error {
			_, err := otherWS.UpdateWebhook(ctx, b.ID, core.WebhookUpdate{URL: &url})
			return err
		}, []int64{b.ID}, nil},
		{"a disable", func() error {
			_, err := ws.SetWebhookEnabled(ctx, a.ID, false, "test")
			return err
		}, []int64{a.ID}, nil},
		{"a failure clock started by a recorded attempt", func() error {
			if err := deliveries.Enqueue(ctx, []core.NewDelivery{{WebhookID: c.ID, EventKey: "k", EventType: core.EventGoal, Payload: []byte(`{}`)}}); err != nil {
				return err
			}
			ds, err := deliveries.DueDeliveries(ctx, t0, core.DueFilter{FirstOnly: true, Limit: 10})
			if err != nil || len(ds) != 1 {
				return fmt.Errorf("due deliveries %v: %v", ds, err)
			}
			return deliveries.RecordAttempts(ctx, []core.AttemptResult{{Delivery: ds[0], Attempt: &core.Attempt{StatusCode: 500},
				Decision: core.Decision{Verdict: core.VerdictRetry, NextAttemptAt: t0.Add(time.Minute)}}})
		}, []int64{c.ID}, nil},
		{"a new webhook and a deleted one", func() error {
			if err := otherWS.DeleteWebhook(ctx, a.ID); err != nil {
				return err
			}
			return ws.CreateWebhook(ctx, &core.Webhook{Site: blog.Domain, URL: url, Events: []core.EventType{core.EventGoal}})
		}, []int64{c.ID + 1}, []int64{a.ID}},
		{"a deleted site takes its webhooks", func() error {
			return sqlite.NewSiteService(db).DeleteSite(ctx, shop.Domain, core.DeleteSiteOptions{Force: true})
		}, nil, []int64{b.ID}},
	} {
		t.Run(step.name, func(t *testing.T) {
			if err := step.change(); err != nil {
				t.Fatal(err)
			}
			ch, err := ws.WebhookChanges(ctx, version, 0)
			if err != nil {
				t.Fatal(err)
			}
			if ids(ch.Changed) != fmt.Sprint(nonNil(step.changed)) || fmt.Sprint(nonNil(ch.Deleted)) != fmt.Sprint(nonNil(step.deleted)) {
				t.Errorf("changed %s, deleted %v; want %v, %v", ids(ch.Changed), ch.Deleted, nonNil(step.changed), nonNil(step.deleted))
			}
			if (len(step.changed)+len(step.deleted) == 0) != (ch.Version == version) {
				t.Errorf("version %d after %d: it moves exactly when something changed", ch.Version, version)
			}
			version = ch.Version
		})
	}
	t.Run("a version the database never had reads everything", func(t *testing.T) {
		ch, err := ws.WebhookChanges(ctx, version+100, 0)
		if err != nil {
			t.Fatal(err)
		}
		if n := countWebhooks(t, db); len(ch.Changed) != n || ch.Version != version || !ch.Reset {
			t.Errorf("read %d webhooks at version %d, reset %v; want all %d at %d, reset", len(ch.Changed), ch.Version, ch.Reset, n, version)
		}
	})
}

func TestWebhookChangesPages(t *testing.T) {
	ctx := context.Background()
	db, _ := mustOpen(t)
	ws := sqlite.NewWebhookService(db)
	var want []int64
	for i := range 7 {
		domain := fmt.Sprintf("site%d.example.com", i)
		mustSite(t, db, domain, uint64(i+1))
		want = append(want, mustWebhook(t, db, domain).ID)
	}
	url := "https://edited.example.com/hook"
	// Edited before the read: it moves to the end of the change order.
	if _, err := ws.UpdateWebhook(ctx, want[0], core.WebhookUpdate{URL: &url}); err != nil {
		t.Fatal(err)
	}
	want = append(want[1:], want[0])
	var got, deleted []int64
	var since int64
	var pages []int
	for {
		ch, err := ws.WebhookChanges(ctx, since, 3)
		if err != nil {
			t.Fatal(err)
		}
		pages = append(pages, len(ch.Changed))
		for _, w := range ch.Changed {
			got = append(got, w.ID)
		}
		deleted = append(deleted, ch.Deleted...)
		if ch.Version <= since && ch.More {
			t.Fatalf("page after %d ends at %d and says more follow", since, ch.Version)
		}
		since = ch.Version
		if !ch.More {
			break
		}
		if len(pages) == 2 {
			// A change between two pages comes in a later one.
			if err := ws.DeleteWebhook(ctx, want[6]); err != nil {
				t.Fatal(err)
			}
		}
	}
	// The edited webhook was deleted mid-read: its deletion ends the read.
	if fmt.Sprint(got) != fmt.Sprint(want[:6]) || fmt.Sprint(pages) != "[3 3 0]" || fmt.Sprint(deleted) != fmt.Sprint(want[6:]) {
		t.Errorf("read %v in pages of %v, deleted %v; want %v in pages of [3 3 0], deleted %v", got, pages, deleted, want[:6], want[6:])
	}
	ch, err := ws.WebhookChanges(ctx, since, 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(ch.Changed) != 0 || len(ch.Deleted) != 0 || ch.Version != since {
		t.Errorf("after the pages: changed %d, deleted %v at %d; want nothing new at %d", len(ch.Changed), ch.Deleted, ch.Version, since)
	}
}

func ids(ws []*core.Webhook) string {
	out := []int64{}
	for _, w := range ws {
		out = append(out, w.ID)
	}
	return fmt.Sprint(out)
}

func nonNil(ids []int64) []int64 {
	if ids == nil {
		return []int64{}
	}
	return ids
}
