package main

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// hw runs the CLI in-process against db and returns its exit code and output.
func hw(t *testing.T, db string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), append([]string{"--db", db}, args...), strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

// mustHW runs the CLI and fails the test unless it exits 0.
func mustHW(t *testing.T, db string, args ...string) string {
	t.Helper()
	code, out, errs := hw(t, db, args...)
	if code != 0 {
		t.Fatalf("hookwatch %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), code, out, errs)
	}
	return out
}

func newDB(t *testing.T) string {
	t.Helper()
	db := filepath.Join(t.TempDir(), "hw.db")
	mustHW(t, db, "site", "add", "example.com", "--site-id", "1")
	return db
}

func webhookCount(t *testing.T, db string) int {
	t.Helper()
	var hooks []map[string]any
	if err := json.Unmarshal([]byte(mustHW(t, db, "webhook", "list", "--json")), &hooks); err != nil {
		t.Fatal(err)
	}
	return len(hooks)
}

func TestWebhookAdd(t *testing.T) {
	t.Run("refuses bad input with exit 2, the field and the rule, and saves nothing", func(t *testing.T) {
		db := newDB(t)
		for _, tc := range []struct {
			name string
			args []string
			want string
		}{
			{"ftp scheme", []string{"example.com", "ftp://x"}, `url: must use http or https, not "ftp"`},
			{"loopback without allow-private", []string{"example.com", "http://127.0.0.1/"}, "url: host 127.0.0.1 is a loopback address"},
			{"numeric loopback spelling", []string{"example.com", "http://2130706433/"}, "url: host 2130706433 is a loopback address"},
			{"metadata address", []string{"example.com", "http://169.254.169.254/latest"}, "link-local"},
			{"localhost name", []string{"example.com", "http://api.localhost/"}, "localhost name"},
			{"negative threshold", []string{"example.com", "https://example.com/h", "--spike-threshold", "-1"}, `spike_threshold: must be an integer ≥ 1, not "-1"`},
			{"zero threshold", []string{"example.com", "https://example.com/h", "--drop-threshold", "0"}, "drop_threshold: must be an integer ≥ 1"},
			{"unknown event type", []string{"example.com", "https://example.com/h", "--events", "traffic.boom"}, `events: unknown event type "traffic.boom"`},
			{"traffic event without threshold", []string{"example.com", "https://example.com/h", "--events", "traffic.spike"}, "spike_threshold: is required when subscribing to traffic.spike"},
			{"unknown site", []string{"nope.example", "https://example.com/h"}, "nope.example"},
			{"malformed secret", []string{"example.com", "https://example.com/h", "--secret", "whsec_%%%"}, "secret: must be whsec_ followed by valid standard base64"},
			{"short secret", []string{"example.com", "https://example.com/h", "--secret", "whsec_YWJj"}, "secret: must decode to 24–64 bytes, not 3"},
			{"userinfo in URL", []string{"example.com", "https://u:p@example.com/h"}, "url: must not contain a user name or password"},
			{"unknown format", []string{"example.com", "https://example.com/h", "--format", "carrier-pigeon"}, `format: unknown format "carrier-pigeon"`},
			{"bad cooldown", []string{"example.com", "https://example.com/h", "--cooldown", "soon"}, "cooldown: must be a duration"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				code, _, errs := hw(t, db, append([]string{"webhook", "add"}, tc.args...)...)
				if code != 2 {
					t.Errorf("exit %d, want 2 (stderr %q)", code, errs)
				}
				if !strings.Contains(errs, tc.want) {
					t.Errorf("stderr %q does not contain %q", errs, tc.want)
				}
				if n := webhookCount(t, db); n != 0 {
					t.Errorf("%d webhooks saved, want 0", n)
				}
			})
		}
	})

	t.Run("refuses an 11th webhook on one site", func(t *testing.T) {
		db := newDB(t)
		for i := 0; i < 10; i++ {
			mustHW(t, db, "webhook", "add", "example.com", "https://example.com/h")
		}
		code, _, errs := hw(t, db, "webhook", "add", "example.com", "https://example.com/h")
		if code != 2 || !strings.Contains(errs, "at most 10 webhooks per site") {
			t.Errorf("exit %d, stderr %q; want 2 and the rule", code, errs)
		}
		if n := webhookCount(t, db); n != 10 {
			t.Errorf("%d webhooks, want 10", n)
		}
	})

	t.Run("accepts flags after the positional arguments and prints the secret once", func(t *testing.T) {
		db := newDB(t)
		out := mustHW(t, db, "webhook", "add", "example.com", "https://hooks.example.com/in", "--spike-threshold", "200", "--json")
		var w struct {
			ID             int64    `json:"id"`
			Site           string   `json:"site"`
			URL            string   `json:"url"`
			Secret         string   `json:"secret"`
			Events         []string `json:"events"`
			SpikeThreshold int      `json:"spike_threshold"`
			Enabled        bool     `json:"enabled"`
			CreatedAt      string   `json:"created_at"`
		}
		if err := json.Unmarshal([]byte(out), &w); err != nil {
			t.Fatalf("%v in %s", err, out)
		}
		if w.ID < 1 || w.Site != "example.com" || !w.Enabled || w.SpikeThreshold != 200 {
			t.Errorf("got %+v", w)
		}
		if strings.Join(w.Events, ",") != "goal.completed,traffic.spike" {
			t.Errorf("events %v, want goal.completed and traffic.spike (defaults with a spike threshold)", w.Events)
		}
		if !strings.HasPrefix(w.Secret, "whsec_") {
			t.Errorf("secret %q is not whsec_…", w.Secret)
		}
		if !strings.HasSuffix(w.CreatedAt, "Z") {
			t.Errorf("created_at %q is not RFC 3339 UTC", w.CreatedAt)
		}
		for _, args := range [][]string{{"webhook", "list"}, {"webhook", "list", "--json"}, {"deliveries", "--json"}, {"status", "--json"}} {
			if out := mustHW(t, db, args...); strings.Contains(out, w.Secret) {
				t.Errorf("%v prints the secret", args)
			}
		}
	})

	t.Run("accepts global flags before the subcommand", func(t *testing.T) {
		db := newDB(t)
		out := mustHW(t, db, "webhook", "add", "--drop-threshold", "5", "example.com", "https://example.com/h")
		if !strings.Contains(out, "goal.completed,traffic.drop") {
			t.Errorf("output %q lacks the default events", out)
		}
	})
}

func TestWebhookEdit(t *testing.T) {
	t.Run("changes only the flags given", func(t *testing.T) {
		db := newDB(t)
		mustHW(t, db, "goal", "add", "example.com", "--event", "Signup")
		mustHW(t, db, "webhook", "add", "example.com", "https://example.com/h", "--spike-threshold", "50", "--goals", "Signup")
		var w map[string]any
		if err := json.Unmarshal([]byte(mustHW(t, db, "webhook", "edit", "1", "--spike-threshold", "75", "--json")), &w); err != nil {
			t.Fatal(err)
		}
		if w["spike_threshold"] != 75.0 || w["url"] != "https://example.com/h" || w["goals"].([]any)[0] != "Signup" {
			t.Errorf("after edit: %v", w)
		}
	})
	t.Run("refuses an invalid URL and keeps the old one", func(t *testing.T) {
		db := newDB(t)
		mustHW(t, db, "webhook", "add", "example.com", "https://example.com/h")
		code, _, errs := hw(t, db, "webhook", "edit", "1", "--url", "http://10.0.0.5/hook")
		if code != 2 || !strings.Contains(errs, "private (RFC 1918)") {
			t.Errorf("exit %d, stderr %q", code, errs)
		}
		if out := mustHW(t, db, "webhook", "list"); !strings.Contains(out, "https://example.com/h") {
			t.Errorf("list after refused edit: %s", out)
		}
	})
	t.Run("allows a private URL with allow-private", func(t *testing.T) {
		db := newDB(t)
		mustHW(t, db, "webhook", "add", "example.com", "https://example.com/h")
		mustHW(t, db, "webhook", "edit", "1", "--url", "http://192.168.1.10:5678/webhook", "--allow-private")
	})
	t.Run("replaces a header given in another case instead of sending both", func(t *testing.T) {
		db := newDB(t)
		mustHW(t, db, "webhook", "add", "example.com", "https://example.com/h", "--header", "Authorization: Bearer old")
		var w struct {
			Headers []string `json:"headers"`
		}
		out := mustHW(t, db, "webhook", "edit", "1", "--header", "authorization: Bearer new", "--json")
		if err := json.Unmarshal([]byte(out), &w); err != nil {
			t.Fatal(err)
		}
		if len(w.Headers) != 1 || w.Headers[0] != "authorization" {
			t.Errorf("headers after edit = %q, want [authorization]", w.Headers)
		}
	})
	t.Run("reports an unknown webhook as not found", func(t *testing.T) {
		db := newDB(t)
		code, _, errs := hw(t, db, "webhook", "edit", "42", "--url", "https://example.com/x")
		if code != 2 || !strings.Contains(errs, "42") {
			t.Errorf("exit %d, stderr %q", code, errs)
		}
	})
}

func TestSiteRm(t *testing.T) {
	t.Run("refuses a site with webhooks unless forced", func(t *testing.T) {
		db := newDB(t)
		mustHW(t, db, "webhook", "add", "example.com", "https://example.com/h")
		if code, _, errs := hw(t, db, "site", "rm", "example.com"); code != 2 || !strings.Contains(errs, "--force") {
			t.Errorf("exit %d, stderr %q; want 2 and a hint about --force", code, errs)
		}
		mustHW(t, db, "site", "rm", "example.com", "--force")
		if out := mustHW(t, db, "site", "list", "--json"); strings.TrimSpace(out) != "[]" {
			t.Errorf("sites after forced rm: %s", out)
		}
	})
}

func TestGoal(t *testing.T) {
	t.Run("adds, lists and removes event and page goals", func(t *testing.T) {
		db := newDB(t)
		mustHW(t, db, "goal", "add", "example.com", "--event", "Signup")
		mustHW(t, db, "goal", "add", "--page", "/blog/*", "example.com")
		var goals []struct {
			ID        int64  `json:"id"`
			Kind      string `json:"kind"`
			EventName string `json:"event_name"`
			PagePath  string `json:"page_path"`
		}
		if err := json.Unmarshal([]byte(mustHW(t, db, "goal", "list", "example.com", "--json")), &goals); err != nil {
			t.Fatal(err)
		}
		if len(goals) != 2 || goals[0].Kind != "event" || goals[1].Kind != "page" || goals[1].PagePath != "/blog/*" {
			t.Fatalf("goals: %+v", goals)
		}
		mustHW(t, db, "goal", "rm", "1")
		if out := mustHW(t, db, "goal", "list"); strings.Contains(out, "Signup") {
			t.Errorf("removed goal still listed: %s", out)
		}
	})
	t.Run("refuses a goal with both kinds", func(t *testing.T) {
		db := newDB(t)
		code, _, errs := hw(t, db, "goal", "add", "example.com", "--event", "A", "--page", "/a")
		if code != 2 || !strings.Contains(errs, "goal: give either") {
			t.Errorf("exit %d, stderr %q", code, errs)
		}
	})
}

func TestUsage(t *testing.T) {
	db := filepath.Join(t.TempDir(), "hw.db")
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"unknown command", []string{"frobnicate"}, 2, `unknown command "frobnicate"`},
		{"missing argument", []string{"site", "add"}, 2, "missing argument"},
		{"unknown flag", []string{"site", "list", "--colour"}, 2, "unknown flag: --colour"},
		{"bad delivery state", []string{"deliveries", "--status", "lost"}, 2, `status: unknown state "lost"`},
		{"bad id", []string{"redeliver", "x"}, 2, "delivery_id: must be a positive integer id"},
		{"unknown delivery", []string{"redeliver", "99"}, 2, "99"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errs := hw(t, db, tc.args...)
			if code != tc.code || !strings.Contains(errs, tc.want) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, errs, tc.code, tc.want)
			}
		})
	}
	t.Run("version prints the version", func(t *testing.T) {
		if out := mustHW(t, db, "version"); !strings.HasPrefix(out, "hookwatch ") {
			t.Errorf("version: %q", out)
		}
	})
}

func TestRotateSecret(t *testing.T) {
	t.Run("prints a new secret once and keeps the old one signing for 24 h", func(t *testing.T) {
		db := newDB(t)
		var first, rotated struct {
			Secret string `json:"secret"`
		}
		if err := json.Unmarshal([]byte(mustHW(t, db, "webhook", "add", "example.com", "https://example.com/h", "--json")), &first); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal([]byte(mustHW(t, db, "webhook", "rotate-secret", "1", "--json")), &rotated); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(rotated.Secret, "whsec_") || rotated.Secret == first.Secret {
			t.Fatalf("rotated secret %q, first %q", rotated.Secret, first.Secret)
		}
		text := mustHW(t, db, "webhook", "rotate-secret", "1")
		if !strings.Contains(text, "the old secret also signs until") {
			t.Errorf("rotate output: %s", text)
		}
		for _, out := range []string{mustHW(t, db, "webhook", "list", "--json"), mustHW(t, db, "webhook", "list")} {
			if strings.Contains(out, rotated.Secret) || strings.Contains(out, first.Secret) {
				t.Errorf("list shows a secret: %s", out)
			}
		}
	})
}

func TestWindowWithoutDisplay(t *testing.T) {
	t.Run("says to use --headless and exits 2 instead of crashing", func(t *testing.T) {
		t.Setenv("DISPLAY", "")
		t.Setenv("WAYLAND_DISPLAY", "")
		code, _, errs := hw(t, filepath.Join(t.TempDir(), "hw.db"))
		if code != 2 || !strings.Contains(errs, "--headless") {
			t.Errorf("exit %d, stderr %q", code, errs)
		}
	})
}
