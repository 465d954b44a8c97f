package chtest

import (
	"errors"
	"os"
	"testing"

	"github.com/hookwatch/hookwatch/storage/clickhouse/chserver"
)

// The runner lives in chserver, which binaries may import; these names
// keep chtest's API as it was, so that tests need not know about the split.
type (
	// Options tune a test instance. The zero value is what tests want.
	Options = chserver.Options
	// Server is a private clickhouse-server on loopback; see chserver.Server.
	Server = chserver.Server
	// Event is one events_v2 row; see chserver.Event.
	Event = chserver.Event
)

// Password user, declared by the instance's users.xml; see chserver.
const (
	PasswordUser = chserver.PasswordUser
	Password     = chserver.Password
)

// EventsTableSQL is chserver.EventsTableSQL.
const EventsTableSQL = chserver.EventsTableSQL

// ErrNotInstalled is chserver.ErrNotInstalled.
var ErrNotInstalled = chserver.ErrNotInstalled

// Synthetic data, as SeedSynthetic writes it; see chserver.
var (
	SyntheticEventGoals = chserver.SyntheticEventGoals
	SyntheticPages      = chserver.SyntheticPages
	SyntheticSources    = chserver.SyntheticSources
)

// StartServer starts an instance with the default Options; the caller must
// call Stop. A missing binary yields an error wrapping ErrNotInstalled.
func StartServer() (*Server, error) { return chserver.StartServer() }

// StartServerWith is StartServer with Options.
func StartServerWith(o Options) (*Server, error) { return chserver.StartServerWith(o) }

// Start starts an instance for one test (or benchmark) and stops it in
// tb.Cleanup. Without the binary it skips, or fails when CI=true.
func Start(tb testing.TB) *Server {
	tb.Helper()
	return StartWith(tb, Options{})
}

// StartWith is Start with Options.
func StartWith(tb testing.TB, o Options) *Server {
	tb.Helper()
	s, err := StartServerWith(o)
	if err != nil {
		Fail(tb, err)
		return nil
	}
	tb.Cleanup(s.Stop)
	return s
}

// Fail reports a failure to start ClickHouse: a missing binary skips the
// test, except under CI=true, where every other cause fails it too. A CI
// run must never go green by skipping the ClickHouse tests.
func Fail(tb testing.TB, err error) {
	tb.Helper()
	if errors.Is(err, ErrNotInstalled) && os.Getenv("CI") != "true" {
		tb.Skip(err.Error())
		return
	}
	tb.Fatal(err)
}
