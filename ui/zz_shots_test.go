package ui

import (
	"context"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/hookwatch/hookwatch/core"
)

func TestZZShots(t *testing.T) {
	dir := os.Getenv("SHOTS")
	if dir == "" {
		t.Skip()
	}
	e := newEnv(t)
	ctx := context.Background()
	site := e.site("example.com", 1)
	e.site("blog.example.org", 2)
	rcv := newReceiver(t, 200, `{"received":true}`)
	w := e.webhook(site, rcv.URL+"/hooks/plausible")
	spike, drop := 40, 5
	events := []core.EventType{core.EventSpike, core.EventDrop, core.EventGoal}
	hdr := map[string]string{"Authorization": "Bearer x"}
	e.svc.Webhooks.UpdateWebhook(ctx, w.ID, core.WebhookUpdate{Events: &events, SpikeThreshold: &spike, DropThreshold: &drop, Headers: &hdr})
	w2 := e.webhook(site, "https://hooks.slack.com/services/T000/B000/XXXX")
	e.svc.Webhooks.SetWebhookEnabled(ctx, w2.ID, false, "endpoint answered 410 Gone at 2026-11-23T19:00:00Z")
	e.svc.Goals.CreateGoal(ctx, &core.Goal{SiteID: site.ID, EventName: "Signup"})
	e.svc.Goals.CreateGoal(ctx, &core.Goal{SiteID: site.ID, PagePath: "/blog/*"})
	e.failedDelivery(w, "goal:1")
	for i := range 5 {
		e.svc.Deliveries.Enqueue(ctx, []core.NewDelivery{{WebhookID: w.ID, EventKey: fmt.Sprint("x", i), EventType: core.EventSpike, Payload: []byte(`{"type":"traffic.spike","data":{"current_visitors":44}}`)}})
	}
	now := time.Now()
	var samples []core.TrafficSample
	for i := range 60 {
		v := uint64(12 + (i*7)%9)
		s := core.TrafficSample{SiteID: site.ID, At: now.Add(time.Duration(i-60) * time.Minute), CurrentVisitors: v}
		if i == 40 {
			s.CurrentVisitors = 47
			s.Fired = []core.EventType{core.EventSpike}
		}
		samples = append(samples, s)
	}
	e.svc.Triggers.CommitPoll(ctx, core.PollCommit{Samples: samples, Status: core.PollStatus{LastPollAt: now, ClickHouseOK: true, ClickHouseSince: now, ServerVersion: "24.8.4"}})
	e.ui.setSelection(func(x *selection) { x.siteID = site.ID })
	e.refresh()
	win := e.ui.Window()
	win.Resize(fyne.NewSize(1180, 760))
	shot := func(name string) {
		img := win.Canvas().Capture()
		f, _ := os.Create(filepath.Join(dir, name+".png"))
		png.Encode(f, img)
		f.Close()
	}
	for _, n := range []string{ScreenWebhooks, ScreenGoals, ScreenDeliveries, ScreenTraffic, ScreenSettings} {
		e.act(func() { e.ui.ShowScreen(n) })
		if n == ScreenDeliveries {
			e.act(func() { e.ui.deliveries.table.Select(tableCell(0)) })
			e.refresh()
		}
		if n == ScreenWebhooks {
			e.act(func() { e.ui.webhooks.table.Select(tableCell(1)) })
		}
		shot(n)
	}
	e.act(func() { e.ui.ShowScreen(ScreenWebhooks) })
	e.act(func() { e.ui.webhooks.table.Select(tableCell(0)) })
	e.tap(e.ui.webhooks.edit)
	e.act(func() { e.ui.webhooks.form.url.SetText("ftp://x") })
	e.tap(e.ui.webhooks.form.dlg.confirm)
	shot("webhook_form")
	e.act(func() { e.ui.escape() })
	e.tap(e.ui.webhooks.test)
	shot("send_test")
	e.act(func() { e.ui.escape() })
	e.tap(e.ui.webhooks.rotate)
	e.act(e.ui.lastConfirm.Confirm)
	shot("secret")
	e.act(func() { e.ui.escape() })
	e.tap(&testButton{e.ui.sites.onAdd})
	shot("add_site")
	_ = test.NewTempApp
}
