package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hookwatch/hookwatch/core"
	"github.com/hookwatch/hookwatch/internal/testutil"
)

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

// hit is one request as the receiver saw it, and what it answered.
type hit struct {
	received
	N        int  // this webhook-id's request number, from 1
	Answered int  // the status sent; 0 when none was (hung up, reset)
	Gone     bool // the client hung up before the handler finished
	Written  int64
}

// behavior answers request number n (from 1) of its webhook-id. It returns
// the status it sent (0 for none) and how many body bytes it wrote.
type behavior func(n int, w http.ResponseWriter, r *http.Request) (status int, written int64)

// receiver is a real HTTP endpoint on loopback, for the end-to-end and the
// fault tests. It answers as its behave says, per request, records every
// request with what it answered, counts requests by webhook-id, and
// verifies each signature with verifySpec, the suite's own reading of the
// spec: a request to a path that no addWebhook registered is a bad one.
type receiver struct {
	*httptest.Server
	mu       sync.Mutex
	hits     []*hit
	perID    map[string]int
	secrets  map[string][]byte // by path
	badSigs  int
	inflight int
	maxBusy  int // the most requests in flight at once
	behave   behavior
}

// newReceiver starts a receiver; a nil behave answers 200.
func newReceiver(t *testing.T, behave behavior) *receiver {
	rc := &receiver{perID: map[string]int{}, secrets: map[string][]byte{}, behave: behave}
	rc.Server = httptest.NewServer(http.HandlerFunc(rc.serve))
	t.Cleanup(rc.Close)
	return rc
}

// answer is a behavior that sends the status of status(r) with the
// receiver's usual body.
func answer(status func(r *http.Request) int) behavior {
	return func(_ int, w http.ResponseWriter, r *http.Request) (int, int64) {
		st := status(r)
		w.WriteHeader(st)
		fmt.Fprintf(w, `{"received":%q}`, r.Header.Get("webhook-id"))
		return st, 0
	}
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
	h := &hit{received: readReceived(r)}
	rc.mu.Lock()
	if key, ok := rc.secrets[r.URL.Path]; !ok || !verifySpec(key, h.received) {
		rc.badSigs++
	}
	rc.perID[h.MsgID]++
	h.N = rc.perID[h.MsgID]
	rc.hits = append(rc.hits, h)
	rc.inflight++
	rc.maxBusy = max(rc.maxBusy, rc.inflight)
	behave := rc.behave
	rc.mu.Unlock()

	status, written := http.StatusOK, int64(0)
	if behave != nil {
		status, written = behave(h.N, w, r)
	} else {
		w.WriteHeader(status)
		fmt.Fprintf(w, `{"received":%q}`, h.MsgID)
	}
	gone := r.Context().Err() != nil
	rc.mu.Lock()
	h.Answered, h.Gone, h.Written = status, gone, written
	rc.inflight--
	rc.mu.Unlock()
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

// allHits returns copies of the hits so far, with what each was answered.
func (rc *receiver) allHits() []hit {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	out := make([]hit, len(rc.hits))
	for i, h := range rc.hits {
		out[i] = *h
	}
	return out
}

// all returns every request so far, redeliveries included.
func (rc *receiver) all() []received {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	out := make([]received, len(rc.hits))
	for i, h := range rc.hits {
		out[i] = h.received
	}
	return out
}

func (rc *receiver) count() int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return len(rc.hits)
}

func (rc *receiver) busy() int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.inflight
}

func (rc *receiver) mostBusy() int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.maxBusy
}

// waitIdle waits until no handler is running, so that every hit records
// what it answered: the engine may commit an outcome while the handler
// still trickles or sleeps after the client hung up.
func (rc *receiver) waitIdle(t *testing.T) {
	t.Helper()
	testutil.Eventually(t, 30*time.Second, "the receiver to finish every request", func() bool { return rc.busy() == 0 })
}

func (rc *receiver) badSignatures() int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.badSigs
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

// addWebhook adds a webhook on path through the CLI, with the extra flags
// args, and keeps its secret to verify the requests to path.
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
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(w.Secret, core.SecretPrefix))
	if err != nil {
		t.Fatal(err)
	}
	rc.mu.Lock()
	rc.secrets[path] = key
	rc.mu.Unlock()
	return w.ID
}
