package sqlite

import (
	"encoding/json"
	"testing"
)

func TestHeadersJSON(t *testing.T) {
	for _, tt := range []struct {
		name string
		h    map[string][]string
	}{
		{"writes webhook headers sorted", map[string][]string{"Webhook-Signature": {"v1,abc+/="}, "Content-Type": {"application/json"},
			"User-Agent": {"hookwatch/1.0 (+https://example.com)"}, "Webhook-Id": {"msg_2a"}, "Webhook-Timestamp": {"1735787045"}}},
		{"writes several values and an empty list", map[string][]string{"X-Reply": {"a", "b"}, "X-Empty": {}, "": {""}}},
		{"escapes quotes, backslashes and HTML", map[string][]string{"X-Q": {`say "hi" \ <b> & co`}}},
		{"escapes control and non-ASCII characters", map[string][]string{"X-U": {"tab\there", "café \u2028", "bad \xff"}}},
		{"writes a nil list as null", map[string][]string{"X-Nil": nil, "A": {"1"}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := headersJSON(tt.h)
			if err != nil {
				t.Fatal(err)
			}
			want, err := json.Marshal(tt.h)
			if err != nil {
				t.Fatal(err)
			}
			if got != string(want) {
				t.Errorf("headersJSON = %s\nwant json.Marshal's %s", got, want)
			}
		})
	}
	t.Run("stores no headers as NULL", func(t *testing.T) {
		for _, h := range []map[string][]string{nil, {}} {
			if got, err := headersJSON(h); got != nil || err != nil {
				t.Errorf("headersJSON(%#v) = %v, %v; want nil, nil", h, got, err)
			}
		}
	})
}

func FuzzHeadersJSON(f *testing.F) {
	f.Add("Content-Type", "application/json", "text/plain; charset=utf-8")
	f.Add("X-A", `"<&>"`, "\x00\xff")
	f.Fuzz(func(t *testing.T, k, v1, v2 string) {
		h := map[string][]string{k: {v1, v2}, "Webhook-Id": {v1}}
		got, err := headersJSON(h)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := json.Marshal(h)
		if got != string(want) {
			t.Errorf("headersJSON = %s, want %s", got, want)
		}
	})
}
