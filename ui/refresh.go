package ui

import (
	"context"
	"time"

	"fyne.io/fyne/v2"
	"github.com/hookwatch/hookwatch/core"
)

// Refresh reloads every screen from the services in the background. It may
// be called from any goroutine.
func (u *UI) Refresh() {
	u.inflight.Add(1)
	u.goBG(func() {
		defer u.inflight.Add(-1)
		u.loading.Lock()
		defer u.loading.Unlock()
		sel := u.selection()
		snap := u.load(u.ctx, sel)
		u.do(func() { u.apply(sel, snap) })
	})
}

// snapshot is everything one refresh read.
type snapshot struct {
	sites      []*core.Site
	sitesErr   error
	site       *core.Site
	webhooks   []*core.Webhook // of the chosen site
	allHooks   []*core.Webhook // of every site, for notifications
	last       map[int64]*core.Delivery
	goals      []*core.Goal
	deliveries []*core.Delivery
	total      int
	detail     *core.Delivery
	samples    []core.TrafficSample
	status     core.PollStatus
	stats      core.DeliveryStats
	cooldown   string
	baselines  map[core.BaselineKey]core.Baseline
	err        error // the first load error, shown in the status bar
}

func (u *UI) load(ctx context.Context, sel selection) *snapshot {
	s := &snapshot{}
	keep := func(err error) {
		if err != nil && s.err == nil && ctx.Err() == nil {
			s.err = err
		}
	}
	s.sites, s.sitesErr = u.svc.Sites.FindSites(ctx)
	keep(s.sitesErr)
	for _, site := range s.sites {
		if site.ID == sel.siteID {
			s.site = site
		}
	}
	if s.site == nil && len(s.sites) > 0 {
		s.site = s.sites[0]
	}
	var err error
	s.allHooks, err = u.svc.Webhooks.FindWebhooks(ctx, core.WebhookFilter{})
	keep(err)
	s.last, err = u.svc.Deliveries.LastDeliveries(ctx)
	keep(err)
	if s.site != nil {
		for _, w := range s.allHooks {
			if w.SiteID == s.site.ID {
				s.webhooks = append(s.webhooks, w)
			}
		}
		s.goals, err = u.svc.Goals.FindGoals(ctx, core.GoalFilter{SiteID: s.site.ID})
		keep(err)
		s.deliveries, s.total, err = u.svc.Deliveries.FindDeliveries(ctx, core.DeliveryFilter{
			SiteID: s.site.ID, State: sel.state, Limit: pageSize, Offset: sel.page * pageSize,
		})
		keep(err)
		if sel.deliveryID != 0 {
			s.detail, err = u.svc.Deliveries.FindDeliveryByID(ctx, sel.deliveryID)
			if core.ErrorCode(err) != core.ENOTFOUND {
				keep(err)
			}
		}
		s.samples, err = u.svc.Triggers.TrafficSamples(ctx, s.site.ID, time.Now().Add(-trafficSpan))
		keep(err)
	}
	s.status, err = u.svc.Triggers.PollStatus(ctx)
	keep(err)
	s.stats, err = u.svc.Deliveries.DeliveryStats(ctx)
	keep(err)
	if v, ok, err := u.svc.Settings.Setting(ctx, core.SettingCooldown); err == nil && ok {
		s.cooldown = v
	}
	if u.svc.Baselines != nil {
		s.baselines, err = u.svc.Baselines.Baselines(ctx)
		keep(err)
	}
	return s
}

func (u *UI) apply(sel selection, s *snapshot) {
	if u.ctx.Err() != nil {
		return
	}
	if s.sitesErr != nil {
		// Keep showing what was loaded last; the status bar says why
		// it is not current.
		u.status.apply(s)
		return
	}
	if cur := u.selection(); cur.siteID != sel.siteID {
		// The user chose another site while this load ran; a newer
		// load is on its way with that site's data.
		u.sites.apply(s)
		u.status.apply(s)
		return
	}
	switch {
	case s.site == nil:
		u.setSelection(func(x *selection) { *x = selection{} })
	case s.site.ID != sel.siteID:
		u.setSelection(func(x *selection) { *x = selection{siteID: s.site.ID} })
		sel = u.selection()
	}
	u.sites.apply(s)
	u.first.apply(s)
	if s.site == nil || u.first.showsConnect() {
		u.pages.Objects = []fyne.CanvasObject{u.emptyView}
	} else {
		u.siteTitle.SetText(s.site.Domain + "   ·   Plausible site_id " + itoa(int64(s.site.PlausibleID)))
		u.pages.Objects = []fyne.CanvasObject{u.siteView}
	}
	u.pages.Refresh()
	u.webhooks.apply(s)
	u.goals.apply(s)
	u.deliveries.apply(sel, s)
	u.traffic.apply(s)
	u.status.apply(s)
	u.notifier.check(u.app, s, u.firstLoad)
	u.firstLoad = false
}

func (u *UI) selection() selection {
	u.selMu.Lock()
	defer u.selMu.Unlock()
	return u.sel
}

func (u *UI) setSelection(f func(*selection)) {
	u.selMu.Lock()
	f(&u.sel)
	u.selMu.Unlock()
}
