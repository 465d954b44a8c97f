package core_test

import (
	"fmt"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/hookwatch/hookwatch/core"
)

func TestClickHouseAddressDSN(t *testing.T) {
	tests := []struct {
		name string
		addr core.ClickHouseAddress
		want string
	}{
		{"defaults", core.ClickHouseAddress{Host: "127.0.0.1", Database: "plausible_events_db"},
			"clickhouse://127.0.0.1:9000/plausible_events_db"},
		{"tls takes 9440", core.ClickHouseAddress{Host: "ch.example.com", Database: "db", TLS: true},
			"clickhouse://ch.example.com:9440/db?secure=true"},
		{"user without password", core.ClickHouseAddress{Host: "h", Port: "19000", User: "ro"},
			"clickhouse://ro@h:19000/"},
		{"password escaped", core.ClickHouseAddress{Host: "h", User: "ro", Password: "p@ss/w:rd?&", Database: "db"},
			"clickhouse://ro:p%40ss%2Fw%3Ard%3F&@h:9000/db"},
		{"ipv6", core.ClickHouseAddress{Host: "::1", Database: "db"}, "clickhouse://[::1]:9000/db"},
		{"params kept, secure from TLS", core.ClickHouseAddress{Host: "h", Database: "db",
			Params: url.Values{"dial_timeout": {"2s"}, "secure": {"true"}}},
			"clickhouse://h:9000/db?dial_timeout=2s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.addr.DSN(); got != tt.want {
				t.Fatalf("DSN() = %q, want %q", got, tt.want)
			}
			back, err := core.ParseClickHouseDSN(tt.want)
			if err != nil {
				t.Fatalf("ParseClickHouseDSN(%q): %v", tt.want, err)
			}
			if again := back.DSN(); again != tt.want {
				t.Fatalf("round trip gives %q, want %q", again, tt.want)
			}
		})
	}
}

func TestParseClickHouseDSN(t *testing.T) {
	tests := []struct {
		dsn     string
		want    core.ClickHouseAddress
		wantErr string
	}{
		{dsn: "clickhouse://hookwatch:a%2Fb@10.0.0.5:9440/plausible_events_db?secure=true&skip_verify=true",
			want: core.ClickHouseAddress{Host: "10.0.0.5", Port: "9440", Database: "plausible_events_db", User: "hookwatch",
				Password: "a/b", TLS: true, Params: url.Values{"skip_verify": {"true"}}}},
		{dsn: "tcp://h/db?username=u&password=p",
			want: core.ClickHouseAddress{Host: "h", Database: "db", User: "u", Password: "p"}},
		{dsn: "http://h:8123/db", wantErr: "clickhouse_dsn: must look like clickhouse://"},
		{dsn: "127.0.0.1:9000", wantErr: "clickhouse_dsn: must look like"},
		{dsn: "clickhouse://a:9000,b:9000/db", wantErr: "several hosts"},
	}
	for _, tt := range tests {
		t.Run(tt.dsn, func(t *testing.T) {
			got, err := core.ParseClickHouseDSN(tt.dsn)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}

func TestClickHouseAddressValidate(t *testing.T) {
	tests := []struct {
		addr  core.ClickHouseAddress
		field string
	}{
		{core.ClickHouseAddress{Host: "127.0.0.1", Port: "9000", Database: "db"}, ""},
		{core.ClickHouseAddress{Host: "::1"}, ""},
		{core.ClickHouseAddress{}, "host"},
		{core.ClickHouseAddress{Host: "clickhouse://h"}, "host"},
		{core.ClickHouseAddress{Host: " h"}, "host"},
		{core.ClickHouseAddress{Host: "h:9000"}, "host"},
		{core.ClickHouseAddress{Host: "h", Port: "nine"}, "port"},
		{core.ClickHouseAddress{Host: "h", Port: "70000"}, "port"},
		{core.ClickHouseAddress{Host: "h", Database: "a/b"}, "database"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%+v", tt.addr), func(t *testing.T) {
			err := tt.addr.Validate()
			if got := core.ErrorField(err); got != tt.field || (tt.field == "") != (err == nil) {
				t.Fatalf("Validate() = %v, want an error on %q", err, tt.field)
			}
		})
	}
}

// The window's connection form builds the clickhouse_dsn setting from its
// fields.
func ExampleClickHouseAddress_DSN() {
	a := core.ClickHouseAddress{Host: "10.0.0.5", Database: core.DefaultClickHouseDatabase, User: "hookwatch", Password: "s3cret", TLS: true}
	fmt.Println(a.DSN())
	// Output: clickhouse://hookwatch:s3cret@10.0.0.5:9440/plausible_events_db?secure=true
}
