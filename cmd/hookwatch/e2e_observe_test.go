package main

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hookwatch/hookwatch/storage/clickhouse/chtest"
)

func TestSiteDiscover(t *testing.T) {
	t.Run("lists the site ids ClickHouse holds with counts and hostnames", func(t *testing.T) {
		srv, chdb := chtest.EventsDB(t)
		seed := &seeder{t: t, srv: srv, db: chdb}
		seed.events(7, "pageview", "/", 5)
		seed.events(9, "pageview", "/", 2)
		seed.events(9, "Signup", "/", 1)
		db := filepath.Join(t.TempDir(), "hw.db")
		mustBin(t, db, "site", "add", "example.com", "--site-id", "9")
		var rows []struct {
			SiteID   uint64 `json:"site_id"`
			Events   uint64 `json:"events"`
			Hostname string `json:"hostname"`
			AddedAs  string `json:"added_as"`
		}
		out := mustBin(t, db, "--clickhouse", srv.DSN(chdb), "site", "discover", "--json")
		if err := json.Unmarshal([]byte(out), &rows); err != nil {
			t.Fatalf("%v in %s", err, out)
		}
		if len(rows) != 2 || rows[0].SiteID != 7 || rows[0].Events != 5 || rows[1].SiteID != 9 || rows[1].Events != 3 ||
			rows[0].Hostname != "example.com" || rows[1].AddedAs != "example.com" || rows[0].AddedAs != "" {
			t.Errorf("discover: %+v", rows)
		}
		if text := mustBin(t, db, "--clickhouse", srv.DSN(chdb), "site", "discover"); !strings.Contains(text, "SITE_ID") {
			t.Errorf("text output: %s", text)
		}
	})
	t.Run("names the endpoint but never the password when ClickHouse is unreachable", func(t *testing.T) {
		db := filepath.Join(t.TempDir(), "hw.db")
		code, out, errs := bin(t, db, "--clickhouse", "clickhouse://reader:s3cret-pw@127.0.0.1:1/plausible_events_db", "site", "discover")
		if code != 1 || !strings.Contains(errs, "127.0.0.1:1") || strings.Contains(out+errs, "s3cret-pw") {
			t.Errorf("exit %d, stdout %q, stderr %q", code, out, errs)
		}
	})
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestListen(t *testing.T) {
	t.Run("serves healthz and Prometheus metrics for polls, deliveries and attempts", func(t *testing.T) {
		srv, chdb := chtest.EventsDB(t)
		rc := newReceiver(t, nil)
		db := filepath.Join(t.TempDir(), "hw.db")
		mustBin(t, db, "site", "add", "example.com", "--site-id", "1")
		id := rc.addWebhook(t, db, "example.com", "/m")
		enqueue(t, db, id, 3, "metrics")
		addr := freeAddr(t)
		startEngine(t, db, "--clickhouse", srv.DSN(chdb), "--poll-interval", "1s", "--listen", addr)
		eventually(t, 20*time.Second, "3 deliveries", func() bool { return len(distinct(rc.all())) == 3 })
		waitPolls(t, db, 1)
		code, body := get(t, "http://"+addr+"/healthz")
		if code != 200 || !strings.Contains(body, `"clickhouse_ok":true`) {
			t.Errorf("healthz: %d %s", code, body)
		}
		var metrics string
		eventually(t, 10*time.Second, "metrics with polls and attempts", func() bool {
			_, metrics = get(t, "http://"+addr+"/metrics")
			return strings.Contains(metrics, `hookwatch_polls_total{result="ok"}`) &&
				strings.Contains(metrics, `hookwatch_attempt_duration_seconds_count{code="2xx",verdict="success"} 3`)
		})
		for _, want := range []string{`hookwatch_deliveries{state="succeeded"} 3`, "hookwatch_poll_duration_seconds_bucket"} {
			if !strings.Contains(metrics, want) {
				t.Errorf("metrics lack %q", want)
			}
		}
	})
}
