package main

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/hookwatch/hookwatch/core"
)

// receiver is the demo's webhook endpoint: it verifies each signature and
// prints one line per request.
type receiver struct {
	URL    string
	srv    *http.Server
	mu     sync.Mutex
	key    []byte
	counts int
}

func startReceiver() (*receiver, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	rc := &receiver{URL: "http://" + ln.Addr().String() + "/hooks/plausible"}
	rc.srv = &http.Server{Handler: http.HandlerFunc(rc.serve), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = rc.srv.Serve(ln) }()
	return rc, nil
}

func (rc *receiver) setSecret(secret string) {
	key, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, core.SecretPrefix))
	rc.mu.Lock()
	rc.key = key
	rc.mu.Unlock()
}

func (rc *receiver) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	rc.mu.Lock()
	rc.counts++
	key := rc.key
	rc.mu.Unlock()
	var env struct {
		Type      core.EventType  `json:"type"`
		Timestamp time.Time       `json:"timestamp"`
		Data      json.RawMessage `json:"data"`
	}
	_ = json.Unmarshal(body, &env)
	var ts int64
	fmt.Sscan(r.Header.Get("webhook-timestamp"), &ts)
	sig := "signature INVALID"
	want := core.Sign(r.Header.Get("webhook-id"), ts, body, key)
	for _, s := range strings.Fields(r.Header.Get("webhook-signature")) {
		if s == want {
			sig = "signature ok"
		}
	}
	fmt.Printf("receiver: %s  %-24s %s  (%s, %s)\n", time.Now().Format("15:04:05"), env.Type, describe(env.Type, env.Timestamp, env.Data), r.Header.Get("webhook-id"), sig)
	w.WriteHeader(http.StatusNoContent)
}

// describe tells an envelope's data in words, as a chat format would.
func describe(t core.EventType, at time.Time, data json.RawMessage) string {
	e := &core.Event{Type: t, Timestamp: at} // the hour of the week a chat line names
	switch t {
	case core.EventSpike, core.EventSpikeResolved:
		var d core.SpikeData
		_ = json.Unmarshal(data, &d)
		e.Data = d
	case core.EventGoal:
		var d core.GoalData
		_ = json.Unmarshal(data, &d)
		e.Data = d
	case core.EventDrop, core.EventDropResolved:
		var d core.DropData
		_ = json.Unmarshal(data, &d)
		e.Data = d
	case core.EventTest:
		var d core.TestData
		_ = json.Unmarshal(data, &d)
		e.Data = d
	}
	return core.Summarize(e).Title
}

func (rc *receiver) count() int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.counts
}

func (rc *receiver) Close() { _ = rc.srv.Close() }
