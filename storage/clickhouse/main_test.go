package clickhouse_test

import (
	"context"
	"testing"
	"time"

	"github.com/hookwatch/hookwatch/storage/clickhouse"
	"github.com/hookwatch/hookwatch/storage/clickhouse/chtest"
)

func TestMain(m *testing.M) { chtest.Main(m) }

// open returns a Source on database db of srv, closed when t ends.
func open(t testing.TB, srv *chtest.Server, db string) *clickhouse.Source {
	t.Helper()
	return chtest.Source(t, srv.DSN(db))
}

// serverNow returns ClickHouse's now(), to which seeds are anchored so
// that the 5-minute and 12-hour windows hold what the test put in them.
func serverNow(t testing.TB, src *clickhouse.Source) time.Time {
	t.Helper()
	now, err := src.Now(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return now
}

func insert(t testing.TB, srv *chtest.Server, db string, evs []chtest.Event) {
	t.Helper()
	if err := srv.InsertEvents(db, evs); err != nil {
		t.Fatal(err)
	}
}
