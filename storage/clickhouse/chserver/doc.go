// Package chserver runs a private, real clickhouse-server: free loopback
// ports, its own data folder, UTC, and an events_v2 table shaped like
// Plausible's, seeded through ClickHouse's HTTP interface.
//
// It imports no `testing`, so that a binary (cmd/hookwatch-demo) can use
// it. Tests use chtest, the thin helper on top, which shares one instance
// per test binary and skips or fails when the binary is missing.
package chserver
