package sqlite_test

import (
	"context"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hookwatch/hookwatch/core"
	"github.com/hookwatch/hookwatch/storage/sqlite"
)

func TestWebhookService(t *testing.T) {
	ctx := context.Background()

	t.Run("creates a webhook with a secret and defaults and reads it back", func(t *testing.T) {
		db, _ := mustOpen(t)
		site := mustSite(t, db, "example.com", 5)
		hooks := sqlite.NewWebhookService(db)
		w := &core.Webhook{
			Site: "example.com", URL: "https://hooks.example.com/x",
			Events:         []core.EventType{core.EventSpike, core.EventGoal},
			SpikeThreshold: 200, Goals: []string{"Signup", "/thanks"},
			SendResolved: true, Headers: map[string]string{"Authorization": "Bearer t"},
			DigestInterval: 5 * time.Minute,
		}
		if err := hooks.CreateWebhook(ctx, w); err != nil {
			t.Fatal(err)
		}
		if w.ID == 0 || w.SiteID != site.ID || !w.Enabled || w.Cooldown != core.DefaultCooldown || w.Format != core.FormatStandard {
			t.Errorf("created webhook = %+v, want id, site, enabled and defaults", w)
		}
		if _, err := core.ParseSecret(w.Secret); err != nil {
			t.Errorf("generated secret: %v", err)
		}
		got, err := hooks.FindWebhookByID(ctx, w.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, w) {
			t.Errorf("FindWebhookByID =\n%+v\nwant\n%+v", got, w)
		}
	})

	t.Run("keeps a given secret", func(t *testing.T) {
		db, _ := mustOpen(t)
		mustSite(t, db, "example.com", 5)
		secret := core.GenerateSecret()
		w := &core.Webhook{Site: "example.com", URL: "https://h.example.com/", Events: []core.EventType{core.EventGoal}, Secret: secret}
		if err := sqlite.NewWebhookService(db).CreateWebhook(ctx, w); err != nil {
			t.Fatal(err)
		}
		got, _ := sqlite.NewWebhookService(db).FindWebhookByID(ctx, w.ID)
		if got.Secret != secret {
			t.Errorf("secret = %s, want the given %s", got.Secret, secret)
		}
	})

	t.Run("refuses bad webhooks and changes nothing", func(t *testing.T) {
		db, _ := mustOpen(t)
		mustSite(t, db, "example.com", 5)
		mustSite(t, db, "full.com", 6)
		for range core.MaxWebhooksPerSite {
			mustWebhook(t, db, "full.com")
		}
		hooks := sqlite.NewWebhookService(db)
		goal := []core.EventType{core.EventGoal}
		for _, tt := range []struct {
			name  string
			hook  core.Webhook
			code  string
			field string
		}{
			{"refuses an ftp URL", core.Webhook{Site: "example.com", URL: "ftp://x", Events: goal}, core.EINVALID, "url"},
			{"refuses loopback without allow_private", core.Webhook{Site: "example.com", URL: "http://127.0.0.1/", Events: goal}, core.EINVALID, "url"},
			{"refuses a negative threshold", core.Webhook{Site: "example.com", URL: "https://h.example.com/", Events: goal, SpikeThreshold: -1}, core.EINVALID, "spike_threshold"},
			{"refuses an unknown event type", core.Webhook{Site: "example.com", URL: "https://h.example.com/", Events: []core.EventType{"traffic.boom"}}, core.EINVALID, "events"},
			{"refuses an unknown site", core.Webhook{Site: "nope.com", URL: "https://h.example.com/", Events: goal}, core.ENOTFOUND, "site"},
			{"refuses a malformed secret", core.Webhook{Site: "example.com", URL: "https://h.example.com/", Events: goal, Secret: "whsec_short"}, core.EINVALID, "secret"},
			{"refuses an 11th webhook on a site", core.Webhook{Site: "full.com", URL: "https://h.example.com/", Events: goal}, core.EINVALID, "site"},
		} {
			t.Run(tt.name, func(t *testing.T) {
				w := tt.hook
				wantError(t, hooks.CreateWebhook(ctx, &w), tt.code, tt.field)
				if w.ID != 0 {
					t.Errorf("refused webhook got id %d", w.ID)
				}
				if n := countWebhooks(t, db); n != core.MaxWebhooksPerSite {
					t.Errorf("webhooks after refusal = %d, want %d", n, core.MaxWebhooksPerSite)
				}
			})
		}
		err := hooks.CreateWebhook(ctx, &core.Webhook{Site: "full.com", URL: "https://h.example.com/", Events: goal})
		if want := "site: at most 10 webhooks per site; full.com has 10"; core.ErrorMessage(err) != want {
			t.Errorf("11th webhook message = %q, want %q", core.ErrorMessage(err), want)
		}
	})

	t.Run("finds webhooks by site and enabled", func(t *testing.T) {
		db, _ := mustOpen(t)
		a := mustSite(t, db, "a.com", 1)
		mustSite(t, db, "b.com", 2)
		w1 := mustWebhook(t, db, "a.com")
		w2 := mustWebhook(t, db, "a.com")
		mustWebhook(t, db, "b.com")
		hooks := sqlite.NewWebhookService(db)
		if _, err := hooks.SetWebhookEnabled(ctx, w2.ID, false, "paused"); err != nil {
			t.Fatal(err)
		}
		for _, tt := range []struct {
			name   string
			filter core.WebhookFilter
			want   int
		}{
			{"all", core.WebhookFilter{}, 3},
			{"one site", core.WebhookFilter{SiteID: a.ID}, 2},
			{"enabled of one site", core.WebhookFilter{SiteID: a.ID, EnabledOnly: true}, 1},
		} {
			got, err := hooks.FindWebhooks(ctx, tt.filter)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != tt.want {
				t.Errorf("%s: %d webhooks, want %d", tt.name, len(got), tt.want)
			}
			for _, w := range got {
				if w.Site == "" {
					t.Errorf("%s: webhook %d has no site domain", tt.name, w.ID)
				}
			}
		}
		got, _ := hooks.FindWebhooks(ctx, core.WebhookFilter{SiteID: a.ID, EnabledOnly: true})
		if got[0].ID != w1.ID {
			t.Errorf("enabled webhook = %d, want %d", got[0].ID, w1.ID)
		}
	})

	t.Run("updates only the fields given", func(t *testing.T) {
		db, c := mustOpen(t)
		mustSite(t, db, "example.com", 5)
		w := mustWebhook(t, db, "example.com")
		c.now = t0.Add(time.Hour)
		hooks := sqlite.NewWebhookService(db)
		url, drop := "https://new.example.com/hook", 3
		events := []core.EventType{core.EventGoal, core.EventDrop}
		got, err := hooks.UpdateWebhook(ctx, w.ID, core.WebhookUpdate{URL: &url, DropThreshold: &drop, Events: &events})
		if err != nil {
			t.Fatal(err)
		}
		want := *w
		want.URL, want.DropThreshold, want.Events, want.UpdatedAt = url, drop, events, c.now
		if !reflect.DeepEqual(got, &want) {
			t.Errorf("UpdateWebhook =\n%+v\nwant\n%+v", got, &want)
		}
		stored, _ := hooks.FindWebhookByID(ctx, w.ID)
		if !reflect.DeepEqual(stored, &want) {
			t.Errorf("stored =\n%+v\nwant\n%+v", stored, &want)
		}
	})

	t.Run("stores a template and its content type", func(t *testing.T) {
		db, _ := mustOpen(t)
		mustSite(t, db, "example.com", 5)
		w := mustWebhook(t, db, "example.com")
		hooks := sqlite.NewWebhookService(db)
		format, tpl, ct := core.FormatTemplate, "{{sentence .}}\n", "text/plain; charset=utf-8"
		got, err := hooks.UpdateWebhook(ctx, w.ID, core.WebhookUpdate{Format: &format, Template: &tpl, ContentType: &ct})
		if err != nil {
			t.Fatal(err)
		}
		stored, _ := hooks.FindWebhookByID(ctx, w.ID)
		if !reflect.DeepEqual(stored, got) || stored.Template != tpl || stored.ContentType() != ct {
			t.Errorf("stored =\n%+v\nwant\n%+v", stored, got)
		}
	})

	t.Run("refuses an invalid update and changes nothing", func(t *testing.T) {
		db, _ := mustOpen(t)
		mustSite(t, db, "example.com", 5)
		w := mustWebhook(t, db, "example.com")
		hooks := sqlite.NewWebhookService(db)
		private, events := "http://10.0.0.1/hook", []core.EventType{core.EventSpike}
		for _, tt := range []struct {
			name  string
			upd   core.WebhookUpdate
			field string
		}{
			{"refuses a private URL", core.WebhookUpdate{URL: &private}, "url"},
			{"refuses a spike subscription without threshold", core.WebhookUpdate{Events: &events}, "spike_threshold"},
			{"refuses a template with an unknown field", templateUpdate("{\"site\": {{json .data.domain}}}"), "template"},
			{"refuses a template whose output is not JSON", templateUpdate("{\"site\": {{.data.site}}}"), "template"},
			{"refuses a template with an unclosed action", templateUpdate("{\"site\": {{json .data.site}"), "template"},
		} {
			t.Run(tt.name, func(t *testing.T) {
				_, err := hooks.UpdateWebhook(ctx, w.ID, tt.upd)
				wantError(t, err, core.EINVALID, tt.field)
				stored, _ := hooks.FindWebhookByID(ctx, w.ID)
				if !reflect.DeepEqual(stored, w) {
					t.Errorf("stored after refusal =\n%+v\nwant\n%+v", stored, w)
				}
			})
		}
	})

	t.Run("disables with a reason and enables with a fresh clock", func(t *testing.T) {
		db, _ := mustOpen(t)
		mustSite(t, db, "example.com", 5)
		w := mustWebhook(t, db, "example.com")
		hooks := sqlite.NewWebhookService(db)
		failDelivery(t, db, w.ID, "k1", t0)

		got, err := hooks.SetWebhookEnabled(ctx, w.ID, false, "paused by user")
		if err != nil {
			t.Fatal(err)
		}
		if got.Enabled || got.DisabledReason != "paused by user" || got.FailingSince.IsZero() {
			t.Errorf("disabled = %+v, want disabled with reason and still failing", got)
		}
		got, err = hooks.SetWebhookEnabled(ctx, w.ID, true, "")
		if err != nil {
			t.Fatal(err)
		}
		if !got.Enabled || got.DisabledReason != "" || !got.FailingSince.IsZero() {
			t.Errorf("enabled = %+v, want enabled, no reason, not failing", got)
		}
	})

	t.Run("rotates the secret and keeps the old one for the overlap", func(t *testing.T) {
		db, _ := mustOpen(t)
		mustSite(t, db, "example.com", 5)
		w := mustWebhook(t, db, "example.com")
		hooks := sqlite.NewWebhookService(db)
		got, err := hooks.RotateSecret(ctx, w.ID, "", 24*time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if got.Secret == w.Secret || got.PrevSecret != w.Secret || !got.PrevSecretUntil.Equal(t0.Add(24*time.Hour)) {
			t.Errorf("rotated = secret %s prev %s until %v", got.Secret, got.PrevSecret, got.PrevSecretUntil)
		}
		stored, _ := hooks.FindWebhookByID(ctx, w.ID)
		if !reflect.DeepEqual(stored, got) {
			t.Errorf("stored =\n%+v\nwant\n%+v", stored, got)
		}
		_, err = hooks.RotateSecret(ctx, w.ID, "whsec_bad", time.Hour)
		wantError(t, err, core.EINVALID, "secret")
	})

	t.Run("deletes a webhook with its deliveries", func(t *testing.T) {
		db, _ := mustOpen(t)
		mustSite(t, db, "example.com", 5)
		w := mustWebhook(t, db, "example.com")
		enqueue(t, db, w.ID, "k1")
		if err := sqlite.NewWebhookService(db).DeleteWebhook(ctx, w.ID); err != nil {
			t.Fatal(err)
		}
		_, total, _ := sqlite.NewDeliveryService(db).FindDeliveries(ctx, core.DeliveryFilter{})
		if total != 0 {
			t.Errorf("deliveries after delete = %d, want 0", total)
		}
	})

	t.Run("reports a missing id as not found", func(t *testing.T) {
		db, _ := mustOpen(t)
		hooks := sqlite.NewWebhookService(db)
		url := "https://h.example.com/"
		for name, call := range map[string]func() error{
			"FindWebhookByID":   func() error { _, err := hooks.FindWebhookByID(ctx, 42); return err },
			"UpdateWebhook":     func() error { _, err := hooks.UpdateWebhook(ctx, 42, core.WebhookUpdate{URL: &url}); return err },
			"SetWebhookEnabled": func() error { _, err := hooks.SetWebhookEnabled(ctx, 42, true, ""); return err },
			"RotateSecret":      func() error { _, err := hooks.RotateSecret(ctx, 42, "", time.Hour); return err },
			"DeleteWebhook":     func() error { return hooks.DeleteWebhook(ctx, 42) },
		} {
			err := call()
			if core.ErrorCode(err) != core.ENOTFOUND {
				t.Errorf("%s: error %v, want not found", name, err)
			}
		}
	})
}

// TestConcurrentWebhookAdds plays 20 `webhook add` processes at once: each
// opens its own *DB on one file. Three sites take at most 30 webhooks, so
// 20 fit and none may fail, and then 20 more must be split into successes
// and clean refusals, never "database is locked".
func TestConcurrentWebhookAdds(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hookwatch.db")
	setup, _ := mustOpenPath(t, path)
	domains := []string{"a.com", "b.com", "c.com"}
	var sites []*core.Site
	for i, d := range domains {
		sites = append(sites, mustSite(t, setup, d, uint64(i+1)))
	}

	run := func(round int) (ok int, errs []error) {
		var mu sync.Mutex
		var wg sync.WaitGroup
		for i := range 20 {
			wg.Go(func() {
				db, err := sqlite.Open(path)
				if err == nil {
					defer db.Close()
					w := &core.Webhook{Site: domains[i%3], URL: fmt.Sprintf("https://h.example.com/%d/%d", round, i),
						Events: []core.EventType{core.EventGoal}}
					err = sqlite.NewWebhookService(db).CreateWebhook(context.Background(), w)
				}
				mu.Lock()
				defer mu.Unlock()
				if err == nil {
					ok++
				} else {
					errs = append(errs, err)
				}
			})
		}
		wg.Wait()
		return ok, errs
	}

	ok1, errs := run(1)
	for _, err := range errs {
		t.Errorf("round 1: %v", err)
	}
	ok2, errs := run(2)
	for _, err := range errs {
		if strings.Contains(err.Error(), "locked") || strings.Contains(err.Error(), "busy") {
			t.Errorf("round 2 failed on the lock: %v", err)
		} else if core.ErrorCode(err) != core.EINVALID || core.ErrorField(err) != "site" {
			t.Errorf("round 2 failed with %v, want EINVALID on site", err)
		}
	}
	if ok1 != 20 || ok2 != 10 {
		t.Errorf("added %d then %d webhooks, want 20 then 10 (3 sites × 10)", ok1, ok2)
	}
	if n := countWebhooks(t, setup); n != ok1+ok2 {
		t.Errorf("database has %d webhooks, want %d", n, ok1+ok2)
	}
	for _, site := range sites {
		hooks, err := sqlite.NewWebhookService(setup).FindWebhooks(context.Background(), core.WebhookFilter{SiteID: site.ID})
		if err != nil {
			t.Fatal(err)
		}
		if len(hooks) != core.MaxWebhooksPerSite {
			t.Errorf("%s has %d webhooks, want %d", site.Domain, len(hooks), core.MaxWebhooksPerSite)
		}
	}
}

func templateUpdate(tpl string) core.WebhookUpdate {
	f := core.FormatTemplate
	return core.WebhookUpdate{Format: &f, Template: &tpl}
}
