package main

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/hookwatch/hookwatch/core"
)

// metrics are the Prometheus series served on --listen.
type metrics struct {
	reg          *prometheus.Registry
	polls        *prometheus.CounterVec
	pollDuration prometheus.Histogram
	attempts     *prometheus.HistogramVec
}

func newMetrics(deliveries core.DeliveryService) *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		polls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hookwatch_polls_total", Help: "ClickHouse polls by result.",
		}, []string{"result"}),
		pollDuration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "hookwatch_poll_duration_seconds", Help: "Duration of one poll cycle.",
			Buckets: []float64{.01, .025, .05, .1, .2, .5, 1, 2.5, 5, 10},
		}),
		attempts: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "hookwatch_attempt_duration_seconds", Help: "Latency of delivery attempts by verdict and status class.",
			Buckets: prometheus.DefBuckets,
		}, []string{"verdict", "code"}),
	}
	m.reg.MustRegister(m.polls, m.pollDuration, m.attempts, deliveryCollector{deliveries},
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// deliveryCollector reads the outbox at scrape time, so the gauge is right
// even for deliveries queued by another process (`redeliver`).
type deliveryCollector struct{ deliveries core.DeliveryService }

var deliveriesDesc = prometheus.NewDesc("hookwatch_deliveries", "Deliveries in the outbox by state.", []string{"state"}, nil)

func (c deliveryCollector) Describe(ch chan<- *prometheus.Desc) { ch <- deliveriesDesc }

func (c deliveryCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	stats, err := c.deliveries.DeliveryStats(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(deliveriesDesc, err)
		return
	}
	for _, st := range []core.DeliveryState{core.StatePending, core.StateRetrying, core.StateSucceeded, core.StateFailed} {
		ch <- prometheus.MustNewConstMetric(deliveriesDesc, prometheus.GaugeValue, float64(stats[st]), string(st))
	}
}

func (m *Main) observeAttempt(r core.AttemptResult) {
	if m.Metrics == nil || r.Attempt == nil {
		return
	}
	code := "error"
	if r.Attempt.StatusCode > 0 {
		code = strconv.Itoa(r.Attempt.StatusCode/100) + "xx"
	}
	m.Metrics.attempts.WithLabelValues(string(r.Decision.Verdict), code).Observe(r.Attempt.Duration.Seconds())
}

func (m *Main) observePoll(s core.PollStatus) {
	if m.Metrics == nil {
		return
	}
	result := "ok"
	if !s.ClickHouseOK {
		result = "error"
	}
	m.Metrics.polls.WithLabelValues(result).Inc()
	if s.ClickHouseOK {
		m.Metrics.pollDuration.Observe(s.LastPollDuration.Seconds())
	}
}

// serveMetrics serves /healthz and /metrics on addr until Close.
func (m *Main) serveMetrics(addr string) error {
	m.Metrics = newMetrics(m.Deliveries)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return core.FieldErrorf("listen", "cannot listen on %s: %v", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(m.Metrics.reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {
		st, err := m.Triggers.PollStatus(r.Context())
		w.Header().Set("Content-Type", "application/json")
		if err != nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte(`{"ok":false}` + "\n"))
			return
		}
		body := `{"ok":true,"clickhouse_ok":` + strconv.FormatBool(st.ClickHouseOK) + `}` + "\n"
		_, _ = w.Write([]byte(body))
	})
	m.httpSrv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := m.httpSrv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			m.Logger.Error("metrics listener stopped", "err", err)
		}
	}()
	m.Logger.Info("serving /healthz and /metrics", "addr", ln.Addr().String())
	return nil
}
