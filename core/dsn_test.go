package core_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/hookwatch/hookwatch/core"
)

func TestRedactDSN(t *testing.T) {
	tests := []struct{ dsn, want string }{
		{core.DefaultClickHouseDSN, core.DefaultClickHouseDSN},
		{"clickhouse://reader:hunter2@db.example:9440/plausible_events_db?secure=true", "clickhouse://reader:xxxxx@db.example:9440/plausible_events_db?secure=true"},
		{"clickhouse://reader@10.0.0.5/db", "clickhouse://reader@10.0.0.5/db"},
		{"clickhouse://10.0.0.5/db?password=hunter2&username=reader", "clickhouse://10.0.0.5/db?password=xxxxx&username=reader"},
		{"clickhouse://10.0.0.5/db?username=reader&password=se%zzcret", "clickhouse://10.0.0.5/db?username=reader&password=xxxxx"},
		{"clickhouse://reader:hunter2@db.example:9000/db%zz", "clickhouse://reader:xxxxx@db.example:9000/db%zz"},
		// A password typed unescaped, with a slash, makes the DSN unparsable.
		{"clickhouse://reader:hun/ter2@db.example:9000/db", "clickhouse://reader:xxxxx@db.example:9000/db"},
	}
	for _, tt := range tests {
		if got := core.RedactDSN(tt.dsn); got != tt.want {
			t.Errorf("RedactDSN(%q) = %q, want %q", tt.dsn, got, tt.want)
		}
	}
}

func TestDefaultClickHouseDSN(t *testing.T) {
	if err := core.ValidateClickHouseDSN(core.DefaultClickHouseDSN); err != nil {
		t.Fatal(err)
	}
	if want := "clickhouse://127.0.0.1:9000/plausible_events_db"; core.DefaultClickHouseDSN != want {
		t.Errorf("DefaultClickHouseDSN = %q, want %q", core.DefaultClickHouseDSN, want)
	}
}

// A form shows RedactDSN(stored) and saves what the user left of it.
func TestUnredactDSN(t *testing.T) {
	stored := "clickhouse://plausible:hunter2@10.0.0.5:9000/plausible_events_db"
	tests := []struct {
		name, edited, stored, want string
	}{
		{"unchanged keeps the stored password", core.RedactDSN(stored) + " ", stored, stored},
		{"a new password is taken", "clickhouse://plausible:n3w@10.0.0.5:9000/plausible_events_db", stored, "clickhouse://plausible:n3w@10.0.0.5:9000/plausible_events_db"},
		{"no password is taken", "clickhouse://default@10.0.0.6:9000/db", stored, "clickhouse://default@10.0.0.6:9000/db"},
		{"empty is the default", "", stored, ""},
		{"nothing stored", "clickhouse://default@127.0.0.1:9000/db", "", "clickhouse://default@127.0.0.1:9000/db"},
	}
	for _, tt := range tests {
		got, err := core.UnredactDSN(tt.edited, tt.stored)
		if err != nil || got != tt.want {
			t.Errorf("%s: UnredactDSN(%q) = %q, %v; want %q", tt.name, tt.edited, got, err, tt.want)
		}
	}
	for _, tt := range [][2]string{
		{strings.Replace(core.RedactDSN(stored), "10.0.0.5", "10.0.0.6", 1), stored}, // the host changed, the mask kept
		{"clickhouse://10.0.0.5/db?username=plausible&password=xxxxx", stored},
		{core.RedactDSN(stored), ""}, // nothing stored for the mask to stand for
	} {
		_, err := core.UnredactDSN(tt[0], tt[1])
		if core.ErrorCode(err) != core.EINVALID || !strings.Contains(err.Error(), core.SettingClickHouseDSN) || !strings.Contains(err.Error(), "type the password again") {
			t.Errorf("UnredactDSN(%q, %q) = %v, want an error naming %s", tt[0], tt[1], err, core.SettingClickHouseDSN)
		}
	}
}

func TestDSNPasswordForms(t *testing.T) {
	got := core.DSNPasswordForms("clickhouse://reader:p%40ss@10.0.0.5/db")
	if len(got) == 0 || got[0] != "p@ss" || !strings.Contains(strings.Join(got, " "), "p%40ss") {
		t.Errorf("DSNPasswordForms = %q, want p@ss and its escaped form", got)
	}
	if got := core.DSNPasswordForms("clickhouse://reader@10.0.0.5/db"); got != nil {
		t.Errorf("DSNPasswordForms without a password = %q", got)
	}
}

func ExampleRedactDSN() {
	fmt.Println(core.RedactDSN("clickhouse://reader:hunter2@10.0.0.5:9000/plausible_events_db"))
	// Output: clickhouse://reader:xxxxx@10.0.0.5:9000/plausible_events_db
}
