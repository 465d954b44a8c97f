package deliver

import (
	"context"
	"crypto/rand"
	"time"

	"github.com/hookwatch/hookwatch/core"
)

// testHold keeps a test delivery out of every dispatcher's reach while its
// one attempt runs, in this process or another. Should the process die in
// between, the test event goes out late rather than never.
const testHold = time.Hour

// SendTest sends a webhook.test event to the webhook now, in exactly one
// attempt with no retry, and logs it like any delivery. It returns the
// delivery in its final state (succeeded or failed) and the attempt; a
// failed attempt is not an error. It works whether or not Run is active.
func (e *Engine) SendTest(ctx context.Context, webhookID int64) (*core.Delivery, *core.Attempt, error) {
	cfg := e.cfg
	w, err := cfg.Webhooks.FindWebhookByID(ctx, webhookID)
	if err != nil {
		return nil, nil, err
	}
	now := cfg.Now()
	ev := &core.Event{
		Type:      core.EventTest,
		Key:       "test:" + rand.Text(),
		SiteID:    w.SiteID,
		Timestamp: now,
		Data: core.TestData{
			Site:      w.Site,
			WebhookID: w.ID,
			Message:   "This is a test event from hookwatch.",
		},
	}
	body, err := core.Render(w, ev)
	if err != nil {
		return nil, nil, err
	}
	nd := core.NewDelivery{WebhookID: w.ID, EventKey: ev.Key, EventType: ev.Type, Payload: body, NotBefore: now.Add(testHold)}
	if err := cfg.Deliveries.Enqueue(ctx, []core.NewDelivery{nd}); err != nil {
		return nil, nil, err
	}
	d, err := e.findQueued(ctx, w.ID, core.MessageID(w.ID, ev.Key))
	if err != nil {
		return nil, nil, err
	}
	e.mu.Lock()
	e.inflight[d.ID] = true
	e.mu.Unlock()
	defer e.release(d.ID)

	res := e.sendOnce(ctx, newTarget(w), d)
	if err := cfg.Deliveries.RecordAttempts(context.WithoutCancel(ctx), []core.AttemptResult{res}); err != nil {
		return d, res.Attempt, err
	}
	if cfg.OnAttempt != nil {
		cfg.OnAttempt(res)
	}
	if got, err := cfg.Deliveries.FindDeliveryByID(context.WithoutCancel(ctx), d.ID); err == nil {
		d = got
	}
	return d, res.Attempt, nil
}

// findQueued returns the pending delivery with message id msgID of webhook
// webhookID, just enqueued.
func (e *Engine) findQueued(ctx context.Context, webhookID int64, msgID string) (*core.Delivery, error) {
	const page = 200
	for off := 0; ; off += page {
		ds, _, err := e.cfg.Deliveries.FindDeliveries(ctx, core.DeliveryFilter{WebhookID: webhookID, State: core.StatePending, Limit: page, Offset: off})
		if err != nil {
			return nil, err
		}
		for _, d := range ds {
			if d.MsgID == msgID {
				return d, nil
			}
		}
		if len(ds) < page {
			return nil, core.Errorf(core.EINTERNAL, "test delivery %s to webhook %d vanished after it was queued", msgID, webhookID)
		}
	}
}
