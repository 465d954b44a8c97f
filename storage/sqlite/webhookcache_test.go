package sqlite_test

import (
	"context"
	"fmt"
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
