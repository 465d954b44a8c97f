package poll_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hookwatch/hookwatch/core"
	"github.com/hookwatch/hookwatch/core/poll"
	"github.com/hookwatch/hookwatch/internal/testutil"
	"github.com/hookwatch/hookwatch/storage/clickhouse"
	"github.com/hookwatch/hookwatch/storage/clickhouse/chtest"
	"github.com/hookwatch/hookwatch/storage/sqlite"
)

func TestMain(m *testing.M) { chtest.Main(m) }

// env is one test's world: a fresh events_v2 database on the shared
// ClickHouse, a SQLite file, and the services over it.
type env struct {
	t      *testing.T
	ctx    context.Context
	ch     *chtest.Server
	chdb   string
	path   string
	db     *sqlite.DB
	src    *clickhouse.Source
	stores stores
	// notified counts Notify calls.
	notified atomic.Int64
}

type stores struct {
	sites      *sqlite.SiteService
	goals      *sqlite.GoalService
	hooks      *sqlite.WebhookService
	triggers   *sqlite.TriggerStore
	deliveries *sqlite.DeliveryService
}

func newEnv(t *testing.T) *env {
	t.Helper()
	return newEnvFrom(t, nil)
}

// newEnvFrom is newEnv with the SQLite file first written by prepare, as
// an older hookwatch would have left it.
func newEnvFrom(t *testing.T, prepare func(path string)) *env {
	t.Helper()
	e := &env{t: t, ctx: context.Background()}
	e.ch, e.chdb = chtest.EventsDB(t)
	e.path = filepath.Join(t.TempDir(), "hookwatch.db")
	if prepare != nil {
		prepare(e.path)
	}
	e.open()
	t.Cleanup(func() { e.db.Close() })
	e.src = e.source(e.ch.DSN(e.chdb))
	return e
}

// open (re)opens the SQLite file, as a restarted process would.
func (e *env) open() {
	e.t.Helper()
	db, err := sqlite.Open(e.path)
	if err != nil {
		e.t.Fatal(err)
	}
	e.db = db
	e.stores = stores{
		sites:      sqlite.NewSiteService(db),
		goals:      sqlite.NewGoalService(db),
		hooks:      sqlite.NewWebhookService(db),
		triggers:   sqlite.NewTriggerStore(db),
		deliveries: sqlite.NewDeliveryService(db),
	}
}

// restart closes the database and opens it again.
func (e *env) restart() {
	e.t.Helper()
	if err := e.db.Close(); err != nil {
		e.t.Fatal(err)
	}
	e.open()
}

func (e *env) source(dsn string) *clickhouse.Source {
	e.t.Helper()
	return chtest.Source(e.t, dsn)
}

// config is the tests' poller configuration: the shortest late horizon the
// CLI allows, which leaves a loaded machine 30 s between an insert and the
// poll that counts it, and the drop check at every poll.
func (e *env) config(src core.TrafficSource) poll.Config {
	return poll.Config{
		Source:      src,
		Sites:       e.stores.sites,
		Versions:    e.stores.sites,
		Goals:       e.stores.goals,
		Webhooks:    e.stores.hooks,
		Triggers:    e.stores.triggers,
		Notify:      func() { e.notified.Add(1) },
		LateHorizon: core.MinLateHorizon,
		DropEvery:   time.Nanosecond,
	}
}

func (e *env) poller() *poll.Poller { return poll.New(e.config(e.src)) }

func (e *env) pollOnce(p *poll.Poller) {
	e.t.Helper()
	if err := p.PollOnce(e.ctx); err != nil {
		e.t.Fatalf("PollOnce: %v", err)
	}
	e.checkPruned()
}

// checkPruned fails the test if the store keeps a reported bucket of a
// goal without a state, or before its state's Kept: every poll must prune
// what its commit left behind (core.PollCommit.Prune).
func (e *env) checkPruned() {
	e.t.Helper()
	states := e.goalStates()
	buckets, err := e.stores.triggers.ReportedBuckets(e.ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	for k := range buckets {
		st, ok := states[k.GoalID]
		if !ok || k.Start < st.Kept().Unix() {
			e.t.Errorf("after the poll the store keeps goal %d's bucket at %v; its state %+v keeps from %v",
				k.GoalID, time.Unix(k.Start, 0).UTC(), st, st.Kept().UTC())
		}
	}
}

// chNow is ClickHouse's now(), to which all seeded times are relative.
func (e *env) chNow() time.Time {
	e.t.Helper()
	out, err := e.ch.Query("SELECT toUnixTimestamp(now())")
	if err != nil {
		e.t.Fatal(err)
	}
	sec, err := strconv.ParseInt(strings.TrimSpace(out), 10, 64)
	if err != nil {
		e.t.Fatal(err)
	}
	return time.Unix(sec, 0).UTC()
}

func (e *env) insert(evs ...chtest.Event) {
	e.t.Helper()
	if err := e.ch.InsertEvents(e.chdb, evs); err != nil {
		e.t.Fatal(err)
	}
}

// truncate empties events_v2: traffic stops.
func (e *env) truncate() {
	e.t.Helper()
	if err := e.ch.Exec("TRUNCATE TABLE " + e.chdb + ".events_v2"); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) site(domain string, plausibleID uint64) *core.Site {
	e.t.Helper()
	s := &core.Site{Domain: domain, PlausibleID: plausibleID}
	if err := e.stores.sites.CreateSite(e.ctx, s); err != nil {
		e.t.Fatal(err)
	}
	return s
}

// goal creates g in the env's store.
func (e *env) goal(g *core.Goal) *core.Goal {
	e.t.Helper()
	return testutil.Goal(e.t, e.stores.goals, g)
}

// webhook creates w with a loopback URL and a fresh secret; nothing is
// sent in these tests, the deliveries are read from the outbox.
func (e *env) webhook(w *core.Webhook) *core.Webhook {
	e.t.Helper()
	w.URL = "http://127.0.0.1:9/hook"
	w.AllowPrivate = true
	w.Secret = core.GenerateSecret()
	w.Enabled = true
	if err := e.stores.hooks.CreateWebhook(e.ctx, w); err != nil {
		e.t.Fatal(err)
	}
	return w
}

// delivered returns the deliveries queued for webhook id, oldest first.
func (e *env) delivered(id int64) []*core.Delivery {
	e.t.Helper()
	ds, _, err := e.stores.deliveries.FindDeliveries(e.ctx, core.DeliveryFilter{WebhookID: id, Limit: 10000})
	if err != nil {
		e.t.Fatal(err)
	}
	out := make([]*core.Delivery, 0, len(ds))
	for i := len(ds) - 1; i >= 0; i-- { // FindDeliveries is newest first
		out = append(out, ds[i])
	}
	return out
}

// ofType keeps the deliveries of type typ.
func ofType(ds []*core.Delivery, typ core.EventType) []*core.Delivery {
	var out []*core.Delivery
	for _, d := range ds {
		if d.EventType == typ {
			out = append(out, d)
		}
	}
	return out
}

// watermarks returns each goal's Open: the start of its oldest open bucket.
func (e *env) watermarks() map[int64]time.Time {
	e.t.Helper()
	out := map[int64]time.Time{}
	for id, st := range e.goalStates() {
		out[id] = st.Open
	}
	return out
}

func (e *env) goalStates() map[int64]core.GoalState {
	e.t.Helper()
	st, err := e.stores.triggers.GoalStates(e.ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	return st
}

func (e *env) alertStates() map[core.AlertKey]core.AlertState {
	e.t.Helper()
	st, err := e.stores.triggers.AlertStates(e.ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	return st
}

func (e *env) status() core.PollStatus {
	e.t.Helper()
	st, err := e.stores.triggers.PollStatus(e.ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	return st
}

// pollPast polls until a poll has run at ClickHouse's time t or later,
// and at least once: that poll counted every completion stamped up to t
// and inserted before it, its bucket being open.
func (e *env) pollPast(p *poll.Poller, t time.Time) {
	e.t.Helper()
	reached := testutil.Poll(20*time.Second, func() bool {
		started := e.chNow()
		e.pollOnce(p)
		return !started.Before(t)
	})
	if !reached {
		e.t.Fatalf("ClickHouse's clock did not reach %v within 20 s", t)
	}
}

// eventually waits for cond, failing after 20 s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	testutil.Eventually(t, 20*time.Second, what, cond)
}

// pageviews returns one pageview per user, users numbered from first.
func pageviews(site uint64, at time.Time, path, source string, first, n int) []chtest.Event {
	var evs []chtest.Event
	for i := range n {
		u := uint64(first + i)
		evs = append(evs, chtest.Event{Timestamp: at, Name: "pageview", SiteID: site, UserID: u, SessionID: u + 1e6,
			Pathname: path, ReferrerSource: source, Hostname: "example.com"})
	}
	return evs
}

// goalEvents returns n events named name (or pageviews of path, when name
// is "pageview"), one per user, at at.
func goalEvents(site uint64, at time.Time, name, path string, first, n int) []chtest.Event {
	var evs []chtest.Event
	for i := range n {
		u := uint64(first + i)
		evs = append(evs, chtest.Event{Timestamp: at, Name: name, SiteID: site, UserID: u, SessionID: u + 1e6,
			Pathname: path, Hostname: "example.com"})
	}
	return evs
}

// goalData is the data of a goal.completed payload.
type goalData struct {
	Site           string       `json:"site"`
	SiteID         uint64       `json:"site_id"`
	Goal           core.GoalRef `json:"goal"`
	Completions    uint64       `json:"completions"`
	UniqueVisitors uint64       `json:"unique_visitors"`
	PeriodStart    time.Time    `json:"period_start"`
	PeriodEnd      time.Time    `json:"period_end"`
}

func decodeGoals(t *testing.T, ds []*core.Delivery) []goalData {
	t.Helper()
	var out []goalData
	for _, d := range ofType(ds, core.EventGoal) {
		var env struct {
			Data goalData `json:"data"`
		}
		if err := json.Unmarshal(d.Payload, &env); err != nil {
			t.Fatal(err)
		}
		out = append(out, env.Data)
	}
	return out
}

// completions sums the completions of goal name over gs.
func completions(gs []goalData, name string) uint64 {
	var n uint64
	for _, g := range gs {
		if g.Goal.Name == name {
			n += g.Completions
		}
	}
	return n
}

// proxy forwards loopback TCP to ClickHouse and can be cut and restored on
// the same port, to fail the real server's connections on demand.
type proxy struct {
	target string
	addr   string
	mu     sync.Mutex
	ln     net.Listener
	conns  map[net.Conn]bool
	// hang makes new connections accepted but never answered, like a
	// server that stopped responding.
	hang bool
}

func startProxy(t *testing.T, target string) *proxy {
	t.Helper()
	p := &proxy{target: target, addr: "127.0.0.1:0", conns: map[net.Conn]bool{}}
	if err := p.up(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.down)
	return p
}

// up listens again (on the same port after the first time).
func (p *proxy) up() error {
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		return err
	}
	p.mu.Lock()
	p.ln, p.addr = ln, ln.Addr().String()
	p.mu.Unlock()
	go p.accept(ln)
	return nil
}

func (p *proxy) accept(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		hang := p.hang
		if hang {
			p.conns[c] = true
		}
		p.mu.Unlock()
		if hang {
			continue
		}
		s, err := net.Dial("tcp", p.target)
		if err != nil {
			c.Close()
			continue
		}
		p.mu.Lock()
		p.conns[c], p.conns[s] = true, true
		p.mu.Unlock()
		go pipe(c, s)
		go pipe(s, c)
	}
}

func pipe(dst, src net.Conn) {
	_, err := io.Copy(dst, src)
	if err == nil || errors.Is(err, net.ErrClosed) {
		dst.Close()
	}
	src.Close()
}

// down stops listening and cuts every connection.
func (p *proxy) down() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for c := range p.conns {
		c.Close()
	}
	clear(p.conns)
}
