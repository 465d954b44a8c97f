package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hookwatch/hookwatch/core"
	"github.com/hookwatch/hookwatch/storage/sqlite"
)

// deadDSN points at a loopback port where no ClickHouse listens, for tests
// of the delivery side alone.
const deadDSN = "clickhouse://127.0.0.1:1/plausible_events_db"

func TestParallelWebhookAdd(t *testing.T) {
	for _, tc := range []struct {
		name        string
		sites       []string
		wantOK      int
		wantRefused int
	}{
		{"20 processes over two sites all succeed", []string{"a.example", "b.example"}, 20, 0},
		{"20 processes on one site: 10 succeed, 10 are refused by the limit", []string{"a.example"}, 10, 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := filepath.Join(t.TempDir(), "hw.db")
			for i, s := range tc.sites {
				mustBin(t, db, "site", "add", s, "--site-id", fmt.Sprint(i+1))
			}
			var wg sync.WaitGroup
			var mu sync.Mutex
			ok, refused := 0, 0
			for i := 0; i < 20; i++ {
				wg.Add(1)
				go func(i int) {
					defer wg.Done()
					code, _, errs := bin(t, db, "webhook", "add", tc.sites[i%len(tc.sites)], fmt.Sprintf("https://hooks.example.com/%d", i))
					mu.Lock()
					defer mu.Unlock()
					switch {
					case strings.Contains(errs, "locked") || strings.Contains(errs, "busy"):
						t.Errorf("process %d: %s", i, errs)
					case code == 0:
						ok++
					case code == 2 && strings.Contains(errs, "at most 10 webhooks per site"):
						refused++
					default:
						t.Errorf("process %d: exit %d: %s", i, code, errs)
					}
				}(i)
			}
			wg.Wait()
			if ok != tc.wantOK || refused != tc.wantRefused {
				t.Errorf("%d succeeded and %d refused; want %d and %d", ok, refused, tc.wantOK, tc.wantRefused)
			}
			var hooks []json.RawMessage
			if err := json.Unmarshal([]byte(mustBin(t, db, "webhook", "list", "--json")), &hooks); err != nil {
				t.Fatal(err)
			}
			if len(hooks) != tc.wantOK {
				t.Errorf("%d webhooks stored, want %d", len(hooks), tc.wantOK)
			}
		})
	}
}

func TestNoGUIBuild(t *testing.T) {
	t.Run("without --headless says so and exits 2", func(t *testing.T) {
		code, _, errs := bin(t, filepath.Join(t.TempDir(), "hw.db"))
		if code != 2 || !strings.Contains(errs, "--headless") {
			t.Errorf("exit %d, stderr %q", code, errs)
		}
	})
}

func TestWebhookTestCommand(t *testing.T) {
	rc := newReceiver(t, answer(func(r *http.Request) int {
		if strings.HasSuffix(r.URL.Path, "/broken") {
			return 500
		}
		return 200
	}))
	db := filepath.Join(t.TempDir(), "hw.db")
	mustBin(t, db, "site", "add", "example.com", "--site-id", "1")
	ok := rc.addWebhook(t, db, "example.com", "/ok")
	broken := rc.addWebhook(t, db, "example.com", "/broken")

	t.Run("exits 0 and prints status, latency and response on 2xx", func(t *testing.T) {
		code, out, errs := bin(t, db, "webhook", "test", fmt.Sprint(ok))
		if code != 0 || !strings.Contains(out, "200 OK in") || !strings.Contains(out, `"received"`) {
			t.Errorf("exit %d, stdout %q, stderr %q", code, out, errs)
		}
		got := rc.ofType("webhook.test")
		if len(got) != 1 || rc.badSignatures() != 0 {
			t.Fatalf("receiver got %d test events, %d bad signatures", len(got), rc.badSignatures())
		}
	})
	t.Run("exits 1 on a 500 and logs one attempt with no retry", func(t *testing.T) {
		code, out, _ := bin(t, db, "webhook", "test", fmt.Sprint(broken), "--json")
		var res struct {
			OK         bool   `json:"ok"`
			StatusCode int    `json:"status_code"`
			DeliveryID int64  `json:"delivery_id"`
			MsgID      string `json:"webhook_msg_id"`
		}
		if err := json.Unmarshal([]byte(out), &res); err != nil {
			t.Fatalf("%v in %q", err, out)
		}
		if code != 1 || res.OK || res.StatusCode != 500 {
			t.Errorf("exit %d, result %+v", code, res)
		}
		var ds []core.Delivery
		if err := json.Unmarshal([]byte(mustBin(t, db, "deliveries", "--webhook", fmt.Sprint(broken), "--json")), &ds); err != nil {
			t.Fatal(err)
		}
		if len(ds) != 1 || ds[0].State != core.StateFailed || len(ds[0].Attempts) != 1 || ds[0].Attempts[0].StatusCode != 500 {
			t.Errorf("deliveries: %+v", ds)
		}
	})
}

// enqueue writes n deliveries for webhook id straight into the outbox, as
// the poller would.
func enqueue(t *testing.T, db string, webhookID int64, n int, prefix string) {
	t.Helper()
	sdb, err := sqlite.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	defer sdb.Close()
	var ds []core.NewDelivery
	for i := 0; i < n; i++ {
		e := core.Event{Type: core.EventGoal, Key: fmt.Sprintf("%s-%d", prefix, i), Timestamp: time.Now(),
			Data: map[string]any{"seq": i}}
		body, err := e.Payload()
		if err != nil {
			t.Fatal(err)
		}
		ds = append(ds, core.NewDelivery{WebhookID: webhookID, EventKey: e.Key, EventType: e.Type, Payload: body})
	}
	if err := sqlite.NewDeliveryService(sdb).Enqueue(context.Background(), ds); err != nil {
		t.Fatal(err)
	}
}

func TestCrashRecovery(t *testing.T) {
	t.Run("SIGKILL mid-delivery loses nothing and keeps each webhook-id", func(t *testing.T) {
		var slow sync.Mutex
		rc := newReceiver(t, answer(func(r *http.Request) int {
			slow.Lock() // serialise, so the kill lands with work in flight
			time.Sleep(20 * time.Millisecond)
			slow.Unlock()
			return 200
		}))
		db := filepath.Join(t.TempDir(), "hw.db")
		mustBin(t, db, "site", "add", "example.com", "--site-id", "1")
		const n = 300
		var hooks []int64
		for i := 0; i < 3; i++ {
			hooks = append(hooks, rc.addWebhook(t, db, "example.com", fmt.Sprintf("/h%d", i)))
		}
		for _, h := range hooks {
			enqueue(t, db, h, n/len(hooks), fmt.Sprint("crash", h))
		}
		e := startEngine(t, db, "--clickhouse", deadDSN)
		eventually(t, 30*time.Second, "the first deliveries", func() bool { return len(distinct(rc.all())) >= 20 })
		e.kill()
		before := len(distinct(rc.all()))
		if before >= n {
			t.Fatalf("all %d delivered before the kill; the test proves nothing", before)
		}
		startEngine(t, db, "--clickhouse", deadDSN)
		unique := map[string]string{}
		eventually(t, 60*time.Second, fmt.Sprintf("%d unique webhook-ids", n), func() bool {
			for _, r := range rc.all() {
				unique[r.MsgID] = string(r.Body)
			}
			return len(unique) == n
		})
		payloadIDs := map[string]string{}
		for _, r := range rc.all() {
			if id, ok := payloadIDs[string(r.Body)]; ok && id != r.MsgID {
				t.Errorf("one payload delivered under two webhook-ids: %s and %s", id, r.MsgID)
			}
			payloadIDs[string(r.Body)] = r.MsgID
		}
		if rc.badSignatures() != 0 {
			t.Errorf("%d requests failed signature verification", rc.badSignatures())
		}
		t.Logf("%d delivered before SIGKILL, %d requests in all for %d deliveries", before, len(rc.all()), n)
	})
}

func TestRedeliverCommand(t *testing.T) {
	t.Run("a running engine resends with the same webhook-id within seconds", func(t *testing.T) {
		rc := newReceiver(t, nil)
		db := filepath.Join(t.TempDir(), "hw.db")
		mustBin(t, db, "site", "add", "example.com", "--site-id", "1")
		id := rc.addWebhook(t, db, "example.com", "/r")
		enqueue(t, db, id, 1, "redeliver")
		startEngine(t, db, "--clickhouse", deadDSN)
		eventually(t, 20*time.Second, "the first delivery", func() bool { return len(rc.all()) >= 1 })
		first := rc.all()[0]
		// The receiver has the request before the engine commits its
		// outcome: wait for the commit.
		var ds []core.Delivery
		eventually(t, 20*time.Second, "the delivery to be logged as succeeded", func() bool {
			ds = deliveriesJSON(t, db)
			return len(ds) == 1 && ds[0].State == core.StateSucceeded
		})
		before := len(rc.all())
		out := mustBin(t, db, "redeliver", fmt.Sprint(ds[0].ID))
		if !strings.Contains(out, first.MsgID) {
			t.Errorf("redeliver output %q lacks the webhook-id %s", out, first.MsgID)
		}
		eventually(t, 20*time.Second, "the redelivery", func() bool { return len(rc.all()) > before })
		for _, again := range rc.all() {
			if again.MsgID != first.MsgID || string(again.Body) != string(first.Body) {
				t.Errorf("redelivered %s %s, first %s %s", again.MsgID, again.Body, first.MsgID, first.Body)
			}
		}
	})
}

func TestSecondEngineRefused(t *testing.T) {
	t.Run("a second --headless on the same database says so and exits", func(t *testing.T) {
		db := filepath.Join(t.TempDir(), "hw.db")
		mustBin(t, db, "site", "add", "example.com", "--site-id", "1")
		first := startEngine(t, db, "--clickhouse", deadDSN)
		eventually(t, 20*time.Second, "the first engine to start", func() bool {
			return len(first.logLines("hookwatch started")) == 1
		})
		code, _, errs := bin(t, db, "--headless", "--clickhouse", deadDSN)
		if code != 2 || !strings.Contains(errs, "another hookwatch engine") {
			t.Errorf("second engine: exit %d, stderr %q", code, errs)
		}
		if !first.running() {
			t.Error("the first engine stopped")
		}
	})
}
