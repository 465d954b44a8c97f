package chtest_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hookwatch/hookwatch/storage/clickhouse/chtest"
)

func TestMain(m *testing.M) { chtest.Main(m) }

func TestEventsDB(t *testing.T) {
	t.Run("round-trips inserted events through HTTP", func(t *testing.T) {
		srv, db := chtest.EventsDB(t)
		ts := time.Date(2024, 3, 1, 12, 30, 45, 0, time.UTC)
		evs := []chtest.Event{
			{Timestamp: ts, Name: "pageview", SiteID: 7, UserID: 1, Pathname: "/a", CountryCode: "DE"},
			{Timestamp: ts.Add(time.Second), Name: "Signup", SiteID: 7, UserID: 2, MetaKey: []string{"plan"}, MetaValue: []string{"pro"}},
			{Timestamp: ts, Name: "pageview", SiteID: 8, UserID: 1, Pathname: "/it's"},
		}
		if err := srv.InsertEvents(db, evs); err != nil {
			t.Fatal(err)
		}
		out, err := srv.Query("SELECT site_id, name, toUnixTimestamp(timestamp), pathname, meta.value FROM " + db + ".events_v2 ORDER BY site_id, timestamp FORMAT CSV")
		if err != nil {
			t.Fatal(err)
		}
		want := strings.Join([]string{
			`7,"pageview",1709296245,"/a","[]"`,
			`7,"Signup",1709296246,"","['pro']"`,
			`8,"pageview",1709296245,"/it's","[]"`,
		}, "\n") + "\n"
		if out != want {
			t.Errorf("got rows\n%s\nwant\n%s", out, want)
		}
	})
	t.Run("has the columns and types of Plausible CE's events_v2", func(t *testing.T) {
		srv, db := chtest.EventsDB(t)
		out, err := srv.Query("SELECT name, type, default_kind FROM system.columns WHERE database = '" + db + "' AND table = 'events_v2' FORMAT TSV")
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
			f := strings.Split(line, "\t")
			got[f[0]] = strings.TrimSpace(f[1] + " " + f[2])
		}
		// From plausible/analytics priv/ingest_repo/structure.sql as of
		// migration 20250912094034; acquisition_channel is MATERIALIZED
		// there too, from an expression over dictionaries.
		lc := "LowCardinality(String)"
		want := map[string]string{
			"timestamp": "DateTime", "name": lc, "site_id": "UInt64", "user_id": "UInt64", "session_id": "UInt64",
			"hostname": "String", "pathname": "String", "referrer": "String", "referrer_source": "String",
			"country_code": "FixedString(2)", "screen_size": lc, "operating_system": lc, "browser": lc,
			"utm_medium": "String", "utm_source": "String", "utm_campaign": "String", "utm_content": "String", "utm_term": "String",
			"meta.key": "Array(String)", "meta.value": "Array(String)",
			"browser_version": lc, "operating_system_version": lc, "subdivision1_code": lc, "subdivision2_code": lc, "city_geoname_id": "UInt32",
			"revenue_reporting_amount": "Nullable(Decimal(18, 3))", "revenue_reporting_currency": "FixedString(3)",
			"revenue_source_amount": "Nullable(Decimal(18, 3))", "revenue_source_currency": "FixedString(3)",
			"city": "UInt32 ALIAS", "country": "LowCardinality(FixedString(2)) ALIAS", "device": lc + " ALIAS",
			"os": lc + " ALIAS", "os_version": lc + " ALIAS", "region": lc + " ALIAS", "screen": lc + " ALIAS",
			"source": "String ALIAS", "channel": lc, "click_id_param": lc, "scroll_depth": "UInt8", "acquisition_channel": lc + " MATERIALIZED",
			"engagement_time": "UInt32", "batch": "UInt64",
		}
		for col, typ := range want {
			if got[col] != typ {
				t.Errorf("column %s is %q; want %q", col, got[col], typ)
			}
		}
		for col := range got {
			if _, ok := want[col]; !ok {
				t.Errorf("column %s (%s) is not in Plausible's events_v2", col, got[col])
			}
		}
		keys, err := srv.Query("SELECT sorting_key, primary_key, sampling_key, partition_key FROM system.tables WHERE database = '" + db + "' AND name = 'events_v2' FORMAT TSV")
		if err != nil {
			t.Fatal(err)
		}
		if want := "site_id, toDate(timestamp), name, user_id, timestamp\tsite_id, toDate(timestamp), name, user_id\tuser_id\ttoYYYYMM(timestamp)\n"; keys != want {
			t.Errorf("keys %q; want %q", keys, want)
		}
	})
	t.Run("seeds synthetic events server-side", func(t *testing.T) {
		srv, db := chtest.EventsDB(t)
		if err := srv.SeedSynthetic(db, 10, 5000, time.Hour); err != nil {
			t.Fatal(err)
		}
		out, err := srv.Query("SELECT count(), uniqExact(site_id), min(site_id), max(site_id), max(timestamp) <= now(), min(timestamp) >= now() - 3601 FROM " + db + ".events_v2")
		if err != nil {
			t.Fatal(err)
		}
		if got, want := strings.TrimSpace(out), "5000\t10\t1\t10\t1\t1"; got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	})
	t.Run("reports a bad statement with the server's message", func(t *testing.T) {
		srv := chtest.Shared(t)
		err := srv.Exec("SELECT nosuchfunction(1)")
		if err == nil || !strings.Contains(err.Error(), "nosuchfunction") {
			t.Errorf("got %v, want an error naming nosuchfunction", err)
		}
	})
}

// fakeTB records how the harness ends a test without ending this one.
type fakeTB struct {
	testing.TB
	skipped, failed string
}

func (f *fakeTB) Helper()           {}
func (f *fakeTB) Skip(args ...any)  { f.skipped = fmt.Sprint(args...) }
func (f *fakeTB) Fatal(args ...any) { f.failed = fmt.Sprint(args...) }
func (f *fakeTB) Cleanup(func())    {}

func TestStartWithoutBinary(t *testing.T) {
	missing := chtest.Options{Binary: "/nonexistent/clickhouse-server"}
	t.Run("fails loudly under CI", func(t *testing.T) {
		t.Setenv("CI", "true")
		f := &fakeTB{TB: t}
		if srv := chtest.StartWith(f, missing); srv != nil {
			t.Fatal("got a server from a missing binary")
		}
		if f.skipped != "" || !strings.Contains(f.failed, "run `make test`, which installs it") {
			t.Errorf("skipped %q, failed %q; want a failure telling to run make test", f.skipped, f.failed)
		}
	})
	t.Run("skips outside CI", func(t *testing.T) {
		t.Setenv("CI", "")
		f := &fakeTB{TB: t}
		chtest.StartWith(f, missing)
		if f.failed != "" || !strings.Contains(f.skipped, "clickhouse-server not found") {
			t.Errorf("skipped %q, failed %q; want a skip naming the missing binary", f.skipped, f.failed)
		}
	})
}

func TestStartStop(t *testing.T) {
	srv := chtest.Start(t)
	if err := srv.Exec("SELECT 1"); err != nil {
		t.Fatal(err)
	}
	srv.Stop()
	if err := srv.Exec("SELECT 1"); err == nil {
		t.Error("server still answers after Stop")
	}
}

func TestSweepsStaleFolders(t *testing.T) {
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Skip("no `true` to make a dead pid:", err)
	}
	stale, err := os.MkdirTemp("", "chtest-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(stale) })
	if err := os.WriteFile(filepath.Join(stale, "owner.pid"), []byte(strconv.Itoa(dead.Process.Pid)), 0o644); err != nil {
		t.Fatal(err)
	}
	chtest.Start(t)
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("folder of a dead test binary still there: %v", err)
	}
}
