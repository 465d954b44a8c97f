package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hookwatch/hookwatch/storage/clickhouse/chtest"
)

// hwBin is the hookwatch binary the end-to-end tests run as a user would:
// the pure-Go headless build. `make test` builds it once and passes it in
// HOOKWATCH_BIN; a plain `go test` builds it here.
var hwBin string

func TestMain(m *testing.M) {
	os.Exit(func() int {
		hwBin = os.Getenv("HOOKWATCH_BIN")
		if hwBin == "" {
			dir, err := os.MkdirTemp("", "hookwatch-bin")
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
				return 1
			}
			defer os.RemoveAll(dir)
			hwBin = filepath.Join(dir, "hookwatch")
			cmd := exec.Command("go", "build", "-tags", "nogui", "-o", hwBin, ".")
			cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
			if out, err := cmd.CombinedOutput(); err != nil {
				fmt.Fprintf(os.Stderr, "building hookwatch: %v\n%s", err, out)
				return 1
			}
		}
		return chtest.Run(m)
	}())
}

// bin runs the hookwatch binary to completion.
func bin(t *testing.T, db string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	cmd := exec.Command(hwBin, append([]string{"--db", db}, args...)...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode(), out.String(), errb.String()
	} else if err != nil {
		t.Fatal(err)
	}
	return 0, out.String(), errb.String()
}

func mustBin(t *testing.T, db string, args ...string) string {
	t.Helper()
	code, out, errs := bin(t, db, args...)
	if code != 0 {
		t.Fatalf("hookwatch %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errs)
	}
	return out
}

// proc is a hookwatch process a test or benchmark started.
type proc struct {
	tb   testing.TB
	cmd  *exec.Cmd
	done chan struct{} // closed once the process has exited and been reaped
}

// stop sends SIGTERM and waits; it returns the exit code.
func (p *proc) stop() int {
	if p.running() {
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(30 * time.Second):
			_ = p.cmd.Process.Kill()
			<-p.done
			p.tb.Error("hookwatch did not stop within 30 s of SIGTERM")
		}
	}
	return p.cmd.ProcessState.ExitCode()
}

// kill ends the process with SIGKILL, as a crash would.
func (p *proc) kill() {
	_ = p.cmd.Process.Kill()
	<-p.done
}

func (p *proc) running() bool {
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

// engine is a `hookwatch --headless` process with its log in memory.
type engine struct {
	proc
	logs *syncBuffer
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startEngine starts hookwatch --headless and stops it (SIGTERM) when the
// test ends, if it is still running.
func startEngine(t *testing.T, db string, args ...string) *engine {
	t.Helper()
	full := append([]string{"--db", db, "--headless", "--log-format", "json"}, args...)
	e := &engine{proc: proc{tb: t, cmd: exec.Command(hwBin, full...), done: make(chan struct{})}, logs: &syncBuffer{}}
	e.cmd.Stdout, e.cmd.Stderr = e.logs, e.logs
	if err := e.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = e.cmd.Wait(); close(e.done) }()
	t.Cleanup(func() {
		e.stop()
		if t.Failed() {
			t.Logf("hookwatch log:\n%s", e.logs.String())
		}
	})
	return e
}

// eventually polls cond until it holds or the deadline passes.
func eventually(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", within, what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// received is one request as the receiver saw it.
type received struct {
	MsgID     string
	Timestamp string
	Signature string
	Type      string
	Data      map[string]any
	Body      []byte
	At        time.Time
	Header    http.Header
}

// receiver is a real HTTP endpoint on loopback that records what it gets
// and verifies each signature with its own implementation of the spec.
type receiver struct {
	*httptest.Server
	mu      sync.Mutex
	got     []received
	secrets map[string][]byte // by path
	status  func(r *http.Request) int
	badSigs int
}

func newReceiver(t *testing.T) *receiver {
	rc := &receiver{secrets: map[string][]byte{}, status: func(*http.Request) int { return 200 }}
	rc.Server = httptest.NewServer(http.HandlerFunc(rc.serve))
	t.Cleanup(rc.Close)
	return rc
}

// readReceived reads a request as a receiver records it.
func readReceived(r *http.Request) received {
	body, _ := io.ReadAll(r.Body)
	var env struct {
		Type string         `json:"type"`
		Data map[string]any `json:"data"`
	}
	_ = json.Unmarshal(body, &env)
	return received{MsgID: r.Header.Get("webhook-id"), Timestamp: r.Header.Get("webhook-timestamp"),
		Signature: r.Header.Get("webhook-signature"), Type: env.Type, Data: env.Data, Body: body, At: time.Now(), Header: r.Header.Clone()}
}

func (rc *receiver) serve(w http.ResponseWriter, r *http.Request) {
	rec := readReceived(r)
	rc.mu.Lock()
	if key, ok := rc.secrets[r.URL.Path]; ok && !verifySpec(key, rec) {
		rc.badSigs++
	}
	rc.got = append(rc.got, rec)
	status := rc.status(r)
	rc.mu.Unlock()
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"received":%q}`, rec.MsgID)
}

// verifySpec checks a Standard Webhooks signature as a receiver would,
// written from the spec and independent of core.Sign.
func verifySpec(key []byte, r received) bool {
	ts, err := strconv.ParseInt(r.Timestamp, 10, 64)
	if err != nil || time.Since(time.Unix(ts, 0)).Abs() > 5*time.Minute {
		return false
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(r.MsgID + "." + r.Timestamp + "." + string(r.Body)))
	want := mac.Sum(nil)
	for _, s := range strings.Fields(r.Signature) {
		v, sig, ok := strings.Cut(s, ",")
		if !ok || v != "v1" {
			continue
		}
		if b, err := base64.StdEncoding.DecodeString(sig); err == nil && hmac.Equal(b, want) {
			return true
		}
	}
	return false
}

func (rc *receiver) all() []received {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]received(nil), rc.got...)
}

// ofType returns every request of type typ, redeliveries included.
func (rc *receiver) ofType(typ string) []received {
	var out []received
	for _, r := range rc.all() {
		if r.Type == typ {
			out = append(out, r)
		}
	}
	return out
}

// events returns the events of type typ as a receiver following the spec
// sees them: each webhook-id once, at its first request. A redelivery under
// the same webhook-id, which at-least-once delivery allows (after a crash,
// say), repeats an event and never adds one.
func (rc *receiver) events(typ string) []received {
	return distinct(rc.ofType(typ))
}

// distinct keeps the first request of each webhook-id, in arrival order.
func distinct(rs []received) []received {
	seen := map[string]bool{}
	var out []received
	for _, r := range rs {
		if !seen[r.MsgID] {
			seen[r.MsgID] = true
			out = append(out, r)
		}
	}
	return out
}

// checkWebhookIDs asserts what lets a receiver deduplicate: every request
// under one webhook-id carries the same payload, and no payload arrives
// under two webhook-ids.
func checkWebhookIDs(t *testing.T, rs []received) {
	t.Helper()
	bodyOf, idOf := map[string]string{}, map[string]string{}
	for _, r := range rs {
		body := string(r.Body)
		if b, ok := bodyOf[r.MsgID]; ok && b != body {
			t.Errorf("webhook-id %s carried two payloads: %s and %s", r.MsgID, b, body)
		}
		if id, ok := idOf[body]; ok && id != r.MsgID {
			t.Errorf("one payload delivered under webhook-ids %s and %s: %s", id, r.MsgID, body)
		}
		bodyOf[r.MsgID], idOf[body] = body, r.MsgID
	}
}

// redelivered counts the requests that repeated a webhook-id already seen.
func (rc *receiver) redelivered() int {
	all := rc.all()
	return len(all) - len(distinct(all))
}

// addWebhook adds a webhook through the CLI and registers its secret with
// the receiver, so every request to path is verified.
func (rc *receiver) addWebhook(t *testing.T, db, site, path string, args ...string) int64 {
	t.Helper()
	out := mustBin(t, db, append([]string{"webhook", "add", site, rc.URL + path, "--allow-private", "--json"}, args...)...)
	var w struct {
		ID     int64  `json:"id"`
		Secret string `json:"secret"`
	}
	if err := json.Unmarshal([]byte(out), &w); err != nil {
		t.Fatalf("%v in %s", err, out)
	}
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(w.Secret, "whsec_"))
	if err != nil {
		t.Fatal(err)
	}
	rc.mu.Lock()
	rc.secrets[path] = key
	rc.mu.Unlock()
	return w.ID
}

func (rc *receiver) badSignatures() int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.badSigs
}

// statusJSON reads `hookwatch status --json`.
func statusJSON(t *testing.T, db string) statusView {
	t.Helper()
	var v statusView
	if err := json.Unmarshal([]byte(mustBin(t, db, "status", "--json")), &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// logLines returns the engine's JSON log records whose msg is msg.
func (e *engine) logLines(msg string) []map[string]any {
	var out []map[string]any
	sc := bufio.NewScanner(strings.NewReader(e.logs.String()))
	for sc.Scan() {
		var rec map[string]any
		if json.Unmarshal(sc.Bytes(), &rec) == nil && rec["msg"] == msg {
			out = append(out, rec)
		}
	}
	return out
}

var _ = context.Background
