package main

// The fault suite's cases for the retry lane (issue 16): retries made in
// process by go-retryablehttp, each one an attempt in the log; a dead
// endpoint beside a healthy one; and a crash during an in-process wait.

import (
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// inProcessRetries returns, per delivery id, the attempt numbers whose
// retry the engine's debug log says was made in process.
func inProcessRetries(e *engine) map[int64][]int {
	out := map[int64][]int{}
	for _, rec := range e.logLines("attempt failed") {
		id, _ := rec["delivery"].(float64)
		n, _ := rec["attempt"].(float64)
		if rec["retry"] == "in process" {
			out[int64(id)] = append(out[int64(id)], int(n))
		}
	}
	return out
}

func TestFaultInProcessRetries(t *testing.T) {
	t.Run("a reset, then a 503, then a 200 within seconds, all in process and each logged in order", func(t *testing.T) {
		rc := newReceiver(t, func(n int, w http.ResponseWriter, r *http.Request) (int, int64) {
			switch n {
			case 1:
				hijackReset(w)
				return 0, 0
			case 2:
				w.WriteHeader(http.StatusServiceUnavailable)
				return http.StatusServiceUnavailable, 0
			}
			return ok200(w)
		})
		db := faultDB(t, filepath.Join(t.TempDir(), "hw.db"), rc, 2, 5)
		e := startEngine(t, db, faultEngineArgs(t, "--log-level", "debug")...)
		waitSucceeded(t, db, 10, 30*time.Second)
		ds := invariants{want: 10, statuses: []int{0, 503, 200}}.check(t, db, rc.allHits(), rc.badSignatures())
		inProcess := inProcessRetries(e)
		byID := map[string][]hit{}
		for _, h := range rc.allHits() {
			byID[h.MsgID] = append(byID[h.MsgID], h)
		}
		for _, d := range ds {
			var nums []int
			for i, a := range d.Attempts {
				nums = append(nums, a.Number)
				if i > 0 && a.StartedAt.Before(d.Attempts[i-1].StartedAt) {
					t.Errorf("delivery %d: attempt %d logged as started before the one before it", d.ID, a.Number)
				}
				if a.DurationMS <= 0 {
					t.Errorf("delivery %d: attempt %d logged no latency", d.ID, a.Number)
				}
			}
			if fmt.Sprint(nums) != "[1 2 3]" {
				t.Errorf("delivery %d: attempt numbers %v, want [1 2 3]", d.ID, nums)
			}
			if len(d.Attempts) == 3 && d.Attempts[0].Error == "" {
				t.Errorf("delivery %d: the reset attempt logged no error", d.ID)
			}
			if got := inProcess[d.ID]; !slices.Equal(got, []int{1, 2}) {
				t.Errorf("delivery %d: the log says attempts %v were retried in process, want [1 2]", d.ID, got)
			}
			if hits := byID[d.MsgID]; len(hits) == 3 {
				if span := hits[2].At.Sub(hits[0].At); span > 10*time.Second {
					t.Errorf("delivery %d: its three tries took %s; two 300 ms steps in process take about 0.6 s", d.ID, span)
				}
			}
		}
		survive(t, e)
	})
}

func TestFaultDeadEndpoint(t *testing.T) {
	// The timeout is long here, so that a healthy delivery that waited
	// behind a dead endpoint's requests could not pass for a prompt one.
	const timeout = 10 * time.Second
	for _, dead := range []struct {
		name  string
		serve func(n int, w http.ResponseWriter, r *http.Request) (int, int64)
		url   func(t *testing.T) string // "" for the receiver's own
	}{
		{"hangs", func(n int, w http.ResponseWriter, r *http.Request) (int, int64) {
			<-r.Context().Done()
			return 0, 0
		}, nil},
		{"refuses connections", nil, closedPortURL},
	} {
		t.Run("a healthy endpoint's deliveries keep their latency beside a dead one that "+dead.name, func(t *testing.T) {
			healthy := newReceiver(t, nil)
			bad := newReceiver(t, dead.serve)
			db := filepath.Join(t.TempDir(), "hw.db")
			mustBin(t, db, "site", "add", "example.com", "--site-id", "1")
			goodID := healthy.addWebhook(t, db, "example.com", "/ok")
			badID := bad.addWebhook(t, db, "example.com", "/dead")
			if dead.url != nil {
				mustBin(t, db, "webhook", "edit", fmt.Sprint(badID), "--url", dead.url(t))
			}
			e := startEngine(t, db, faultEngineArgs(t, "--request-timeout", timeout.String())...)

			// latencies enqueues n healthy deliveries one at a time and
			// returns how long each took to arrive.
			latencies := func(prefix string, n int) []time.Duration {
				var out []time.Duration
				for i := 0; i < n; i++ {
					before := healthy.count()
					at := time.Now()
					enqueue(t, db, goodID, 1, fmt.Sprintf("%s-%d", prefix, i))
					eventually(t, 2*timeout, "a healthy delivery", func() bool { return healthy.count() > before })
					out = append(out, healthy.allHits()[before].At.Sub(at))
				}
				return out
			}
			alone := latencies("alone", 5)
			enqueue(t, db, badID, 200, "dead")
			if dead.serve != nil {
				eventually(t, 20*time.Second, "the dead endpoint to hold requests", func() bool { return bad.busy() > 0 })
			}
			beside := latencies("beside", 10)
			slices.Sort(alone)
			slices.Sort(beside)
			t.Logf("healthy latency alone: p50 %s, max %s; beside the dead endpoint: p50 %s, max %s",
				alone[len(alone)/2], alone[len(alone)-1], beside[len(beside)/2], beside[len(beside)-1])
			if worst := beside[len(beside)-1]; worst > timeout/2 {
				t.Errorf("a healthy delivery took %s beside the dead endpoint; waiting behind its requests would take the %s timeout", worst, timeout)
			}
			if n := bad.mostBusy(); n > 4 {
				t.Errorf("the hanging endpoint had %d requests in flight at once; its cap is 4", n)
			}
			if got := healthy.badSignatures(); got != 0 {
				t.Errorf("%d healthy requests failed verification", got)
			}
			survive(t, e)
		})
	}
}

// closedPortURL returns a loopback URL on which nothing listens.
func closedPortURL(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr + "/dead"
}

func TestFaultSIGKILLInProcessWait(t *testing.T) {
	t.Run("a SIGKILL while retries wait in process loses nothing and keeps each webhook-id", func(t *testing.T) {
		rc := newReceiver(t, func(n int, w http.ResponseWriter, r *http.Request) (int, int64) {
			if n == 1 {
				w.WriteHeader(http.StatusServiceUnavailable)
				return http.StatusServiceUnavailable, 0
			}
			return ok200(w)
		})
		const hooks, perHook = 2, 5
		db := faultDB(t, filepath.Join(t.TempDir(), "hw.db"), rc, hooks, perHook)
		// A 10 s step: short, so waited out in process, and long enough for
		// the kill to land inside the wait.
		args := faultEngineArgs(t, "--retry-schedule", "0s,10s", "--log-level", "debug")
		e := startEngine(t, db, args...)
		eventually(t, 30*time.Second, "every delivery to wait in process for its retry", func() bool {
			n := 0
			for _, nums := range inProcessRetries(e) {
				n += len(nums)
			}
			return n == hooks*perHook && statusJSON(t, db).Deliveries["retrying"] == hooks*perHook
		})
		killedAt := time.Now()
		e.kill()
		if n := rc.count(); n != hooks*perHook {
			t.Fatalf("%d requests before the kill; want only the %d first attempts", n, hooks*perHook)
		}
		e = startEngine(t, db, args...)
		waitSucceeded(t, db, hooks*perHook, 60*time.Second)
		invariants{want: hooks * perHook, statuses: []int{503, 200}}.check(t, db, rc.allHits(), rc.badSignatures())
		for _, h := range rc.allHits() {
			if h.N == 2 && h.At.Sub(killedAt) < 0 {
				t.Errorf("%s: retried before the kill", h.MsgID)
			}
		}
		survive(t, e)
	})
}
