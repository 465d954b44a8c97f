package sqlite_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/hookwatch/hookwatch/core"
	"github.com/hookwatch/hookwatch/storage/sqlite"
)

// BenchmarkRecordAttempts records batches of 256 retried attempts, each an
// attempt row, a delivery update and a webhook health update, and reports
// attempts/s beside a same-run baseline: the bare INSERT of the same
// attempt rows in one transaction, the floor of what the outbox costs.
func BenchmarkRecordAttempts(b *testing.B) {
	const batch = 256
	ctx := context.Background()
	path := filepath.Join(b.TempDir(), "hookwatch.db")
	db, _ := mustOpenPath(b, path)
	mustSite(b, db, "example.com", 1)
	var hooks []*core.Webhook
	for range 8 {
		hooks = append(hooks, mustWebhook(b, db, "example.com"))
	}
	outbox := sqlite.NewDeliveryService(db)
	var nds []core.NewDelivery
	for i := range batch {
		nds = append(nds, core.NewDelivery{WebhookID: hooks[i%len(hooks)].ID, EventKey: fmt.Sprint("k", i),
			EventType: core.EventGoal, Payload: []byte(`{"type":"goal.completed"}`)})
	}
	if err := outbox.Enqueue(ctx, nds); err != nil {
		b.Fatal(err)
	}
	ds, _, err := outbox.FindDeliveries(ctx, core.DeliveryFilter{Limit: batch})
	if err != nil {
		b.Fatal(err)
	}
	attempt := func(d *core.Delivery) *core.Attempt {
		return &core.Attempt{StartedAt: t0, Duration: 3 * time.Millisecond, StatusCode: 503,
			RequestHeaders:  map[string][]string{"Webhook-Id": {d.MsgID}},
			ResponseHeaders: map[string][]string{"Content-Type": {"text/plain"}}, ResponseBody: "unavailable"}
	}

	b.ResetTimer()
	start := time.Now()
	for b.Loop() {
		results := make([]core.AttemptResult, len(ds))
		for i, d := range ds {
			results[i] = core.AttemptResult{Delivery: d, Attempt: attempt(d),
				Decision: core.Decision{Verdict: core.VerdictRetry, NextAttemptAt: t0.Add(time.Minute), DisableAfter: 1e6 * time.Hour}}
		}
		if err := outbox.RecordAttempts(ctx, results); err != nil {
			b.Fatal(err)
		}
	}
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(b.N*batch)/elapsed.Seconds(), "attempts/s")

	// Baseline: the same rows through a plain connection, INSERT only.
	raw, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)&_pragma=synchronous(NORMAL)&_txlock=immediate")
	if err != nil {
		b.Fatal(err)
	}
	defer raw.Close()
	start = time.Now()
	for range b.N {
		tx, err := raw.BeginTx(ctx, nil)
		if err != nil {
			b.Fatal(err)
		}
		stmt, err := tx.PrepareContext(ctx, `INSERT INTO attempts (delivery_id, started_at, duration_us, status,
			request_headers, response_headers, response_body, error, interrupted) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0)`)
		if err != nil {
			b.Fatal(err)
		}
		for _, d := range ds {
			if _, err := stmt.ExecContext(ctx, d.ID, t0.UnixMilli(), 3000, 503, `{"Webhook-Id":["`+d.MsgID+`"]}`,
				`{"Content-Type":["text/plain"]}`, "unavailable", ""); err != nil {
				b.Fatal(err)
			}
		}
		stmt.Close()
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*batch)/time.Since(start).Seconds(), "baseline-inserts/s")
}
