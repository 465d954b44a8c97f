package core

import (
	"context"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// ClickHouse's native-protocol ports, and the database a Plausible
// Community Edition install keeps its events in.
const (
	ClickHousePort            = "9000"
	ClickHouseTLSPort         = "9440"
	DefaultClickHouseDatabase = "plausible_events_db"
)

// What the first run offers to pick from ClickHouse.
const (
	// DiscoverWindow is how far back sites and goal suggestions are looked
	// for, before ClickHouse's now().
	DiscoverWindow = 30 * 24 * time.Hour
	// SuggestedEvents and SuggestedPages bound the custom event names and
	// page paths offered as goals for a site.
	SuggestedEvents = 50
	SuggestedPages  = 20
)

// ClickHouseAddress is a ClickHouse connection as a form edits it, field by
// field. DSN and ParseClickHouseDSN turn it into the DSN that the
// clickhouse_dsn setting holds, and back.
type ClickHouseAddress struct {
	Host string
	// Port is empty for the native protocol's default: 9000, or 9440 with
	// TLS.
	Port     string
	Database string // empty for "default"
	User     string
	Password string
	TLS      bool
	// Params are the DSN's other query parameters (dial_timeout,
	// skip_verify, …), kept as they were given.
	Params url.Values
}

// Validate reports the first rule the address breaks, naming the field.
func (a ClickHouseAddress) Validate() error {
	host := strings.TrimSpace(a.Host)
	switch {
	case host == "":
		return FieldErrorf("host", "is required, such as 127.0.0.1 or clickhouse.example.com")
	case host != a.Host || strings.ContainsAny(host, " \t/?#@,"):
		return FieldErrorf("host", "must be a bare host name or IP address, without scheme, port or spaces")
	case strings.Contains(strings.Trim(host, "[]"), ":") && net.ParseIP(strings.Trim(host, "[]")) == nil:
		return FieldErrorf("host", "must not hold a port: put it in the port field")
	}
	if a.Port != "" {
		if p, err := strconv.Atoi(a.Port); err != nil || p < 1 || p > 65535 {
			return FieldErrorf("port", "must be a number from 1 to 65535 (ClickHouse's native protocol: %s, or %s with TLS)", ClickHousePort, ClickHouseTLSPort)
		}
	}
	if strings.ContainsAny(a.Database, " \t/?#") {
		return FieldErrorf("database", "must be a database name such as %s", DefaultClickHouseDatabase)
	}
	return nil
}

// DSN returns the clickhouse:// DSN of the address, with the port spelled
// out. It does not validate the address.
func (a ClickHouseAddress) DSN() string {
	port := a.Port
	if port == "" {
		port = ClickHousePort
		if a.TLS {
			port = ClickHouseTLSPort
		}
	}
	u := url.URL{Scheme: "clickhouse", Host: net.JoinHostPort(strings.Trim(a.Host, "[]"), port), Path: "/" + a.Database}
	switch {
	case a.Password != "":
		u.User = url.UserPassword(a.User, a.Password)
	case a.User != "":
		u.User = url.User(a.User)
	}
	q := url.Values{}
	for k, v := range a.Params {
		q[k] = append([]string(nil), v...)
	}
	q.Del("secure")
	if a.TLS {
		q.Set("secure", "true")
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// ParseClickHouseDSN splits a clickhouse:// (or tcp://) DSN into its
// fields. A user or password given as a query parameter moves into User
// and Password. A DSN naming several hosts is refused, since the fields
// hold one; it can still be saved as a DSN.
func ParseClickHouseDSN(dsn string) (ClickHouseAddress, error) {
	bad := FieldErrorf(SettingClickHouseDSN, "must look like clickhouse://user:password@host:9000/%s", DefaultClickHouseDatabase)
	u, err := url.Parse(strings.TrimSpace(dsn))
	if err != nil || u.Host == "" || (u.Scheme != "clickhouse" && u.Scheme != "tcp") {
		return ClickHouseAddress{}, bad
	}
	if strings.Contains(u.Host, ",") {
		return ClickHouseAddress{}, FieldErrorf(SettingClickHouseDSN, "names several hosts, which only the DSN field can hold")
	}
	a := ClickHouseAddress{Host: u.Hostname(), Port: u.Port(), Database: strings.TrimPrefix(u.Path, "/")}
	if u.User != nil {
		a.User = u.User.Username()
		a.Password, _ = u.User.Password()
	}
	q := u.Query()
	if v := q.Get("username"); v != "" && a.User == "" {
		a.User = v
	}
	if v := q.Get("password"); v != "" && a.Password == "" {
		a.Password = v
	}
	a.TLS = q.Get("secure") == "true"
	for _, k := range []string{"username", "password", "secure"} {
		q.Del(k)
	}
	if len(q) > 0 {
		a.Params = q
	}
	return a, nil
}

// EventCount is a custom event name and how often it was sent.
type EventCount struct {
	Name   string `json:"name"`
	Events uint64 `json:"events"`
}

// GoalSuggestions are what a site's events offer as goals: its custom
// event names (pageview and engagement left out), most sent first, and its
// page paths with the most visitors, both over DiscoverWindow.
type GoalSuggestions struct {
	Events []EventCount `json:"events"`
	Pages  []PageRow    `json:"pages"`
}

// ClickHouseService is what the window's first run asks of Plausible's
// ClickHouse: check and save a connection, list the sites it holds, and
// suggest a site's goals. Errors never hold a password.
type ClickHouseService interface {
	// CurrentClickHouse returns the DSN this run reads, and a line naming
	// it without the password and saying where it came from (flag,
	// environment, settings or default).
	CurrentClickHouse(ctx context.Context) (dsn, source string)
	// TestClickHouse connects to dsn and returns the server's version.
	TestClickHouse(ctx context.Context, dsn string) (string, error)
	// SaveClickHouseDSN stores dsn as the clickhouse_dsn setting; the
	// engine reads it from its next poll on, unless a flag or the
	// environment names another ClickHouse.
	SaveClickHouseDSN(ctx context.Context, dsn string) error
	// DiscoverSites lists the sites with events in the ClickHouse in use
	// over DiscoverWindow, busiest first.
	DiscoverSites(ctx context.Context) ([]DiscoveredSite, error)
	// SuggestGoals returns the goals that the events of Plausible site
	// plausibleID suggest.
	SuggestGoals(ctx context.Context, plausibleID uint64) (*GoalSuggestions, error)
}
