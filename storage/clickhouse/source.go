package clickhouse

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/hookwatch/hookwatch/core"
)

var _ core.TrafficSource = (*Source)(nil)

// defaultDialTimeout keeps an unreachable server from holding a poll for
// the driver's default 30 s; a DSN's dial_timeout overrides it.
const defaultDialTimeout = 5 * time.Second

// Source reads Plausible's events_v2 over ClickHouse's native protocol.
// It is safe for concurrent use. Every query covers many sites at once.
type Source struct {
	conn     driver.Conn
	endpoint string
	secrets  []string
}

// Open returns a Source for dsn, such as core.DefaultClickHouseDSN or
// clickhouse://user:password@host:9000/db?secure=true&skip_verify=true.
// It checks the DSN but does not contact the server, so that hookwatch
// starts while ClickHouse is down; call Version to check the connection.
// The caller must Close the Source.
func Open(ctx context.Context, dsn string) (*Source, error) {
	secrets := core.DSNPasswordForms(dsn)
	u, err := url.Parse(dsn)
	if err != nil {
		return nil, core.FieldErrorf("clickhouse", "%s is not a DSN such as %s", core.RedactDSN(dsn), core.DefaultClickHouseDSN)
	}
	switch u.Scheme {
	case "clickhouse", "tcp":
	default:
		return nil, core.FieldErrorf("clickhouse", "%s: the scheme must be clickhouse:// (native protocol, port 9000 or 9440 with ?secure=true)", core.RedactDSN(dsn))
	}
	opts, err := clickhouse.ParseDSN(dsn)
	if err != nil {
		return nil, core.FieldErrorf("clickhouse", "%s: %s", core.RedactDSN(dsn), scrub(err.Error(), secrets))
	}
	for i, addr := range opts.Addr {
		opts.Addr[i] = withPort(addr, opts.TLS != nil)
	}
	if opts.DialTimeout == 0 {
		opts.DialTimeout = defaultDialTimeout
	}
	if opts.Auth.Database == "" {
		opts.Auth.Database = "default"
	}
	conn, err := clickhouse.Open(opts)
	if err != nil {
		return nil, core.FieldErrorf("clickhouse", "%s: %s", core.RedactDSN(dsn), scrub(err.Error(), secrets))
	}
	return &Source{conn: conn, endpoint: Endpoint(dsn), secrets: secrets}, nil
}

// Close closes the connections.
func (s *Source) Close() error {
	return s.wrap("close", s.conn.Close())
}

// Now implements core.TrafficSource.
func (s *Source) Now(ctx context.Context) (time.Time, error) {
	var now time.Time
	if err := s.conn.QueryRow(ctx, "SELECT now()").Scan(&now); err != nil {
		return time.Time{}, s.wrap("now", err)
	}
	return now.UTC(), nil
}

// Version implements core.TrafficSource.
func (s *Source) Version(ctx context.Context) (string, error) {
	var v string
	if err := s.conn.QueryRow(ctx, "SELECT version()").Scan(&v); err != nil {
		return "", s.wrap("version", err)
	}
	return v, nil
}

// Error is a failed ClickHouse call. Its message names the server and
// never holds the DSN's password: the driver's error is kept only as text
// with the password taken out, so no caller can unwrap its way to it.
// Cancellation and deadlines still match errors.Is.
type Error struct {
	Op       string // the call that failed: "visitors", "version", …
	Endpoint string // host:port/database
	Msg      string
	ctxErr   error
}

func (e *Error) Error() string {
	return fmt.Sprintf("clickhouse %s: %s: %s", e.Endpoint, e.Op, e.Msg)
}

// Unwrap returns context.Canceled or context.DeadlineExceeded when the
// call ended that way, and nil otherwise.
func (e *Error) Unwrap() error { return e.ctxErr }

func (s *Source) wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	e := &Error{Op: op, Endpoint: s.endpoint, Msg: scrub(err.Error(), s.secrets)}
	switch {
	case errors.Is(err, context.Canceled):
		e.ctxErr = context.Canceled
	case errors.Is(err, context.DeadlineExceeded):
		e.ctxErr = context.DeadlineExceeded
	}
	if strings.Contains(e.Msg, "connection refused") || strings.Contains(e.Msg, "no such host") || strings.Contains(e.Msg, "i/o timeout") {
		e.Msg = "cannot reach the server (" + e.Msg + ")"
	}
	return e
}

// unix returns the whole second at which a window bound falls, for
// DateTime's one-second resolution: with integer timestamps, t >= from
// and t < to hold exactly when t >= ceil(from) and t < ceil(to).
func unix(t time.Time) int64 {
	sec := t.Unix()
	if t.Nanosecond() > 0 {
		sec++
	}
	return sec
}

// ids renders site ids as an IN list: clickhouse-go binds a plain slice
// as an array, which 18.16 refuses in IN.
func ids(siteIDs []uint64) clickhouse.GroupSet {
	v := make([]any, len(siteIDs))
	for i, id := range siteIDs {
		v[i] = id
	}
	return clickhouse.GroupSet{Value: v}
}
