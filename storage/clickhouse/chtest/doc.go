// Package chtest starts a private, real clickhouse-server for tests (the
// runner is chserver, which binaries may import; chtest adds testing): free
// loopback ports, its own data folder, UTC, and an events_v2 table shaped
// like Plausible's, seeded through ClickHouse's HTTP interface.
//
// Tests never install ClickHouse. When the binary is missing they skip,
// except under CI=true, where they fail: `make test` installs it first.
//
// A package shares one instance per test binary:
//
//	func TestMain(m *testing.M) { chtest.Main(m) }
//
//	func TestX(t *testing.T) {
//		srv, db := chtest.EventsDB(t) // fresh database with events_v2
//		...
//	}
package chtest
