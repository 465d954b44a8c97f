package chtest

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
)

var shared struct {
	once sync.Once
	mu   sync.Mutex
	srv  *Server
	err  error
}

// Shared returns the test binary's one instance, starting it on first use,
// so that a package's tests share a server instead of starting one each.
// Pair it with Main in TestMain, which stops the instance once the tests
// are done:
//
//	func TestMain(m *testing.M) { chtest.Main(m) }
//
// Without Main the instance still dies with the test binary on Linux
// (Pdeathsig), but its temporary folder stays behind.
func Shared(tb testing.TB) *Server {
	tb.Helper()
	shared.once.Do(func() {
		srv, err := StartServer()
		shared.mu.Lock()
		shared.srv, shared.err = srv, err
		shared.mu.Unlock()
	})
	shared.mu.Lock()
	srv, err := shared.srv, shared.err
	shared.mu.Unlock()
	if err != nil {
		Fail(tb, err)
		return nil
	}
	return srv
}

// Run runs the tests and then stops the shared instance, if one started;
// it returns m.Run's exit code.
func Run(m *testing.M) int {
	code := m.Run()
	shared.mu.Lock()
	srv := shared.srv
	shared.srv = nil
	shared.mu.Unlock()
	srv.Stop()
	return code
}

var dbSeq atomic.Int64

// EventsDB creates a fresh database holding an empty events_v2 on the
// shared instance and returns its name; it is dropped when tb ends. Tests
// each get their own, so that they can run in parallel.
func EventsDB(tb testing.TB) (*Server, string) {
	tb.Helper()
	s := Shared(tb)
	db := fmt.Sprintf("chtest_%d", dbSeq.Add(1))
	if err := s.CreateDatabase(db); err != nil {
		tb.Fatal(err)
	}
	if err := s.CreateEventsTable(db); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = s.Exec("DROP DATABASE IF EXISTS " + db) })
	return s, db
}
