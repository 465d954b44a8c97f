package ui

import (
	"context"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"

	"github.com/hookwatch/hookwatch/core"
)

func TestStatusBar(t *testing.T) {
	e := newEnv(t)
	site := e.site("example.com", 1)
	w := e.webhook(site, "https://hooks.example.com/a")
	e.failedDelivery(w, "goal:1")
	if err := e.svc.Deliveries.Enqueue(context.Background(), []core.NewDelivery{{WebhookID: w.ID, EventKey: "goal:2", EventType: core.EventGoal, Payload: []byte(`{}`)}}); err != nil {
		t.Fatal(err)
	}
	e.refresh()
	if got := e.ui.status.counts.Text; got != "Deliveries: 1 pending · 0 retrying · 1 failed" {
		t.Fatalf("counts = %q", got)
	}
	if got := e.ui.status.clickhouse.Text; got != "ClickHouse: not polled yet" {
		t.Fatalf("before any poll the status bar says %q", got)
	}

	now := time.Now().Truncate(time.Millisecond)
	since := now.Add(-2 * time.Minute)
	st := core.PollStatus{LastPollAt: now, ClickHouseOK: false, ClickHouseSince: since, ClickHouseError: "dial tcp 127.0.0.1:9000: connection refused"}
	e.assertNotification(&fyne.Notification{
		Title:   "hookwatch: ClickHouse unreachable",
		Content: "No poll has reached ClickHouse since " + stamp(since, time.Now()) + ". Alerts wait until it is back. " + st.ClickHouseError,
	}, func() {
		if err := e.svc.Triggers.SavePollStatus(context.Background(), st); err != nil {
			t.Fatal(err)
		}
		e.refresh()
	})
	if got := e.ui.status.clickhouse.Text; !strings.HasPrefix(got, "ClickHouse: failing since") || !strings.Contains(got, "connection refused") {
		t.Fatalf("status bar says %q", got)
	}
	// One notification per failing period.
	e.assertNotification(nil, e.refresh)
}
