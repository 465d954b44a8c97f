package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// writeFile writes a template file in the test's directory.
func writeFile(t *testing.T, name, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestTemplateWebhookCLI(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "hw.db")
	mustBin(t, db, "site", "add", "example.com", "--site-id", "1")
	rc := newReceiver(t, nil)
	tpl := writeFile(t, "body.tmpl", `{
  "event": {{json .type}},
  "text": {{json (sentence .)}},
  "site": {{json (upper .data.site)}}
}
`)
	id := rc.addWebhook(t, db, "example.com", "/tpl", "--format", "template", "--template", tpl,
		"--content-type", "application/json; charset=utf-8", "--header", "X-Api-Key: k3y-s3cret")

	t.Run("webhook test delivers the rendered body, signed", func(t *testing.T) {
		out := mustBin(t, db, "webhook", "test", strconv.FormatInt(id, 10))
		if !strings.Contains(out, "200 OK") {
			t.Fatalf("webhook test: %s", out)
		}
		got := rc.all()
		if len(got) != 1 {
			t.Fatalf("receiver got %d requests; want 1", len(got))
		}
		want := "{\n  \"event\": \"webhook.test\",\n  \"text\": \"example.com: test message from hookwatch (webhook " + strconv.FormatInt(id, 10) + ")\",\n  \"site\": \"EXAMPLE.COM\"\n}\n"
		if string(got[0].Body) != want {
			t.Errorf("body %q\nwant %q", got[0].Body, want)
		}
		if rc.badSignatures() != 0 {
			t.Error("the receiver's Standard Webhooks verifier rejected the request")
		}
		if ct := got[0].Header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
			t.Errorf("Content-Type %q", ct)
		}
		var ds []struct {
			Payload json.RawMessage `json:"payload"`
		}
		if err := json.Unmarshal([]byte(mustBin(t, db, "deliveries", "--json")), &ds); err != nil {
			t.Fatal(err)
		}
		var logged, sent bytes.Buffer
		if len(ds) != 1 || json.Compact(&logged, ds[0].Payload) != nil || json.Compact(&sent, got[0].Body) != nil || logged.String() != sent.String() {
			t.Errorf("the delivery log shows %s; the receiver got %s", ds, got[0].Body)
		}
	})

	t.Run("preview prints the headers, a blank line and the body", func(t *testing.T) {
		out := mustBin(t, db, "webhook", "preview", strconv.FormatInt(id, 10))
		head, body, ok := strings.Cut(out, "\n\n")
		if !ok {
			t.Fatalf("no blank line in %q", out)
		}
		for _, line := range []string{"Content-Type: application/json; charset=utf-8", "X-Api-Key: [hidden]", "User-Agent: hookwatch/"} {
			if !strings.Contains(head, line) {
				t.Errorf("headers lack %q:\n%s", line, head)
			}
		}
		for _, h := range []string{"Webhook-Id: msg_", "Webhook-Timestamp: ", "Webhook-Signature: v1,"} {
			if !strings.Contains(head, h) {
				t.Errorf("headers lack %q:\n%s", h, head)
			}
		}
		if strings.Contains(out, "k3y-s3cret") {
			t.Error("preview prints a custom header's value")
		}
		if !strings.Contains(body, `"event": "goal.completed"`) || !strings.Contains(body, "goal Signup completed 42 times") {
			t.Errorf("default preview is not the first subscribed type, goal.completed:\n%s", body)
		}
		out = mustBin(t, db, "webhook", "preview", strconv.FormatInt(id, 10), "--event", "webhook.test")
		if !strings.Contains(out, `"event": "webhook.test"`) {
			t.Errorf("--event webhook.test previews:\n%s", out)
		}
		if code, _, errs := bin(t, db, "webhook", "preview", strconv.FormatInt(id, 10), "--event", "traffic.boom"); code != 2 || !strings.Contains(errs, "event: unknown event type") {
			t.Errorf("exit %d, stderr %q", code, errs)
		}
	})

	t.Run("a broken template exits 2 with its line and changes nothing", func(t *testing.T) {
		before := mustBin(t, db, "webhook", "list", "--json")
		for _, tc := range []struct{ name, tpl, want string }{
			{"an unclosed action", "{\n  \"text\": {{json (sentence .)\n", "template: line 2: unclosed action"},
			{"an unknown field", "{\n  \"text\": {{json .data.sight}}\n}\n", `template: goal.completed: line 2, column 23: at <.data.sight>: map has no entry for key "sight"`},
			{"output that is not JSON", "{\n  \"text\": {{.data.site}}\n}\n", "template: goal.completed: the rendered body is not valid JSON, as application/json requires: line 2, column 11: invalid character 'e'"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				file := writeFile(t, "bad.tmpl", tc.tpl)
				for _, args := range [][]string{
					{"webhook", "add", "example.com", "https://hooks.example.com/x", "--template", file},
					{"webhook", "edit", strconv.FormatInt(id, 10), "--template", file, "--content-type", "application/json"},
				} {
					code, _, errs := bin(t, db, args...)
					if code != 2 || !strings.Contains(errs, tc.want) {
						t.Errorf("%s: exit %d, stderr %q; want 2 and %q", args[1], code, errs, tc.want)
					}
				}
				if after := mustBin(t, db, "webhook", "list", "--json"); after != before {
					t.Errorf("the database changed:\n%s\nwas\n%s", after, before)
				}
			})
		}
	})
}

func TestTeamsURLSigIsRedacted(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "hw.db")
	mustBin(t, db, "site", "add", "example.com", "--site-id", "1")
	const url = "https://prod-1.westus.logic.azure.com/workflows/x/triggers/manual/paths/invoke?api-version=1&sv=1.0&sig=S3CR3TSIG"
	add := mustBin(t, db, "webhook", "add", "example.com", url, "--format", "teams")
	for _, out := range []string{add, mustBin(t, db, "webhook", "list"), mustBin(t, db, "webhook", "list", "--json"), mustBin(t, db, "status", "--json")} {
		if strings.Contains(out, "S3CR3TSIG") {
			t.Errorf("output shows the sig:\n%s", out)
		}
	}
	if out := mustBin(t, db, "webhook", "list"); !strings.Contains(out, "sig=[hidden]") {
		t.Errorf("list does not show the URL with its sig hidden:\n%s", out)
	}
	var w struct {
		DigestInterval string `json:"digest_interval"`
	}
	if err := json.Unmarshal([]byte(mustBin(t, db, "webhook", "list", "--json")), &[]any{&w}); err != nil {
		t.Fatal(err)
	}
	if w.DigestInterval != "15m0s" {
		t.Errorf("a teams webhook's digest is %s; chat presets digest goals every 15m by default", w.DigestInterval)
	}
}
