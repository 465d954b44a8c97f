package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/hookwatch/hookwatch/core"
	"github.com/hookwatch/hookwatch/core/deliver"
	"github.com/hookwatch/hookwatch/core/poll"
	"github.com/hookwatch/hookwatch/storage/clickhouse"
	"github.com/hookwatch/hookwatch/storage/sqlite"
)

// leaseTTL is how long an engine's claim on the database lasts without a
// renewal; a crashed engine's claim lapses after it.
const leaseTTL = 30 * time.Second

// Main wires hookwatch together: the store, the ClickHouse source, the
// delivery engine and the poller. The window and --headless share it. The
// caller calls Open (or Run, which opens), then Close exactly once.
type Main struct {
	Config Config
	Stderr io.Writer
	Logger *slog.Logger

	DB    *sqlite.DB
	Sites core.SiteService
	// ConfigVersions numbers the changes to Sites and Goals, so that a
	// poll reads them only after one.
	ConfigVersions core.ConfigVersioner
	Goals          core.GoalService
	Webhooks       core.WebhookService
	Deliveries     core.DeliveryService
	Triggers       core.TriggerStore
	Baselines      core.BaselineStore
	Lease          core.Lease
	Settings       core.SettingsService

	Engine  *deliver.Engine
	Poller  *poll.Poller
	Source  core.TrafficSource
	Metrics *metrics
	history *liveHistory // see HistoryReader
	hooks   *core.WebhookCache

	live    *liveSource // Source, while it is open; applySettings swaps its ClickHouse
	applyMu sync.Mutex  // one applySettings at a time: the watch's and the window's

	holder  string
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	runErr  chan error
	httpSrv *http.Server
	profile *os.File // the hidden --cpuprofile, while it is written

	// runCtx is the engine's context while it runs (see pollNow).
	runMu  sync.Mutex
	runCtx context.Context
}

// NewMain returns a Main with the default configuration.
func NewMain() *Main {
	host, _ := os.Hostname()
	return &Main{
		Config: Config{LogFormat: "text", LogLevel: "info", DrainTimeout: 10 * time.Second},
		Stderr: os.Stderr,
		holder: fmt.Sprintf("pid %d on %s", os.Getpid(), host),
		runErr: make(chan error, 4),
	}
}

// Open opens the database and its services.
func (m *Main) Open(ctx context.Context) error {
	if m.Logger == nil {
		m.Logger = newLogger(m.Stderr, m.Config.LogFormat, m.Config.LogLevel)
	}
	path := envOr(m.Config.DBPath, EnvDB)
	if path == "" {
		p, err := sqlite.DefaultPath()
		if err != nil {
			return err
		}
		path = p
	}
	m.Config.DBPath = path
	db, err := sqlite.Open(path)
	if err != nil {
		return err
	}
	m.DB = db
	sites := sqlite.NewSiteService(db)
	m.Sites, m.ConfigVersions = sites, sites
	m.Goals = sqlite.NewGoalService(db)
	m.Webhooks = sqlite.NewWebhookService(db)
	m.Deliveries = sqlite.NewDeliveryService(db)
	m.Triggers = sqlite.NewTriggerStore(db)
	m.Baselines = sqlite.NewBaselineStore(db)
	lease := sqlite.NewLease(db)
	lease.Stale = staleHolder
	m.Lease = lease
	m.Settings = sqlite.NewSettingsService(db)
	// One webhook cache for the engine and the poller: at 100,000
	// webhooks, a copy each was a third of the live heap.
	m.hooks = &core.WebhookCache{}
	m.Engine = deliver.New(deliver.Config{
		Deliveries:   m.Deliveries,
		Webhooks:     m.Webhooks,
		Hooks:        m.hooks,
		Policy:       m.Config.Retry.Policy(),
		UserAgent:    "hookwatch/" + version,
		Logger:       m.Logger,
		DrainTimeout: m.Config.DrainTimeout,
		PruneAfter:   m.Config.KeepAttempts,
		OnAttempt:    m.observeAttempt,
	})
	return nil
}

// OpenSource connects to ClickHouse. applySettings may replace the
// connection behind the returned source.
func (m *Main) OpenSource(ctx context.Context) (core.TrafficSource, error) {
	if m.Source != nil {
		return m.Source, nil
	}
	dsn := m.ClickHouseDSN(ctx)
	src, err := clickhouse.Open(ctx, dsn)
	if err != nil {
		return nil, err
	}
	m.live = newLiveSource(src, dsn)
	m.Source = m.live
	return m.Source, nil
}

// Run takes the database's engine lease and starts the delivery engine, the
// poller and, if configured, the metrics listener, in the background. It
// returns ECONFLICT if another engine holds the lease.
func (m *Main) Run(ctx context.Context) error {
	if m.DB == nil {
		if err := m.Open(ctx); err != nil {
			return err
		}
	}
	m.startCPUProfile()
	m.watchMemProfile()
	if err := m.Lease.AcquireLease(ctx, m.holder, leaseTTL); err != nil {
		return err
	}
	src, err := m.OpenSource(ctx)
	if err != nil {
		_ = m.Lease.ReleaseLease(context.Background(), m.holder)
		return err
	}
	cfg := poll.Config{
		Source:      src,
		Sites:       m.Sites,
		Versions:    m.ConfigVersions,
		Goals:       m.Goals,
		Webhooks:    m.Webhooks,
		Hooks:       m.hooks,
		Triggers:    m.Triggers,
		Baselines:   m.Baselines,
		Notify:      m.Engine.Notify,
		Interval:    m.PollInterval(ctx),
		LateHorizon: m.Config.LateHorizon,
		Logger:      m.Logger,
		OnPoll:      m.observePoll,
	}
	if counts, ok := src.(core.BaselineSource); ok {
		cfg.Counts = counts
	} else {
		m.Logger.Warn("the traffic source reads no history: anomaly rules will send nothing")
	}
	m.Poller = poll.New(cfg)
	if m.Config.Listen != "" {
		if err := m.serveMetrics(m.Config.Listen); err != nil {
			_ = m.Lease.ReleaseLease(context.Background(), m.holder)
			return err
		}
	}

	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	m.cancel = cancel
	m.runMu.Lock()
	m.runCtx = runCtx
	m.runMu.Unlock()
	m.goRun(func() error { return m.Engine.Run(runCtx) })
	m.goRun(func() error { return m.Poller.Run(runCtx) })
	m.goRun(func() error { return m.renewLease(runCtx) })
	m.goRun(func() error { return m.watchOthers(runCtx) })
	return nil
}

func (m *Main) goRun(f func() error) {
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		if err := f(); err != nil && !errors.Is(err, context.Canceled) {
			m.runErr <- err
		}
	}()
}

// Errors reports a background part that stopped with an error.
func (m *Main) Errors() <-chan error { return m.runErr }

func (m *Main) renewLease(ctx context.Context) error {
	t := time.NewTicker(leaseTTL / 3)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			err := m.Lease.RenewLease(ctx, m.holder, leaseTTL)
			if err == nil || ctx.Err() != nil {
				continue
			}
			// Only another engine holding the lease is a reason to stop; a
			// renewal that failed to write (a full disk, a long lock) is
			// tried again, as the outbox's own writes are.
			if core.ErrorCode(err) != core.ECONFLICT {
				m.Logger.Error("renewing the engine lease failed; trying again", "err", err, "in", leaseTTL/3)
				continue
			}
			m.Logger.Error("engine lease lost; stopping", "err", err)
			return err
		}
	}
}

// Startup returns the attributes of the one line logged at start: where the
// database and ClickHouse are, and how much there is to watch.
func (m *Main) Startup(ctx context.Context) []any {
	sites, hooks, _ := m.DB.Counts(ctx)
	return []any{"version", version, "db", m.Config.DBPath, "clickhouse", clickhouse.Endpoint(m.ClickHouseDSN(ctx)),
		"sites", sites, "webhooks", hooks, "poll_interval", m.PollInterval(ctx).String()}
}

// Close stops the engine, draining attempts in flight (bounded by the drain
// timeout), releases the lease and closes the database.
func (m *Main) Close() error {
	if m.cancel != nil {
		m.runMu.Lock()
		m.cancel() // under runMu, so that pollNow adds to wg before Wait or not at all
		m.runMu.Unlock()
		m.wg.Wait()
		m.cancel = nil
		_ = m.Lease.ReleaseLease(context.Background(), m.holder)
	}
	if m.httpSrv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_ = m.httpSrv.Shutdown(ctx)
		cancel()
		m.httpSrv = nil
	}
	err := errors.Join(m.stopCPUProfile(), m.writeMemProfile(m.Config.MemProfile))
	if m.Source != nil {
		if cerr := m.Source.Close(); err == nil {
			err = cerr
		}
		m.Source, m.live = nil, nil
	}
	if m.DB != nil {
		if cerr := m.DB.Close(); err == nil {
			err = cerr
		}
		m.DB = nil
	}
	return err
}

func newLogger(w io.Writer, format, level string) *slog.Logger {
	var lv slog.Level
	switch strings.ToLower(level) {
	case "debug":
		lv = slog.LevelDebug
	case "warn":
		lv = slog.LevelWarn
	case "error":
		lv = slog.LevelError
	}
	opts := &slog.HandlerOptions{Level: lv}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
