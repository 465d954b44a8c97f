// Package clickhouse reads a self-hosted Plausible's events_v2 table over
// ClickHouse's native protocol and implements core.TrafficSource.
//
// Every query covers all the sites it is given in one statement, grouped
// by site_id, and uses conditional aggregates (uniqIf, countIf) to answer
// several questions in one pass. The SQL runs on ClickHouse 18.16 as well
// as on current releases: no LowCardinality, no server-side parameters,
// IN lists bound as tuples, windows bound as Unix seconds and wrapped in
// toDateTime so the server's timezone never matters.
//
// The DSN's password never leaves this package: errors carry the server
// as host:port/database (Endpoint) and driver messages with the password
// removed; core.RedactDSN gives a DSN fit for logs.
package clickhouse
