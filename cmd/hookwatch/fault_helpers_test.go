package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hookwatch/hookwatch/core"
)

// faultSchedule retries within a fraction of a second, eight attempts in
// all, so that a fault and its recovery fit in a few seconds.
const faultSchedule = "0s,300ms,300ms,300ms,300ms,300ms,300ms,300ms"

// faultTimeout bounds one request: a receiver that hangs or trickles for
// longer is cut off. It is long enough that a request answered at once
// never times out on a loaded machine, and shorter than the trickles.
const faultTimeout = 2 * time.Second

// faultEngineArgs are the engine flags of the fault suite: ClickHouse
// unreachable unless a test says otherwise, and the short schedule of the
// hidden --retry-schedule and --request-timeout flags.
func faultEngineArgs(t *testing.T, extra ...string) []string {
	t.Helper()
	requireRetryFlags(t)
	args := []string{"--retry-schedule", faultSchedule, "--request-timeout", faultTimeout.String(), "--drain-timeout", "3s"}
	if !hasFlag(extra, "--clickhouse") {
		args = append(args, "--clickhouse", deadDSN)
	}
	return append(args, extra...)
}

func hasFlag(args []string, name string) bool {
	for _, a := range args {
		if a == name || strings.HasPrefix(a, name+"=") {
			return true
		}
	}
	return false
}

var retryFlagsOnce struct {
	sync.Once
	err string
}

// requireRetryFlags fails the test, saying why, if the binary under test
// lacks the hidden retry flags: with the default schedule the second retry
// comes after 5 minutes, too late for any fault to clear in a test.
func requireRetryFlags(t *testing.T) {
	t.Helper()
	retryFlagsOnce.Do(func() {
		code, _, errs := bin(t, os.DevNull, "--retry-schedule", "0s,1s", "--request-timeout", "1s", "--help")
		if code != 0 {
			retryFlagsOnce.err = fmt.Sprintf("%s does not take --retry-schedule/--request-timeout (exit %d: %s); "+
				"wire cmd/hookwatch/retryflags.go into cli.go, config.go and wiring.go", hwBin, code, strings.TrimSpace(errs))
		}
	})
	if retryFlagsOnce.err != "" {
		t.Fatal(retryFlagsOnce.err)
	}
}

// faultDB is a fresh database with one site and webhooks on rc, each with
// perHook deliveries already in the outbox; it returns the database path.
func faultDB(t *testing.T, db string, rc *receiver, hooks, perHook int) string {
	t.Helper()
	mustBin(t, db, "site", "add", "example.com", "--site-id", "1")
	for i := 0; i < hooks; i++ {
		id := rc.addWebhook(t, db, "example.com", fmt.Sprintf("/h%d", i))
		enqueue(t, db, id, perHook, fmt.Sprintf("%s-h%d", t.Name(), i))
	}
	return db
}

// deliveriesJSON reads every delivery with its attempts through the CLI.
func deliveriesJSON(t *testing.T, db string) []core.Delivery {
	t.Helper()
	var ds []core.Delivery
	if err := json.Unmarshal([]byte(mustBin(t, db, "deliveries", "--json", "--limit", "100000")), &ds); err != nil {
		t.Fatal(err)
	}
	return ds
}

// waitSucceeded waits until `hookwatch status` counts n succeeded
// deliveries and nothing pending or retrying.
func waitSucceeded(t *testing.T, db string, n int, within time.Duration) {
	t.Helper()
	eventually(t, within, fmt.Sprintf("%d deliveries to succeed", n), func() bool {
		st := statusJSON(t, db)
		return st.Deliveries["succeeded"] == n && st.Deliveries["pending"] == 0 && st.Deliveries["retrying"] == 0
	})
}

// invariants are what must hold after every fault once it has cleared.
type invariants struct {
	want int // deliveries in the outbox
	// unlogged allows up to that many requests per delivery that the log
	// lacks: one per SIGKILL that may have cut a request off.
	unlogged int
	// unloggedWhile, if set, reports hits that fell in a window where the
	// log could not be written (the disk was full); they may be missing
	// from the log too.
	unloggedWhile func(h hit) bool
	// statuses, if set, is the status each delivery's attempts got, in
	// order, as logged and as answered.
	statuses []int
}

// check asserts, from the CLI's view of the database and the receiver's
// records: no delivery lost (each succeeded, its payload received under its
// own webhook-id), no payload under two webhook-ids, every request logged as
// an attempt (save the allowances), and valid signatures throughout.
func (inv invariants) check(t *testing.T, db string, hits []hit, badSigs int) []core.Delivery {
	t.Helper()
	ds := deliveriesJSON(t, db)
	if len(ds) != inv.want {
		t.Errorf("%d deliveries in the outbox, want %d", len(ds), inv.want)
	}
	byID := map[string][]hit{}
	idsOfBody := map[string]map[string]bool{}
	for _, h := range hits {
		byID[h.MsgID] = append(byID[h.MsgID], h)
		b := compactJSON(t, h.Body)
		if idsOfBody[b] == nil {
			idsOfBody[b] = map[string]bool{}
		}
		idsOfBody[b][h.MsgID] = true
	}
	for b, ids := range idsOfBody {
		if len(ids) != 1 {
			t.Errorf("one payload delivered under %d webhook-ids %v: %s", len(ids), ids, b)
		}
	}
	known := map[string]bool{}
	for _, d := range ds {
		known[d.MsgID] = true
		got := byID[d.MsgID]
		if d.State != core.StateSucceeded {
			t.Errorf("delivery %d (%s) is %s after the fault cleared: last %d %q", d.ID, d.MsgID, d.State, d.LastStatus, d.LastError)
		}
		if len(got) == 0 {
			t.Errorf("delivery %d (%s) never reached the receiver", d.ID, d.MsgID)
			continue
		}
		if want := compactJSON(t, d.Payload); compactJSON(t, got[0].Body) != want {
			t.Errorf("delivery %d: received %s, stored %s", d.ID, got[0].Body, want)
		}
		if last := got[len(got)-1]; d.State == core.StateSucceeded && last.Answered/100 != 2 {
			t.Errorf("delivery %d succeeded but its last request was answered %d", d.ID, last.Answered)
		}
		for _, a := range d.Attempts {
			if id := a.RequestHeaders["Webhook-Id"]; len(id) != 1 || id[0] != d.MsgID {
				t.Errorf("delivery %d: attempt %d logged webhook-id %v, want %s", d.ID, a.ID, id, d.MsgID)
			}
		}
		allowed := inv.unlogged
		if inv.unloggedWhile != nil {
			for _, h := range got {
				if inv.unloggedWhile(h) {
					allowed++
				}
			}
		}
		if missing := len(got) - len(d.Attempts); missing < 0 || missing > allowed {
			t.Errorf("delivery %d: the receiver got %d requests, the log has %d attempts (%d may be missing)",
				d.ID, len(got), len(d.Attempts), allowed)
		}
		if inv.statuses != nil {
			var logged, answered []int
			for _, a := range d.Attempts {
				logged = append(logged, a.StatusCode)
			}
			for _, h := range got {
				answered = append(answered, h.Answered)
			}
			if fmt.Sprint(logged) != fmt.Sprint(inv.statuses) || fmt.Sprint(answered) != fmt.Sprint(inv.statuses) {
				t.Errorf("delivery %d: statuses logged %v, answered %v; want %v", d.ID, logged, answered, inv.statuses)
			}
		}
	}
	for id := range byID {
		if !known[id] {
			t.Errorf("the receiver got webhook-id %s, which no delivery has", id)
		}
	}
	if badSigs != 0 {
		t.Errorf("%d of %d requests failed signature verification", badSigs, len(hits))
	}
	return ds
}

func compactJSON(t *testing.T, b []byte) string {
	t.Helper()
	var buf bytes.Buffer
	if err := json.Compact(&buf, b); err != nil {
		return string(b)
	}
	return buf.String()
}

// survive asserts the engine is still running, then that SIGTERM ends it
// with exit 0 and that it never logged a panic.
func survive(t *testing.T, e *engine) {
	t.Helper()
	if !e.running() {
		t.Fatalf("hookwatch exited during the fault: %v", e.cmd.ProcessState)
	}
	if code := e.stop(); code != 0 {
		t.Errorf("exit %d on SIGTERM, want 0", code)
	}
	if logs := e.logs.String(); strings.Contains(logs, "panic:") || strings.Contains(logs, "fatal error:") {
		t.Errorf("hookwatch panicked:\n%s", logs)
	}
}

// peakRSS returns the process's peak resident set size, from /proc.
func peakRSS(t *testing.T, pid int) int64 {
	t.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Skipf("no /proc to read the peak RSS from: %v", err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				t.Fatalf("VmHWM %q: %v", rest, err)
			}
			return kb << 10
		}
	}
	t.Fatalf("no VmHWM in /proc/%d/status", pid)
	return 0
}
