package deliver_test

import (
	"context"
	"testing"

	"github.com/hookwatch/hookwatch/core"
)

// TestEngineSharedCache checks the engine against a webhook cache it shares
// with the poller (as cmd/hookwatch wires them): an edit is sent to the new
// URL, and the same edit is what the poller's reads of the cache show,
// without the poller reading the store.
func TestEngineSharedCache(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := newStore(t)
	rc := newReceiver(t, nil)
	w := st.addHook(t, rc.URL+"/old", nil)
	shared := &core.WebhookCache{}
	cfg := testConfig(t, st)
	cfg.Hooks = shared
	e, _ := start(t, cfg)

	ids := st.enqueue(t, w, "before")
	e.Notify()
	st.waitState(t, w, ids[0], core.StateSucceeded)

	moved := rc.URL + "/new"
	if _, err := st.webhooks.UpdateWebhook(ctx, w.ID, core.WebhookUpdate{URL: &moved}); err != nil {
		t.Fatal(err)
	}
	ids = st.enqueue(t, w, "after")
	e.Notify()
	st.waitState(t, w, ids[0], core.StateSucceeded)
	if o, n := len(rc.Hits("/old")), len(rc.Hits("/new")); o != 1 || n != 1 {
		t.Errorf("receiver got %d requests at the old URL and %d at the new; want 1 and 1", o, n)
	}
	// The poller's view: what the engine read is in the shared cache.
	got := shared.Webhooks()
	if len(got) != 1 || got[0].ID != w.ID || got[0].URL != moved {
		t.Fatalf("shared cache holds %+v; want webhook %d at %s", got, w.ID, moved)
	}
	if shared.Webhook(w.ID) != got[0] {
		t.Errorf("Webhook(%d) and Webhooks() hand out different copies", w.ID)
	}
}
