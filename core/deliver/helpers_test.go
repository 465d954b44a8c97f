package deliver_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/hookwatch/hookwatch/core"
	"github.com/hookwatch/hookwatch/core/deliver"
	"github.com/hookwatch/hookwatch/internal/testutil"
	"github.com/hookwatch/hookwatch/storage/sqlite"
)

// store is a real SQLite database in the test's temporary directory, with
// one site to hang webhooks on.
type store struct {
	db         *sqlite.DB
	webhooks   *sqlite.WebhookService
	deliveries *sqlite.DeliveryService
	sites      *sqlite.SiteService
	site       *core.Site
	nextSite   uint64
}

func newStore(t testing.TB) *store {
	t.Helper()
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "hookwatch.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	st := &store{db: db, webhooks: sqlite.NewWebhookService(db), deliveries: sqlite.NewDeliveryService(db), sites: sqlite.NewSiteService(db)}
	st.site = st.addSite(t)
	return st
}

func (st *store) addSite(t testing.TB) *core.Site {
	t.Helper()
	st.nextSite++
	s := &core.Site{Domain: fmt.Sprintf("site%d.example.com", st.nextSite), PlausibleID: st.nextSite}
	if err := st.sites.CreateSite(context.Background(), s); err != nil {
		t.Fatal(err)
	}
	return s
}

// addHook creates a goal webhook on the store's site; edit sets fields
// before it is created.
func (st *store) addHook(t testing.TB, url string, edit func(*core.Webhook)) *core.Webhook {
	t.Helper()
	w := &core.Webhook{SiteID: st.site.ID, URL: url, Events: []core.EventType{core.EventGoal}, AllowPrivate: true}
	if edit != nil {
		edit(w)
	}
	if err := st.webhooks.CreateWebhook(context.Background(), w); err != nil {
		t.Fatal(err)
	}
	return w
}

// enqueue queues one goal delivery per key to w and returns the deliveries'
// message ids, in order.
func (st *store) enqueue(t testing.TB, w *core.Webhook, keys ...string) []string {
	t.Helper()
	nds := make([]core.NewDelivery, len(keys))
	ids := make([]string, len(keys))
	for i, k := range keys {
		nds[i] = core.NewDelivery{WebhookID: w.ID, EventKey: k, EventType: core.EventGoal,
			Payload: []byte(fmt.Sprintf(`{"type":"goal.completed","data":{"key":%q}}`, k))}
		ids[i] = core.MessageID(w.ID, k)
	}
	if err := st.deliveries.Enqueue(context.Background(), nds); err != nil {
		t.Fatal(err)
	}
	return ids
}

// delivery returns the delivery to w with message id msgID, with attempts.
func (st *store) delivery(t testing.TB, w *core.Webhook, msgID string) *core.Delivery {
	t.Helper()
	ds, _, err := st.deliveries.FindDeliveries(context.Background(), core.DeliveryFilter{WebhookID: w.ID, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range ds {
		if d.MsgID == msgID {
			d, err := st.deliveries.FindDeliveryByID(context.Background(), d.ID)
			if err != nil {
				t.Fatal(err)
			}
			return d
		}
	}
	t.Fatalf("no delivery %s to webhook %d", msgID, w.ID)
	return nil
}

// waitState waits for the delivery to reach state and returns it.
func (st *store) waitState(t testing.TB, w *core.Webhook, msgID string, state core.DeliveryState) *core.Delivery {
	t.Helper()
	var d *core.Delivery
	waitFor(t, fmt.Sprintf("delivery %s %s", msgID, state), func() bool {
		d = st.delivery(t, w, msgID)
		return d.State == state
	})
	return d
}

// waitFor polls cond until it holds, failing the test after a generous
// deadline: these are eventual conditions, not timings.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	testutil.Eventually(t, 20*time.Second, what, cond)
}

// testPolicy retries quickly so that a schedule runs in a test.
func testPolicy() core.RetryPolicy {
	return core.RetryPolicy{
		Schedule:      []time.Duration{0, 50 * time.Millisecond, 50 * time.Millisecond, 50 * time.Millisecond, 50 * time.Millisecond},
		Timeout:       5 * time.Second,
		MinRetryAfter: 10 * time.Millisecond,
		MaxRetryAfter: time.Minute,
	}
}

func testConfig(t testing.TB, st *store) deliver.Config {
	return deliver.Config{
		Deliveries:   st.deliveries,
		Webhooks:     st.webhooks,
		Policy:       testPolicy(),
		PollEvery:    50 * time.Millisecond,
		DrainTimeout: time.Second,
		UserAgent:    "hookwatch/test",
		Logger:       slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn})),
	}
}

// start runs an engine until the test ends or stop is called; stop waits
// for Run to return.
func start(t testing.TB, cfg deliver.Config) (e *deliver.Engine, stop func()) {
	t.Helper()
	e = deliver.New(cfg)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("Run: %v", err)
			}
		})
	}
	t.Cleanup(stop)
	return e, stop
}

// hit is one request a receiver got.
type hit struct {
	at     time.Time
	path   string
	header http.Header
	body   []byte
}

// receiver is a loopback HTTP endpoint that records what it gets and
// answers with handle (200 when nil). n is the request's number, from 1,
// among those to the same path.
type receiver struct {
	*httptest.Server
	handle func(w http.ResponseWriter, r *http.Request, n int)

	mu          sync.Mutex
	hits        []hit
	running     map[string]int
	maxRunning  map[string]int
	answered    int
	releaseOnce sync.Once
	release     chan struct{} // closed when the test ends: hanging handlers return
}

func newReceiver(t testing.TB, handle func(w http.ResponseWriter, r *http.Request, n int)) *receiver {
	rc := &receiver{handle: handle, running: map[string]int{}, maxRunning: map[string]int{}, release: make(chan struct{})}
	rc.Server = httptest.NewServer(http.HandlerFunc(rc.serve))
	t.Cleanup(func() {
		rc.Release()
		rc.Close()
	})
	return rc
}

// Release lets hanging handlers return.
func (rc *receiver) Release() { rc.releaseOnce.Do(func() { close(rc.release) }) }

func (rc *receiver) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	rc.hits = append(rc.hits, hit{at: time.Now(), path: r.URL.Path, header: r.Header.Clone(), body: body})
	n := 0
	for _, h := range rc.hits {
		if h.path == r.URL.Path {
			n++
		}
	}
	rc.running[r.URL.Path]++
	rc.maxRunning[r.URL.Path] = max(rc.maxRunning[r.URL.Path], rc.running[r.URL.Path])
	rc.mu.Unlock()
	defer func() {
		rc.mu.Lock()
		rc.running[r.URL.Path]--
		rc.answered++
		rc.mu.Unlock()
	}()
	if rc.handle != nil {
		rc.handle(w, r, n)
	}
}

// hang blocks until the client gives up or the test ends.
func (rc *receiver) hang(r *http.Request) {
	select {
	case <-r.Context().Done():
	case <-rc.release:
	}
}

// Hits returns the requests to path so far ("" for all).
func (rc *receiver) Hits(path string) []hit {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	var out []hit
	for _, h := range rc.hits {
		if path == "" || h.path == path {
			out = append(out, h)
		}
	}
	return out
}

// IDs counts the distinct webhook-ids of the requests to path, as a
// receiver that deduplicates counts deliveries.
func (rc *receiver) IDs(path string) int {
	ids := map[string]bool{}
	for _, h := range rc.Hits(path) {
		ids[h.header.Get("webhook-id")] = true
	}
	return len(ids)
}

func (rc *receiver) MaxRunning(path string) int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.maxRunning[path]
}

func (rc *receiver) Running(path string) int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.running[path]
}

// port returns the receiver's port, for URLs that name the host otherwise.
func (rc *receiver) port() string {
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(rc.URL, "http://"))
	return port
}

// dnsServer answers A queries for the names in hosts on loopback UDP and
// returns a resolver that asks only it.
func dnsServer(t testing.TB, hosts map[string]string) *net.Resolver {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	mux := dns.NewServeMux()
	mux.HandleFunc(".", func(w dns.ResponseWriter, q *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(q)
		m.Authoritative = true
		found := false
		for _, qq := range q.Question {
			ip, ok := hosts[strings.TrimSuffix(strings.ToLower(qq.Name), ".")]
			if !ok {
				continue
			}
			found = true
			if qq.Qtype == dns.TypeA {
				m.Answer = append(m.Answer, &dns.A{
					Hdr: dns.RR_Header{Name: qq.Name, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 60},
					A:   net.ParseIP(ip),
				})
			}
		}
		if !found {
			m.Rcode = dns.RcodeNameError
		}
		_ = w.WriteMsg(m)
	})
	srv := &dns.Server{PacketConn: pc, Handler: mux}
	started := make(chan struct{})
	srv.NotifyStartedFunc = func() { close(started) }
	go func() { _ = srv.ActivateAndServe() }()
	<-started
	t.Cleanup(func() { _ = srv.Shutdown() })
	addr := pc.LocalAddr().String()
	return &net.Resolver{
		PreferGo: true,
		Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, network, addr)
		},
	}
}

// newEngine returns an engine that is not running.
func newEngine(t testing.TB, st *store) *deliver.Engine {
	return deliver.New(testConfig(t, st))
}
