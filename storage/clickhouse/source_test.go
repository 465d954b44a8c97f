package clickhouse_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/hookwatch/hookwatch/core"
	"github.com/hookwatch/hookwatch/storage/clickhouse"
	"github.com/hookwatch/hookwatch/storage/clickhouse/chtest"
)

func TestVersion(t *testing.T) {
	srv := chtest.Shared(t)
	src := open(t, srv, "default")
	got, err := src.Version(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want, err := srv.Query("SELECT version()")
	if err != nil {
		t.Fatal(err)
	}
	if got != strings.TrimSpace(want) || got == "" {
		t.Errorf("got version %q, want %q", got, want)
	}
}

func TestNow(t *testing.T) {
	srv := chtest.Shared(t)
	src := open(t, srv, "default")
	got, err := src.Now(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out, err := srv.Query("SELECT toUnixTimestamp(now())")
	if err != nil {
		t.Fatal(err)
	}
	var unix int64
	fmt.Sscan(out, &unix)
	// Both read the server's clock; a timezone slip would be whole hours.
	if d := got.Unix() - unix; d < -5 || d > 5 || got.Location() != time.UTC {
		t.Errorf("Now() = %v, server's unix time %d", got, unix)
	}
}

// closedPort returns a loopback port nothing listens on.
func closedPort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	return port
}

func TestErrors(t *testing.T) {
	const secret = "s3cr3t-Pa55%2F-word"
	srv, db := chtest.EventsDB(t)

	t.Run("refuses a wrong password without showing it", func(t *testing.T) {
		dsn := srv.PasswordDSN(db, secret)
		err := versionErr(t, dsn)
		if err == nil {
			t.Fatal("a wrong password was accepted")
		}
		assertHidden(t, err, secret)
		if !strings.Contains(err.Error(), srv.TCPAddr()+"/"+db) {
			t.Errorf("error %q does not name the server", err)
		}
	})
	t.Run("says an unreachable server cannot be reached, without the password", func(t *testing.T) {
		addr := fmt.Sprintf("127.0.0.1:%d", closedPort(t))
		err := versionErr(t, "clickhouse://reader:"+secret+"@"+addr+"/events?dial_timeout=2s")
		var e *clickhouse.Error
		if !errors.As(err, &e) || e.Endpoint != addr+"/events" || !strings.Contains(err.Error(), "cannot reach the server") {
			t.Fatalf("got %v, want a clickhouse.Error saying %s/events cannot be reached", err, addr)
		}
		assertHidden(t, err, secret)
	})
	t.Run("keeps a password given as a parameter hidden", func(t *testing.T) {
		addr := fmt.Sprintf("127.0.0.1:%d", closedPort(t))
		err := versionErr(t, "clickhouse://"+addr+"/events?username=reader&password="+secret)
		if err == nil {
			t.Fatal("no error from a closed port")
		}
		assertHidden(t, err, secret)
	})
	t.Run("fails TLS against a plain server", func(t *testing.T) {
		err := versionErr(t, "clickhouse://reader:"+secret+"@"+srv.TCPAddr()+"/"+db+"?secure=true&skip_verify=true&dial_timeout=2s")
		if err == nil {
			t.Fatal("TLS handshake with a plain server succeeded")
		}
		assertHidden(t, err, secret)
	})
	t.Run("reports cancellation", func(t *testing.T) {
		src := open(t, srv, db)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := src.Version(ctx); !errors.Is(err, context.Canceled) {
			t.Errorf("got %v, want context.Canceled", err)
		}
	})
	t.Run("refuses the HTTP protocol by name", func(t *testing.T) {
		_, err := clickhouse.Open(context.Background(), "http://reader:"+secret+"@127.0.0.1:8123/db")
		if core.ErrorCode(err) != core.EINVALID || core.ErrorField(err) != "clickhouse" {
			t.Fatalf("got %v, want an invalid clickhouse field", err)
		}
		assertHidden(t, err, secret)
	})
	t.Run("refuses a malformed DSN without showing its password", func(t *testing.T) {
		_, err := clickhouse.Open(context.Background(), "clickhouse://reader:"+secret+"@127.0.0.1:9000/db%zz")
		if core.ErrorCode(err) != core.EINVALID {
			t.Fatalf("got %v, want EINVALID", err)
		}
		assertHidden(t, err, secret)
	})
}

func TestPasswordLogin(t *testing.T) {
	srv := chtest.Shared(t)
	src, err := clickhouse.Open(context.Background(), srv.PasswordDSN("default", chtest.Password))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if _, err := src.Version(context.Background()); err != nil {
		t.Errorf("the right password was refused: %v", err)
	}
}

func versionErr(t *testing.T, dsn string) error {
	t.Helper()
	src, err := clickhouse.Open(context.Background(), dsn)
	if err != nil {
		return err
	}
	defer src.Close()
	_, err = src.Version(context.Background())
	return err
}

// assertHidden fails if any spelling of secret shows in err.
func assertHidden(t *testing.T, err error, secret string) {
	t.Helper()
	for _, s := range []string{secret, strings.ReplaceAll(secret, "%", "%25"), "s3cr3t"} {
		if strings.Contains(err.Error(), s) {
			t.Errorf("error shows the password: %v", err)
		}
	}
}

func TestEndpoint(t *testing.T) {
	tests := []struct{ dsn, want string }{
		{core.DefaultClickHouseDSN, "127.0.0.1:9000/plausible_events_db"},
		{"clickhouse://reader:hunter2@db.example/events", "db.example:9000/events"},
		{"clickhouse://reader:hunter2@db.example/events?secure=true", "db.example:9440/events"},
		{"clickhouse://[::1]:9001", "[::1]:9001/default"},
		{"::nope", "(invalid DSN)"},
	}
	for _, tt := range tests {
		if got := clickhouse.Endpoint(tt.dsn); got != tt.want {
			t.Errorf("Endpoint(%q) = %q, want %q", tt.dsn, got, tt.want)
		}
	}
}
