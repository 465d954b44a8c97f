package ui

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/hookwatch/hookwatch/core"
)

// failedDelivery queues a goal.completed delivery to w and records one
// attempt answered 500 whose verdict ends it: a failed delivery.
func (e *env) failedDelivery(w *core.Webhook, key string) *core.Delivery {
	e.t.Helper()
	ctx := context.Background()
	body := []byte(`{"type":"goal.completed","data":{"site":"example.com","goal":{"name":"Signup","kind":"event"}}}`)
	if err := e.svc.Deliveries.Enqueue(ctx, []core.NewDelivery{{WebhookID: w.ID, EventKey: key, EventType: core.EventGoal, Payload: body}}); err != nil {
		e.t.Fatalf("Enqueue: %v", err)
	}
	due, err := e.svc.Deliveries.DueDeliveries(ctx, time.Now().Add(time.Minute), core.DueFilter{FirstOnly: true, Limit: 10})
	if err != nil || len(due) != 1 {
		e.t.Fatalf("DueDeliveries: %d, %v", len(due), err)
	}
	d := due[0]
	a := &core.Attempt{StartedAt: time.Now(), Duration: 42 * time.Millisecond, StatusCode: 500,
		RequestHeaders:  map[string][]string{"Webhook-Id": {d.MsgID}, "Webhook-Signature": {"v1,abc="}, "X-Token": {"t0ken"}},
		ResponseHeaders: map[string][]string{"Content-Type": {"text/plain"}},
		ResponseBody:    "boom"}
	if err := e.svc.Deliveries.RecordAttempts(ctx, []core.AttemptResult{{Delivery: d, Attempt: a, Decision: core.Decision{Verdict: core.VerdictFail}}}); err != nil {
		e.t.Fatalf("RecordAttempts: %v", err)
	}
	return d
}

func TestRedeliverFailedDelivery(t *testing.T) {
	e := newEnv(t)
	site := e.site("example.com", 1)
	w := e.webhook(site, "https://hooks.example.com/a")
	if _, err := e.svc.Webhooks.UpdateWebhook(context.Background(), w.ID, core.WebhookUpdate{Headers: &map[string]string{"X-Token": "t0ken"}}); err != nil {
		t.Fatal(err)
	}
	d := e.failedDelivery(w, "goal:1")
	e.refresh()
	e.act(func() { e.ui.ShowScreen(ScreenDeliveries) })
	s := e.ui.deliveries

	e.act(func() { s.filter.SetSelected(string(core.StateFailed)) })
	if len(s.rows) != 1 || cell(s.table, 0, 3) != "failed" || cell(s.table, 0, 5) != "500" {
		t.Fatalf("failed filter shows %d rows, state %q", len(s.rows), cell(s.table, 0, 3))
	}
	if cell(s.table, 0, 2) != w.URL {
		t.Fatalf("webhook column = %q", cell(s.table, 0, 2))
	}

	e.act(func() { s.table.Select(widget.TableCellID{Row: 0, Col: 0}) })
	detail := texts(s.detail)
	for _, want := range []string{`"type": "goal.completed"`, "Webhook-Signature: v1,abc=", "X-Token: " + headerMask, "500 Internal Server Error", "boom"} {
		if !strings.Contains(detail, want) {
			t.Errorf("detail lacks %q:\n%s", want, detail)
		}
	}
	if strings.Contains(detail, "t0ken") {
		t.Error("detail shows a custom header's value")
	}

	e.tap(s.redeliver)
	got, err := e.svc.Deliveries.FindDeliveryByID(context.Background(), d.ID)
	if err != nil || got.State != core.StatePending {
		t.Fatalf("stored state %v (%v), want pending", got.State, err)
	}
	if e.wakes.Load() != 1 {
		t.Fatalf("engine woken %d times, want 1", e.wakes.Load())
	}
	// The failed filter no longer lists it; all states do, as pending.
	if len(s.rows) != 0 {
		t.Fatalf("failed filter still lists %d rows", len(s.rows))
	}
	e.act(func() { s.filter.SetSelected(allStates) })
	if len(s.rows) != 1 || cell(s.table, 0, 3) != "pending" {
		t.Fatalf("all states shows %d rows, state %q; want pending", len(s.rows), cell(s.table, 0, 3))
	}
}

func TestDeliveriesPage(t *testing.T) {
	e := newEnv(t)
	site := e.site("example.com", 1)
	w := e.webhook(site, "https://hooks.example.com/a")
	var nds []core.NewDelivery
	for i := range pageSize + 3 {
		nds = append(nds, core.NewDelivery{WebhookID: w.ID, EventKey: fmt.Sprint("k", i), EventType: core.EventGoal, Payload: []byte(`{}`)})
	}
	if err := e.svc.Deliveries.Enqueue(context.Background(), nds); err != nil {
		t.Fatal(err)
	}
	e.refresh()
	s := e.ui.deliveries
	if s.pageLabel.Text != fmt.Sprintf("Page 1 of 2  ·  %d deliveries", pageSize+3) || !s.prev.Disabled() || len(s.rows) != pageSize {
		t.Fatalf("first page: %q, %d rows", s.pageLabel.Text, len(s.rows))
	}
	e.tap(s.next)
	if !strings.HasPrefix(s.pageLabel.Text, "Page 2 of 2") || len(s.rows) != 3 || !s.next.Disabled() {
		t.Fatalf("second page: %q, %d rows", s.pageLabel.Text, len(s.rows))
	}
}

// texts gathers the text of every label under o, one a line.
func texts(o fyne.CanvasObject) string {
	var b strings.Builder
	var walk func(fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		switch x := o.(type) {
		case *widget.Label:
			b.WriteString(x.Text + "\n")
		case *widget.RichText:
			b.WriteString(x.String() + "\n")
		case *widget.Card:
			b.WriteString(x.Title + "\n" + x.Subtitle + "\n")
			walk(x.Content)
		case *widget.Form:
			for _, it := range x.Items {
				b.WriteString(it.Text + "\n")
				walk(it.Widget)
			}
		case *widget.PopUp:
			walk(x.Content)
		case *container.Scroll:
			walk(x.Content)
		case *fyne.Container:
			for _, c := range x.Objects {
				walk(c)
			}
		}
	}
	walk(o)
	return b.String()
}
