package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/hookwatch/hookwatch/core"
)

var _ core.TriggerStore = (*TriggerStore)(nil)

// SampleRetention is how long traffic samples are kept for the chart;
// CommitPoll prunes older ones.
const SampleRetention = 24 * time.Hour

// TriggerStore keeps the poller's state in the database.
type TriggerStore struct {
	db *DB
}

// NewTriggerStore returns the trigger store of db.
func NewTriggerStore(db *DB) *TriggerStore { return &TriggerStore{db: db} }

// AlertStates returns every stored alert state.
func (s *TriggerStore) AlertStates(ctx context.Context) (map[core.AlertKey]core.AlertState, error) {
	tx, err := s.db.beginRead(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	return findAlertStates(ctx, tx)
}

func findAlertStates(ctx context.Context, tx *Tx) (map[core.AlertKey]core.AlertState, error) {
	rows, err := tx.QueryContext(ctx, `SELECT webhook_id, type, firing, last_fired FROM alert_states`)
	if err != nil {
		return nil, dbError("find alert states", err)
	}
	defer rows.Close()
	out := make(map[core.AlertKey]core.AlertState)
	for rows.Next() {
		var k core.AlertKey
		var typ string
		var st core.AlertState
		var last sql.NullInt64
		if err := rows.Scan(&k.WebhookID, &typ, &st.Firing, &last); err != nil {
			return nil, dbError("find alert states", err)
		}
		k.Type, st.LastFired = core.EventType(typ), fromNullMS(last)
		out[k] = st
	}
	if err := rows.Err(); err != nil {
		return nil, dbError("find alert states", err)
	}
	return out, nil
}

// DigestMarks returns, per (webhook, goal), the start of the next digest
// to report.
func (s *TriggerStore) DigestMarks(ctx context.Context) (map[core.DigestKey]time.Time, error) {
	tx, err := s.db.beginRead(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	return findDigestMarks(ctx, tx)
}

func findDigestMarks(ctx context.Context, tx *Tx) (map[core.DigestKey]time.Time, error) {
	rows, err := tx.QueryContext(ctx, `SELECT webhook_id, goal_id, next_start FROM digest_marks`)
	if err != nil {
		return nil, dbError("find digest marks", err)
	}
	defer rows.Close()
	out := make(map[core.DigestKey]time.Time)
	for rows.Next() {
		var k core.DigestKey
		var next int64
		if err := rows.Scan(&k.WebhookID, &k.GoalID, &next); err != nil {
			return nil, dbError("find digest marks", err)
		}
		out[k] = fromMS(next)
	}
	if err := rows.Err(); err != nil {
		return nil, dbError("find digest marks", err)
	}
	return out, nil
}

// CommitPoll writes everything one poll decided in one transaction: alert
// states, goal states and reported buckets (see saveGoalStates), digest
// marks (deleting those set to the zero time), the deliveries (as Enqueue
// does), the poll status and the traffic samples, and prunes samples older
// than SampleRetention. State of webhooks and goals deleted since the poll
// read them is dropped.
func (s *TriggerStore) CommitPoll(ctx context.Context, c core.PollCommit) error {
	tx, err := s.db.beginWrite(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := commitPoll(ctx, tx, c); err != nil {
		return err
	}
	return tx.commit()
}

func commitPoll(ctx context.Context, tx *Tx, c core.PollCommit) error {
	if c.ConfigVersion != 0 {
		v, err := configVersion(ctx, tx)
		if err != nil {
			return err
		}
		if v != c.ConfigVersion {
			return core.Errorf(core.ECONFLICT, "commit poll: %w", core.ErrConfigChanged)
		}
	}
	if err := saveAlertStates(ctx, tx, c.Alerts); err != nil {
		return err
	}
	if err := saveGoalStates(ctx, tx, c); err != nil {
		return err
	}
	if err := saveDigestMarks(ctx, tx, c.DigestMarks); err != nil {
		return err
	}
	if err := enqueue(ctx, tx, c.Deliveries); err != nil {
		return err
	}
	if err := savePollStatus(ctx, tx, c.Status); err != nil {
		return err
	}
	if err := addLateEvents(ctx, tx, c.LateEvents); err != nil {
		return err
	}
	if err := saveSamples(ctx, tx, c.Samples); err != nil {
		return err
	}
	return pruneSamples(ctx, tx, tx.now.Add(-SampleRetention))
}

// saveAlertStates upserts alerts, skipping those of webhooks deleted since
// the poll read them.
func saveAlertStates(ctx context.Context, tx *Tx, alerts map[core.AlertKey]core.AlertState) error {
	if len(alerts) == 0 {
		return nil
	}
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO alert_states (webhook_id, type, firing, last_fired)
		SELECT ?1, ?2, ?3, ?4 WHERE EXISTS (SELECT 1 FROM webhooks WHERE id = ?1)
		ON CONFLICT (webhook_id, type) DO UPDATE SET firing = excluded.firing, last_fired = excluded.last_fired`)
	if err != nil {
		return dbError("save alert states", err)
	}
	defer stmt.Close()
	for k, st := range alerts {
		if _, err := stmt.ExecContext(ctx, k.WebhookID, string(k.Type), boolInt(st.Firing), nullMS(st.LastFired)); err != nil {
			return dbError("save alert state", err)
		}
	}
	return nil
}

// addLateEvents adds n to the poll status's count of late events; it must
// follow savePollStatus, which creates the row.
func addLateEvents(ctx context.Context, tx *Tx, n uint64) error {
	if n == 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `UPDATE poll_status SET late_events = late_events + ? WHERE id = 1`, int64(n)); err != nil {
		return dbError("count late events", err)
	}
	return nil
}

// saveSamples inserts samples, skipping those of sites deleted since the
// poll read them.
func saveSamples(ctx context.Context, tx *Tx, samples []core.TrafficSample) error {
	if len(samples) == 0 {
		return nil
	}
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO traffic_samples (site_id, at, current_visitors, fired)
		SELECT ?1, ?2, ?3, ?4 WHERE EXISTS (SELECT 1 FROM sites WHERE id = ?1)`)
	if err != nil {
		return dbError("save traffic samples", err)
	}
	defer stmt.Close()
	for _, smp := range samples {
		if _, err := stmt.ExecContext(ctx, smp.SiteID, ms(smp.At), int64(smp.CurrentVisitors), joinEventTypes(smp.Fired)); err != nil {
			return dbError("save traffic sample", err)
		}
	}
	return nil
}

// pruneSamples deletes the traffic samples taken before cutoff.
func pruneSamples(ctx context.Context, tx *Tx, cutoff time.Time) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM traffic_samples WHERE at < ?`, ms(cutoff)); err != nil {
		return dbError("prune traffic samples", err)
	}
	return nil
}

// SavePollStatus records the status of a poll that changed nothing else.
func (s *TriggerStore) SavePollStatus(ctx context.Context, st core.PollStatus) error {
	tx, err := s.db.beginWrite(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := savePollStatus(ctx, tx, st); err != nil {
		return err
	}
	return tx.commit()
}

// PollStatus returns the last poll's status; the zero status before the
// first poll.
func (s *TriggerStore) PollStatus(ctx context.Context) (core.PollStatus, error) {
	tx, err := s.db.beginRead(ctx)
	if err != nil {
		return core.PollStatus{}, err
	}
	defer tx.Rollback()
	return readPollStatus(ctx, tx)
}

func readPollStatus(ctx context.Context, tx *Tx) (core.PollStatus, error) {
	var st core.PollStatus
	var at, since sql.NullInt64
	var dur int64
	var late int64
	err := tx.QueryRowContext(ctx, `SELECT last_poll_at, last_poll_ms, clickhouse_ok, clickhouse_error,
		clickhouse_since, server_version, late_events FROM poll_status WHERE id = 1`).
		Scan(&at, &dur, &st.ClickHouseOK, &st.ClickHouseError, &since, &st.ServerVersion, &late)
	if err == sql.ErrNoRows {
		return core.PollStatus{}, nil
	} else if err != nil {
		return core.PollStatus{}, dbError("read poll status", err)
	}
	st.LastPollAt, st.ClickHouseSince = fromNullMS(at), fromNullMS(since)
	st.LastPollDuration = time.Duration(dur) * time.Millisecond
	st.LateEvents = uint64(late)
	return st, nil
}

// saveDigestMarks upserts marks, deletes those set to the zero time, and
// skips those of webhooks or goals deleted since the poll read them.
func saveDigestMarks(ctx context.Context, tx *Tx, marks map[core.DigestKey]time.Time) error {
	if len(marks) == 0 {
		return nil
	}
	upsert, err := tx.PrepareContext(ctx, `INSERT INTO digest_marks (webhook_id, goal_id, next_start)
		SELECT ?1, ?2, ?3 WHERE EXISTS (SELECT 1 FROM webhooks WHERE id = ?1)
			AND EXISTS (SELECT 1 FROM goals WHERE id = ?2)
		ON CONFLICT (webhook_id, goal_id) DO UPDATE SET next_start = excluded.next_start`)
	if err != nil {
		return dbError("save digest marks", err)
	}
	defer upsert.Close()
	del, err := tx.PrepareContext(ctx, `DELETE FROM digest_marks WHERE webhook_id = ? AND goal_id = ?`)
	if err != nil {
		return dbError("delete digest marks", err)
	}
	defer del.Close()
	for k, next := range marks {
		if next.IsZero() {
			_, err = del.ExecContext(ctx, k.WebhookID, k.GoalID)
		} else {
			_, err = upsert.ExecContext(ctx, k.WebhookID, k.GoalID, ms(next))
		}
		if err != nil {
			return dbError("save digest mark", err)
		}
	}
	return nil
}

func savePollStatus(ctx context.Context, tx *Tx, st core.PollStatus) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO poll_status (id, last_poll_at, last_poll_ms, clickhouse_ok,
		clickhouse_error, clickhouse_since, server_version) VALUES (1, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET last_poll_at = excluded.last_poll_at, last_poll_ms = excluded.last_poll_ms,
		clickhouse_ok = excluded.clickhouse_ok, clickhouse_error = excluded.clickhouse_error,
		clickhouse_since = excluded.clickhouse_since, server_version = excluded.server_version`,
		nullMS(st.LastPollAt), st.LastPollDuration.Milliseconds(), boolInt(st.ClickHouseOK), st.ClickHouseError,
		nullMS(st.ClickHouseSince), st.ServerVersion)
	if err != nil {
		return dbError("save poll status", err)
	}
	return nil
}

// TrafficSamples returns a site's samples since t, oldest first.
func (s *TriggerStore) TrafficSamples(ctx context.Context, siteID int64, since time.Time) ([]core.TrafficSample, error) {
	tx, err := s.db.beginRead(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	return findTrafficSamples(ctx, tx, siteID, since)
}

func findTrafficSamples(ctx context.Context, tx *Tx, siteID int64, since time.Time) ([]core.TrafficSample, error) {
	rows, err := tx.QueryContext(ctx, `SELECT at, current_visitors, fired FROM traffic_samples
		WHERE site_id = ? AND at >= ? ORDER BY at, id`, siteID, ms(since))
	if err != nil {
		return nil, dbError("find traffic samples", err)
	}
	defer rows.Close()
	var out []core.TrafficSample
	for rows.Next() {
		smp := core.TrafficSample{SiteID: siteID}
		var at, visitors int64
		var fired string
		if err := rows.Scan(&at, &visitors, &fired); err != nil {
			return nil, dbError("find traffic samples", err)
		}
		smp.At, smp.CurrentVisitors, smp.Fired = fromMS(at), uint64(visitors), splitEventTypes(fired)
		out = append(out, smp)
	}
	if err := rows.Err(); err != nil {
		return nil, dbError("find traffic samples", err)
	}
	return out, nil
}
