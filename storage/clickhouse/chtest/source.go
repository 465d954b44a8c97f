package chtest

import (
	"context"
	"testing"

	"github.com/hookwatch/hookwatch/storage/clickhouse"
)

// Source opens hookwatch's ClickHouse source on dsn (a database of the
// shared instance: srv.DSN(db)) and closes it when tb ends; it fails tb if
// the source does not open.
func Source(tb testing.TB, dsn string) *clickhouse.Source {
	tb.Helper()
	src, err := clickhouse.Open(context.Background(), dsn)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { src.Close() })
	return src
}
