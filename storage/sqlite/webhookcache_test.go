package sqlite_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/hookwatch/hookwatch/core"
	"github.com/hookwatch/hookwatch/storage/sqlite"
)

// TestWebhookCache checks that a core.WebhookCache refreshed after each
// kind of change holds exactly what FindWebhooks reads afresh.
func TestWebhookCache(t *testing.T) {
	ctx := context.Background()
	db, _ := mustOpen(t)
	svc := sqlite.NewWebhookService(db)
	mustSite(t, db, "a.example", 1)
	var cache core.WebhookCache
	same := func(step string) {
		t.Helper()
		if err := cache.Refresh(ctx, svc); err != nil {
			t.Fatalf("%s: Refresh: %v", step, err)
		}
		want, err := svc.FindWebhooks(ctx, core.WebhookFilter{})
		if err != nil {
			t.Fatal(err)
		}
		got := cache.Webhooks()
		if len(got) != len(want) {
			t.Fatalf("%s: cache has %d webhooks, the store %d", step, len(got), len(want))
		}
		for i := range want {
			if g, w := fmt.Sprintf("%+v", *got[i]), fmt.Sprintf("%+v", *want[i]); g != w {
				t.Errorf("%s: webhook %d in the cache\n%s\nin the store\n%s", step, want[i].ID, g, w)
			}
		}
	}
	same("empty")
	var hooks []*core.Webhook
	for range 7 {
		hooks = append(hooks, mustWebhook(t, db, "a.example"))
	}
	same("created")
	url := "https://hooks.example.com/moved"
	if _, err := svc.UpdateWebhook(ctx, hooks[2].ID, core.WebhookUpdate{URL: &url}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.SetWebhookEnabled(ctx, hooks[3].ID, false, "410 Gone"); err != nil {
		t.Fatal(err)
	}
	same("edited and disabled")
	if err := svc.DeleteWebhook(ctx, hooks[4].ID); err != nil {
		t.Fatal(err)
	}
	same("deleted")
	same("unchanged")
}

// TestWebhookCacheShared checks one core.WebhookCache refreshed and read by
// two goroutines at once, as the poller and the delivery engine share it,
// while webhooks are created and edited: each sees every edit once it has
// refreshed, and at the end the cache holds what FindWebhooks reads.
func TestWebhookCacheShared(t *testing.T) {
	ctx := context.Background()
	db, _ := mustOpen(t)
	svc := sqlite.NewWebhookService(db)
	for i := range 3 {
		mustSite(t, db, fmt.Sprintf("s%d.example", i), uint64(i+1))
	}
	var cache core.WebhookCache
	stop := make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	for range 2 { // the poller and the engine
		wg.Go(func() {
			for {
				if err := cache.Refresh(ctx, svc); err != nil {
					errs <- err
					return
				}
				for _, w := range cache.Webhooks() {
					if got := cache.Webhook(w.ID); got == nil || got.ID != w.ID {
						errs <- fmt.Errorf("Webhook(%d) = %v after Webhooks() listed it", w.ID, got)
						return
					}
				}
				select {
				case <-stop:
					return
				default:
				}
			}
		})
	}
	for i := range 30 {
		w := mustWebhook(t, db, fmt.Sprintf("s%d.example", i%3))
		url := fmt.Sprintf("https://hooks.example.com/edited/%d", i)
		if _, err := svc.UpdateWebhook(ctx, w.ID, core.WebhookUpdate{URL: &url}); err != nil {
			t.Fatal(err)
		}
		// An edit is seen by a reader once it has refreshed, whoever read
		// it from the store.
		if err := cache.Refresh(ctx, svc); err != nil {
			t.Fatal(err)
		}
		if got := cache.Webhook(w.ID); got == nil || got.URL != url {
			t.Fatalf("after an edit and a Refresh the cache has %+v; want URL %s", got, url)
		}
	}
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	want, err := svc.FindWebhooks(ctx, core.WebhookFilter{})
	if err != nil {
		t.Fatal(err)
	}
	got := cache.Webhooks()
	if len(got) != len(want) {
		t.Fatalf("cache has %d webhooks, the store %d", len(got), len(want))
	}
	for i := range want {
		if g, w := fmt.Sprintf("%+v", *got[i]), fmt.Sprintf("%+v", *want[i]); g != w {
			t.Errorf("webhook %d in the cache\n%s\nin the store\n%s", want[i].ID, g, w)
		}
	}
}
