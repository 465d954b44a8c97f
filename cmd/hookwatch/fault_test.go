package main

// The fault suite (issue 6 §2; `make test-faults`). Each test runs the real
// hookwatch binary against real receivers on loopback and a real SQLite
// file, injects one fault, lets it clear, and asserts from the CLI's view
// of the database and the receivers' records that no event was lost, that
// no payload went out under two webhook-ids, that every request is logged
// as an attempt, and that the process survived and exits 0 on SIGTERM.
//
// The engine runs with the hidden --retry-schedule and --request-timeout
// flags (cmd/hookwatch/retryflags.go), so that retries come within a
// second and a hung receiver is cut off after one.

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/hookwatch/hookwatch/storage/clickhouse/chtest"
)

// faultRun puts hooks×perHook deliveries for rc in a fresh outbox, starts
// the engine and waits until every delivery has succeeded.
func faultRun(t *testing.T, rc *receiver, hooks, perHook int) (string, *engine) {
	t.Helper()
	db := faultDB(t, filepath.Join(t.TempDir(), "hw.db"), rc, hooks, perHook)
	e := startEngine(t, db, faultEngineArgs(t)...)
	waitSucceeded(t, db, hooks*perHook, 30*time.Second)
	rc.waitIdle(t)
	return db, e
}

func ok200(w http.ResponseWriter) (int, int64) {
	w.WriteHeader(http.StatusOK)
	n, _ := io.WriteString(w, `{"ok":true}`)
	return http.StatusOK, int64(n)
}

// hijackReset takes the connection from net/http and resets it (RST, not
// FIN), as a crashing proxy or a firewall would.
func hijackReset(w http.ResponseWriter) {
	conn, _, err := w.(http.Hijacker).Hijack()
	if err != nil {
		panic(err)
	}
	_ = conn.(*net.TCPConn).SetLinger(0)
	_ = conn.Close()
}

func TestFaultReceiver500s(t *testing.T) {
	t.Run("three 500s then a 200: each delivery succeeds on its 4th attempt with all 4 logged", func(t *testing.T) {
		rc := newReceiver(t, func(n int, w http.ResponseWriter, r *http.Request) (int, int64) {
			if n <= 3 {
				http.Error(w, "upstream broke", http.StatusInternalServerError)
				return http.StatusInternalServerError, 0
			}
			return ok200(w)
		})
		db, e := faultRun(t, rc, 2, 5)
		ds := invariants{want: 10, statuses: []int{500, 500, 500, 200}}.check(t, db, rc.allHits(), rc.badSignatures())
		for _, d := range ds {
			if len(d.Attempts) == 4 && !strings.Contains(d.Attempts[0].ResponseBody, "upstream broke") {
				t.Errorf("delivery %d: the 500's body was not logged: %q", d.ID, d.Attempts[0].ResponseBody)
			}
		}
		survive(t, e)
	})
}

func TestFaultReceiver429(t *testing.T) {
	t.Run("429 with Retry-After: 1 is retried no sooner than a second later, not on the 300ms schedule", func(t *testing.T) {
		rc := newReceiver(t, func(n int, w http.ResponseWriter, r *http.Request) (int, int64) {
			if n == 1 {
				w.Header().Set("Retry-After", "1")
				w.WriteHeader(http.StatusTooManyRequests)
				return http.StatusTooManyRequests, 0
			}
			return ok200(w)
		})
		db, e := faultRun(t, rc, 1, 5)
		ds := invariants{want: 5, statuses: []int{429, 200}}.check(t, db, rc.allHits(), rc.badSignatures())
		byID := map[string][]hit{}
		for _, h := range rc.allHits() {
			byID[h.MsgID] = append(byID[h.MsgID], h)
		}
		for _, d := range ds {
			got := byID[d.MsgID]
			if len(got) != 2 || len(d.Attempts) != 2 {
				continue // reported by check
			}
			// The schedule would retry after 300ms ±20%; only Retry-After
			// explains a gap of a second.
			if gap := got[1].At.Sub(got[0].At); gap < 900*time.Millisecond {
				t.Errorf("delivery %d retried %s after the 429; Retry-After asked for 1s", d.ID, gap)
			}
			if ra := d.Attempts[0].ResponseHeaders["Retry-After"]; len(ra) != 1 || ra[0] != "1" {
				t.Errorf("delivery %d: logged response headers %v lack Retry-After: 1", d.ID, d.Attempts[0].ResponseHeaders)
			}
		}
		survive(t, e)
	})
}

func TestFaultReceiverHangs(t *testing.T) {
	t.Run("a receiver hanging past the request timeout is cut off, logged as a timeout and retried", func(t *testing.T) {
		rc := newReceiver(t, func(n int, w http.ResponseWriter, r *http.Request) (int, int64) {
			if n == 1 {
				select {
				case <-r.Context().Done():
				case <-time.After(15 * time.Second):
				}
				return 0, 0
			}
			return ok200(w)
		})
		db, e := faultRun(t, rc, 1, 5)
		ds := invariants{want: 5, statuses: []int{0, 200}}.check(t, db, rc.allHits(), rc.badSignatures())
		for _, d := range ds {
			if len(d.Attempts) != 2 {
				continue
			}
			a := d.Attempts[0]
			if !strings.Contains(a.Error, "Timeout") && !strings.Contains(a.Error, "deadline exceeded") {
				t.Errorf("delivery %d: hung attempt logged error %q, want a timeout", d.ID, a.Error)
			}
			if a.DurationMS < float64(faultTimeout.Milliseconds())*0.9 {
				t.Errorf("delivery %d: hung attempt logged %.0f ms; it cannot have ended before the %s timeout", d.ID, a.DurationMS, faultTimeout)
			}
		}
		for _, h := range rc.allHits() {
			if h.N == 1 && !h.Gone {
				t.Errorf("%s: the receiver hung for 15s without hookwatch hanging up", h.MsgID)
			}
		}
		survive(t, e)
	})
}

func TestFaultReceiverResets(t *testing.T) {
	t.Run("two connection resets then a 200: both resets are logged as failed attempts", func(t *testing.T) {
		rc := newReceiver(t, func(n int, w http.ResponseWriter, r *http.Request) (int, int64) {
			if n <= 2 {
				hijackReset(w)
				return 0, 0
			}
			return ok200(w)
		})
		db, e := faultRun(t, rc, 2, 4)
		ds := invariants{want: 8, statuses: []int{0, 0, 200}}.check(t, db, rc.allHits(), rc.badSignatures())
		for _, d := range ds {
			for _, a := range d.Attempts {
				if a.StatusCode == 0 && a.Error == "" {
					t.Errorf("delivery %d: a reset attempt logged no error", d.ID)
				}
			}
		}
		survive(t, e)
	})
}

func TestFaultReceiverTrickles(t *testing.T) {
	const trickle = "abcdefghijklmnopq" // 17 bytes, 200 ms apart: 3.4 s
	t.Run("a 200 whose body trickles past the timeout counts as delivered, with the cut-off logged", func(t *testing.T) {
		rc := newReceiver(t, func(n int, w http.ResponseWriter, r *http.Request) (int, int64) {
			w.WriteHeader(http.StatusOK)
			var written int64
			for i := 0; i < len(trickle) && r.Context().Err() == nil; i++ {
				if _, err := io.WriteString(w, trickle[i:i+1]); err != nil {
					break
				}
				w.(http.Flusher).Flush()
				written++
				time.Sleep(200 * time.Millisecond)
			}
			return http.StatusOK, written
		})
		db, e := faultRun(t, rc, 1, 3)
		// The 200 status is the receiver's acceptance; the body after it
		// is only logged, so a slow body is not a reason to send again.
		ds := invariants{want: 3, statuses: []int{200}}.check(t, db, rc.allHits(), rc.badSignatures())
		for _, d := range ds {
			if len(d.Attempts) != 1 {
				continue
			}
			a := d.Attempts[0]
			if !strings.Contains(a.Error, "reading response body") || !strings.HasPrefix(trickle, a.ResponseBody) || len(a.ResponseBody) >= len(trickle) {
				t.Errorf("delivery %d: logged body %q, error %q; want a cut-off prefix of %q and the read error", d.ID, a.ResponseBody, a.Error, trickle)
			}
		}
		for _, h := range rc.allHits() {
			if h.Written >= int64(len(trickle)) {
				t.Errorf("%s: the whole trickle was read, %d bytes; the timeout should have cut it off", h.MsgID, h.Written)
			}
		}
		survive(t, e)
	})
	t.Run("a status line trickling past the timeout is a failed attempt, retried until a 200", func(t *testing.T) {
		const status = "HTTP/1.1 200 OK\r\n"
		rc := newReceiver(t, func(n int, w http.ResponseWriter, r *http.Request) (int, int64) {
			if n > 1 {
				return ok200(w)
			}
			conn, _, err := w.(http.Hijacker).Hijack()
			if err != nil {
				panic(err)
			}
			defer conn.Close()
			var written int64
			for i := 0; i < len(status); i++ {
				if _, err := conn.Write([]byte(status[i : i+1])); err != nil {
					break
				}
				written++
				time.Sleep(200 * time.Millisecond)
			}
			return 0, written
		})
		db, e := faultRun(t, rc, 1, 3)
		ds := invariants{want: 3, statuses: []int{0, 200}}.check(t, db, rc.allHits(), rc.badSignatures())
		for _, d := range ds {
			if len(d.Attempts) == 2 && !strings.Contains(d.Attempts[0].Error, "Timeout") && !strings.Contains(d.Attempts[0].Error, "deadline exceeded") {
				t.Errorf("delivery %d: trickled attempt logged error %q, want a timeout", d.ID, d.Attempts[0].Error)
			}
		}
		survive(t, e)
	})
}

func TestFaultReceiverHugeBody(t *testing.T) {
	t.Run("50 MiB answers are cut at 4 KiB in the log and never held in memory", func(t *testing.T) {
		const huge = 50 << 20
		chunk := bytes.Repeat([]byte("x"), 32<<10)
		rc := newReceiver(t, func(n int, w http.ResponseWriter, r *http.Request) (int, int64) {
			status := http.StatusOK
			if n == 1 {
				status = http.StatusInternalServerError
			}
			w.WriteHeader(status)
			var written int64
			for written < huge {
				k, err := w.Write(chunk)
				written += int64(k)
				if err != nil {
					break
				}
			}
			return status, written
		})
		db, e := faultRun(t, rc, 2, 2)
		rss := peakRSS(t, e.cmd.Process.Pid)
		ds := invariants{want: 4, statuses: []int{500, 200}}.check(t, db, rc.allHits(), rc.badSignatures())
		for _, d := range ds {
			for _, a := range d.Attempts {
				if len(a.ResponseBody) != 4096 || strings.Trim(a.ResponseBody, "x") != "" {
					t.Errorf("delivery %d: logged a %d-byte body, want the first 4096 bytes", d.ID, len(a.ResponseBody))
				}
			}
		}
		for _, h := range rc.allHits() {
			if h.Written >= huge {
				t.Errorf("%s: all %d MiB were read; the rest of a big answer should be dropped with its connection", h.MsgID, huge>>20)
			}
		}
		// Eight 50 MiB answers went by; holding even one would show.
		if rss > 100<<20 {
			t.Errorf("peak RSS %d MiB, want ≤ 100 MiB", rss>>20)
		}
		t.Logf("peak RSS %d MiB", rss>>20)
		survive(t, e)
	})
}

func TestFaultReceiverRedirects(t *testing.T) {
	t.Run("a 3xx to an internal address is a failed attempt and is never followed", func(t *testing.T) {
		// The internal address is a second receiver on loopback, so that a
		// followed redirect shows up there. A metadata address such as
		// 169.254.169.254 would make a regression send traffic off the
		// machine; the engine follows no redirect whatever the address,
		// and the classifier's verdict on such addresses is tested in core.
		other := newReceiver(t, nil)
		loopback := strings.Replace(other.URL, "127.0.0.1", "localhost", 1)
		targets := []struct {
			code int
			loc  string
		}{
			{http.StatusFound, other.URL + "/latest/meta-data/iam/security-credentials/"},
			{http.StatusMovedPermanently, loopback + "/steal"},
			{http.StatusTemporaryRedirect, other.URL + "/steal"},
			{http.StatusPermanentRedirect, loopback + "/"},
		}
		// Each delivery's first request gets the next 3xx in turn.
		var next atomic.Int32
		rc := newReceiver(t, func(n int, w http.ResponseWriter, r *http.Request) (int, int64) {
			if n > 1 {
				return ok200(w)
			}
			tg := targets[int(next.Add(1)-1)%len(targets)]
			w.Header().Set("Location", tg.loc)
			w.WriteHeader(tg.code)
			return tg.code, 0
		})
		db, e := faultRun(t, rc, 1, len(targets))
		ds := invariants{want: len(targets)}.check(t, db, rc.allHits(), rc.badSignatures())
		codes := map[int]bool{}
		for _, d := range ds {
			if len(d.Attempts) != 2 {
				t.Errorf("delivery %d: %d attempts, want the 3xx and the 200", d.ID, len(d.Attempts))
				continue
			}
			a := d.Attempts[0]
			codes[a.StatusCode] = true
			if a.StatusCode/100 != 3 || !strings.Contains(a.Error, "redirects are not followed") || d.Attempts[1].StatusCode != 200 {
				t.Errorf("delivery %d: attempts %d %q then %d; want a 3xx logged as not followed, then 200",
					d.ID, a.StatusCode, a.Error, d.Attempts[1].StatusCode)
			}
		}
		if len(codes) != len(targets) {
			t.Errorf("3xx codes logged %v, want each of 301, 302, 307, 308", codes)
		}
		if n := other.count(); n != 0 {
			t.Errorf("the internal receiver the redirects named got %d requests", n)
		}
		survive(t, e)
	})
}

func TestFaultClickHouseRestart(t *testing.T) {
	t.Run("goal completions add up exactly across a ClickHouse stop and restart mid-run", func(t *testing.T) {
		srv := chtest.Start(t)
		if err := srv.CreateDatabase("plausible_events_db"); err != nil {
			t.Fatal(err)
		}
		if err := srv.CreateEventsTable("plausible_events_db"); err != nil {
			t.Fatal(err)
		}
		seed := &seeder{t: t, srv: srv, db: "plausible_events_db"}
		// A flaky receiver too: the first request of each event fails.
		rc := newReceiver(t, func(n int, w http.ResponseWriter, r *http.Request) (int, int64) {
			if n == 1 {
				w.WriteHeader(http.StatusServiceUnavailable)
				return http.StatusServiceUnavailable, 0
			}
			return ok200(w)
		})
		db := filepath.Join(t.TempDir(), "hw.db")
		mustBin(t, db, "site", "add", "shop.example", "--site-id", "1")
		mustBin(t, db, "goal", "add", "shop.example", "--event", "Purchase")
		rc.addWebhook(t, db, "shop.example", "/goals")
		e := startEngine(t, db, faultEngineArgs(t, "--clickhouse", srv.DSN("plausible_events_db"), "--poll-interval", "1s")...)
		waitPolls(t, db, 1)

		inserted := 0
		flow := func(batches int) {
			for i := 0; i < batches; i++ {
				seed.events(1, "Purchase", "/checkout", 1+i%3)
				inserted += 1 + i%3
				time.Sleep(300 * time.Millisecond)
			}
		}
		flow(5)
		// The last batches may still be unpolled when ClickHouse stops.
		srv.Pause()
		eventually(t, 30*time.Second, "status to show ClickHouse failing", func() bool {
			st := statusJSON(t, db)
			return !st.ClickHouse.OK && st.ClickHouse.Error != ""
		})
		// A few more failed polls, as the engine logs them.
		failedPolls := len(e.logLines(msgClickHouseDown))
		eventually(t, 60*time.Second, "two more failed polls", func() bool {
			return len(e.logLines(msgClickHouseDown)) >= failedPolls+2
		})
		if !e.running() {
			t.Fatalf("hookwatch exited while ClickHouse was down: %v", e.cmd.ProcessState)
		}
		if err := srv.Resume(); err != nil {
			t.Fatal(err)
		}
		flow(5)
		eventually(t, 60*time.Second, fmt.Sprintf("%d completions", inserted), func() bool { return goalCompletions(rc.allHits()) >= inserted })
		waitPolls(t, db, 3)
		if got := goalCompletions(rc.allHits()); got != inserted {
			t.Errorf("the receiver counted %d completions, %d were inserted", got, inserted)
		}
		st := statusJSON(t, db)
		if !st.ClickHouse.OK {
			t.Errorf("status after the restart: %+v", st.ClickHouse)
		}
		n := st.Deliveries["succeeded"]
		waitSucceeded(t, db, n, 20*time.Second)
		rc.waitIdle(t)
		invariants{want: n, statuses: []int{503, 200}}.check(t, db, rc.allHits(), rc.badSignatures())
		survive(t, e)
	})
}

// Log messages the fault suite waits for.
const (
	msgClickHouseDown = "clickhouse unavailable; no trigger state changed"
	msgRenewFailed    = "renewing the engine lease failed; trying again"
)

// goalCompletions sums the completions of the goal events received, each
// webhook-id once: a retry repeats an event, it does not add to it.
func goalCompletions(hits []hit) int {
	seen := map[string]bool{}
	n := 0
	for _, h := range hits {
		if h.Type != "goal.completed" || seen[h.MsgID] || h.Answered/100 != 2 {
			continue
		}
		seen[h.MsgID] = true
		if v, ok := h.Data["completions"].(float64); ok {
			n += int(v)
		}
	}
	return n
}

func TestFaultSIGKILL(t *testing.T) {
	t.Run("two SIGKILLs mid-delivery to a flaky receiver lose nothing and log every attempt but the cut-off ones", func(t *testing.T) {
		rc := newReceiver(t, func(n int, w http.ResponseWriter, r *http.Request) (int, int64) {
			time.Sleep(100 * time.Millisecond) // so that kills land mid-request
			if n == 1 {
				w.WriteHeader(http.StatusBadGateway)
				return http.StatusBadGateway, 0
			}
			return ok200(w)
		})
		const hooks, perHook = 2, 30
		db := faultDB(t, filepath.Join(t.TempDir(), "hw.db"), rc, hooks, perHook)
		args := faultEngineArgs(t)
		e := startEngine(t, db, args...)
		midRequest := 0
		for kill := 1; kill <= 2; kill++ {
			at := kill * 20
			eventually(t, 30*time.Second, fmt.Sprintf("%d requests with one in flight", at), func() bool {
				return rc.count() >= at && rc.busy() > 0
			})
			if rc.busy() > 0 {
				midRequest++
			}
			e.kill()
			e = startEngine(t, db, args...)
		}
		if rc.count() >= 2*hooks*perHook {
			t.Fatalf("all requests were made before the kills; the test proves nothing")
		}
		waitSucceeded(t, db, hooks*perHook, 60*time.Second)
		rc.waitIdle(t)
		hits := rc.allHits()
		ds := invariants{want: hooks * perHook, unlogged: 2}.check(t, db, hits, rc.badSignatures())
		logged := 0
		for _, d := range ds {
			logged += len(d.Attempts)
		}
		t.Logf("%d requests, %d logged attempts, for %d deliveries; %d kills landed mid-request", len(hits), logged, len(ds), midRequest)
		survive(t, e)
	})
}

func TestFaultDiskFull(t *testing.T) {
	t.Run("a full disk under the database is logged and survived, and delivery completes once space is back", func(t *testing.T) {
		if os.Geteuid() != 0 {
			t.Skip("needs root to mount a small tmpfs for the database; run as root (CI does) to test a full disk")
		}
		dir := filepath.Join(t.TempDir(), "fs")
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", dir).CombinedOutput(); err != nil {
			t.Skipf("cannot mount a tmpfs to fill (%v: %s); a full disk is not tested here", err, bytes.TrimSpace(out))
		}
		t.Cleanup(func() {
			if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
				t.Errorf("umount %s: %v: %s", dir, err, out)
			}
		})

		var full atomic.Bool
		var healthy atomic.Bool
		rc := newReceiver(t, func(n int, w http.ResponseWriter, r *http.Request) (int, int64) {
			if !healthy.Load() {
				w.WriteHeader(http.StatusInternalServerError)
				return http.StatusInternalServerError, 0
			}
			return ok200(w)
		})
		// Hits while the disk is full, and for a moment after (a commit in
		// its retries then may still fail), cannot all be logged.
		var fullMu sync.Mutex
		var fullFrom, fullUntil time.Time
		db := faultDB(t, filepath.Join(dir, "hw.db"), rc, 1, 5)
		// Fifty steps of 200ms: the retries go on through the fault.
		sched := strings.TrimSuffix(strings.Repeat("200ms,", 50), ",")
		e := startEngine(t, db, append(faultEngineArgs(t), "--retry-schedule", sched)...)
		eventually(t, 20*time.Second, "every delivery to have failed once", func() bool {
			return statusJSON(t, db).Deliveries["retrying"] == 5
		})

		filler := filepath.Join(dir, "filler")
		fullMu.Lock()
		fullFrom = time.Now()
		fullMu.Unlock()
		full.Store(true)
		if err := fill(filler); err != nil {
			t.Fatal(err)
		}
		eventually(t, 20*time.Second, "a logged error naming the full disk", func() bool {
			return strings.Contains(e.logs.String(), "disk is full")
		})
		// Stay full across a lease renewal (every 10 s), which fails, and
		// many attempts.
		eventually(t, 60*time.Second, "a failed lease renewal to be logged", func() bool {
			return len(e.logLines(msgRenewFailed)) > 0
		})
		if !e.running() {
			t.Fatalf("hookwatch exited while the disk was full: %v", e.cmd.ProcessState)
		}

		if err := os.Remove(filler); err != nil {
			t.Fatal(err)
		}
		healthy.Store(true)
		full.Store(false)
		fullMu.Lock()
		fullUntil = time.Now().Add(3 * time.Second)
		fullMu.Unlock()
		waitSucceeded(t, db, 5, 30*time.Second)
		rc.waitIdle(t)
		hits := rc.allHits()
		inv := invariants{want: 5, unloggedWhile: func(h hit) bool {
			fullMu.Lock()
			defer fullMu.Unlock()
			return !h.At.Before(fullFrom) && h.At.Before(fullUntil)
		}}
		ds := inv.check(t, db, hits, rc.badSignatures())
		logged := 0
		for _, d := range ds {
			logged += len(d.Attempts)
		}
		var errLine string
		for _, line := range strings.Split(e.logs.String(), "\n") {
			if strings.Contains(line, "disk is full") {
				errLine = line
				break
			}
		}
		t.Logf("%d requests, %d logged attempts; first error: %s", len(hits), logged, errLine)
		survive(t, e)
	})
}

// fill writes path until the file system has no space left.
func fill(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	buf := make([]byte, 64<<10)
	for {
		if _, err := f.Write(buf); err != nil {
			if errors.Is(err, syscall.ENOSPC) {
				return nil
			}
			return err
		}
	}
}
