package sqlite_test

import (
	"context"
	"testing"

	"github.com/hookwatch/hookwatch/core"
	"github.com/hookwatch/hookwatch/storage/sqlite"
)

func TestSiteService(t *testing.T) {
	ctx := context.Background()

	t.Run("creates and finds sites", func(t *testing.T) {
		db, _ := mustOpen(t)
		sites := sqlite.NewSiteService(db)
		s := &core.Site{Domain: "example.com", PlausibleID: 5}
		if err := sites.CreateSite(ctx, s); err != nil {
			t.Fatal(err)
		}
		if s.ID == 0 || !s.CreatedAt.Equal(t0) || !s.UpdatedAt.Equal(t0) {
			t.Errorf("created site = %+v, want an id and times at %v", s, t0)
		}
		mustSite(t, db, "blog.example.org", 6)

		got, err := sites.FindSiteByDomain(ctx, "example.com")
		if err != nil {
			t.Fatal(err)
		}
		if *got != *s {
			t.Errorf("FindSiteByDomain = %+v, want %+v", got, s)
		}
		all, err := sites.FindSites(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(all) != 2 || all[0].Domain != "blog.example.org" || all[1].Domain != "example.com" {
			t.Errorf("FindSites = %v, want both sites by domain", all)
		}
	})

	t.Run("refuses bad sites and changes nothing", func(t *testing.T) {
		db, _ := mustOpen(t)
		mustSite(t, db, "example.com", 5)
		sites := sqlite.NewSiteService(db)
		for _, tt := range []struct {
			name    string
			site    core.Site
			code    string
			field   string
			message string
		}{
			{"refuses a duplicate domain", core.Site{Domain: "example.com", PlausibleID: 9}, core.ECONFLICT, "domain", ""},
			{"refuses a duplicate site_id", core.Site{Domain: "other.com", PlausibleID: 5}, core.ECONFLICT, "site_id",
				"site_id: site_id 5 is already used by example.com"},
			{"refuses an empty domain", core.Site{PlausibleID: 9}, core.EINVALID, "domain", ""},
			{"refuses a domain with a scheme", core.Site{Domain: "https://x.com", PlausibleID: 9}, core.EINVALID, "domain", ""},
			{"refuses a zero site_id", core.Site{Domain: "other.com"}, core.EINVALID, "site_id", ""},
		} {
			t.Run(tt.name, func(t *testing.T) {
				s := tt.site
				err := sites.CreateSite(ctx, &s)
				wantError(t, err, tt.code, tt.field)
				if tt.message != "" && core.ErrorMessage(err) != tt.message {
					t.Errorf("message = %q, want %q", core.ErrorMessage(err), tt.message)
				}
				if s.ID != 0 {
					t.Errorf("refused site got id %d", s.ID)
				}
				all, err := sites.FindSites(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if len(all) != 1 || all[0].Domain != "example.com" || all[0].PlausibleID != 5 {
					t.Errorf("sites after refusal = %v, want only example.com", all)
				}
			})
		}
	})

	t.Run("reports an unknown domain as not found", func(t *testing.T) {
		db, _ := mustOpen(t)
		_, err := sqlite.NewSiteService(db).FindSiteByDomain(ctx, "example.com")
		wantError(t, err, core.ENOTFOUND, "site")
		if want := "site: no site example.com"; core.ErrorMessage(err) != want {
			t.Errorf("message = %q, want %q", core.ErrorMessage(err), want)
		}
		wantError(t, sqlite.NewSiteService(db).DeleteSite(ctx, "example.com", core.DeleteSiteOptions{Force: true}), core.ENOTFOUND, "site")
	})

	t.Run("deletes a site with its goals", func(t *testing.T) {
		db, _ := mustOpen(t)
		mustSite(t, db, "example.com", 5)
		mustGoal(t, db, "example.com", "Signup")
		if err := sqlite.NewSiteService(db).DeleteSite(ctx, "example.com", core.DeleteSiteOptions{}); err != nil {
			t.Fatal(err)
		}
		goals, err := sqlite.NewGoalService(db).FindGoals(ctx, core.GoalFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(goals) != 0 {
			t.Errorf("goals after delete = %v, want none", goals)
		}
	})

	t.Run("refuses to delete a site with webhooks unless forced", func(t *testing.T) {
		db, _ := mustOpen(t)
		mustSite(t, db, "example.com", 5)
		w := mustWebhook(t, db, "example.com")
		sites := sqlite.NewSiteService(db)
		outbox := sqlite.NewDeliveryService(db)
		if err := outbox.Enqueue(ctx, []core.NewDelivery{{WebhookID: w.ID, EventKey: "k", EventType: core.EventTest, Payload: []byte(`{}`)}}); err != nil {
			t.Fatal(err)
		}

		wantError(t, sites.DeleteSite(ctx, "example.com", core.DeleteSiteOptions{}), core.ECONFLICT, "site")
		if _, err := sites.FindSiteByDomain(ctx, "example.com"); err != nil {
			t.Errorf("site gone after refusal: %v", err)
		}
		if n := countWebhooks(t, db); n != 1 {
			t.Errorf("webhooks after refusal = %d, want 1", n)
		}

		if err := sites.DeleteSite(ctx, "example.com", core.DeleteSiteOptions{Force: true}); err != nil {
			t.Fatal(err)
		}
		if n := countWebhooks(t, db); n != 0 {
			t.Errorf("webhooks after forced delete = %d, want 0", n)
		}
		_, total, err := outbox.FindDeliveries(ctx, core.DeliveryFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if total != 0 {
			t.Errorf("deliveries after forced delete = %d, want 0", total)
		}
	})
}

func TestGoalService(t *testing.T) {
	ctx := context.Background()

	t.Run("creates event and page goals and finds them by site", func(t *testing.T) {
		db, _ := mustOpen(t)
		site := mustSite(t, db, "example.com", 5)
		mustSite(t, db, "other.com", 6)
		goals := sqlite.NewGoalService(db)

		ev := &core.Goal{Site: "example.com", EventName: "Signup"}
		if err := goals.CreateGoal(ctx, ev); err != nil {
			t.Fatal(err)
		}
		page := &core.Goal{SiteID: site.ID, PagePath: "/thanks/*"}
		if err := goals.CreateGoal(ctx, page); err != nil {
			t.Fatal(err)
		}
		mustGoal(t, db, "other.com", "Signup") // same name, other site: fine

		if ev.Kind != core.GoalEvent || page.Kind != core.GoalPage || page.Site != "example.com" || ev.SiteID != site.ID {
			t.Errorf("created goals = %+v, %+v", ev, page)
		}
		got, err := goals.FindGoals(ctx, core.GoalFilter{SiteID: site.ID})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || *got[0] != *ev || *got[1] != *page {
			t.Errorf("FindGoals = %+v, want %+v and %+v", got, ev, page)
		}
		all, err := goals.FindGoals(ctx, core.GoalFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(all) != 3 {
			t.Errorf("FindGoals(all) has %d goals, want 3", len(all))
		}
	})

	t.Run("refuses bad goals and changes nothing", func(t *testing.T) {
		db, _ := mustOpen(t)
		mustSite(t, db, "example.com", 5)
		mustGoal(t, db, "example.com", "Signup")
		goals := sqlite.NewGoalService(db)
		for _, tt := range []struct {
			name  string
			goal  core.Goal
			code  string
			field string
		}{
			{"refuses a duplicate goal", core.Goal{Site: "example.com", EventName: "Signup"}, core.ECONFLICT, "goal"},
			{"refuses an unknown site", core.Goal{Site: "nope.com", EventName: "Buy"}, core.ENOTFOUND, "site"},
			{"refuses an unknown site id", core.Goal{SiteID: 999, EventName: "Buy"}, core.ENOTFOUND, "site"},
			{"refuses a goal with no site", core.Goal{EventName: "Buy"}, core.EINVALID, "site"},
			{"refuses a page without a slash", core.Goal{Site: "example.com", PagePath: "thanks"}, core.EINVALID, "page"},
			{"refuses both event and page", core.Goal{Site: "example.com", EventName: "Buy", PagePath: "/x"}, core.EINVALID, "goal"},
		} {
			t.Run(tt.name, func(t *testing.T) {
				g := tt.goal
				wantError(t, goals.CreateGoal(ctx, &g), tt.code, tt.field)
				all, err := goals.FindGoals(ctx, core.GoalFilter{})
				if err != nil {
					t.Fatal(err)
				}
				if len(all) != 1 || all[0].EventName != "Signup" {
					t.Errorf("goals after refusal = %v, want only Signup", all)
				}
			})
		}
	})

	t.Run("deletes a goal and reports a missing one", func(t *testing.T) {
		db, _ := mustOpen(t)
		mustSite(t, db, "example.com", 5)
		g := mustGoal(t, db, "example.com", "Signup")
		goals := sqlite.NewGoalService(db)
		if err := goals.DeleteGoal(ctx, g.ID); err != nil {
			t.Fatal(err)
		}
		wantError(t, goals.DeleteGoal(ctx, g.ID), core.ENOTFOUND, "goal")
	})
}
