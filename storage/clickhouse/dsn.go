package clickhouse

import (
	"net"
	"net/url"
	"strings"

	"github.com/hookwatch/hookwatch/core"
)

// Endpoint returns host:port/database of dsn, for status lines; it never
// shows the user or password.
func Endpoint(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.Host == "" {
		return "(invalid DSN)"
	}
	hosts := strings.Split(u.Host, ",")
	for i, h := range hosts {
		hosts[i] = withPort(h, u.Query().Get("secure") == "true")
	}
	db := strings.TrimPrefix(u.Path, "/")
	if db == "" {
		db = "default"
	}
	return strings.Join(hosts, ",") + "/" + db
}

// withPort adds the native protocol's default port to a host without one.
func withPort(host string, secure bool) string {
	if _, _, err := net.SplitHostPort(host); err == nil {
		return host
	}
	port := "9000"
	if secure {
		port = "9440"
	}
	return net.JoinHostPort(strings.Trim(host, "[]"), port)
}

// scrub removes every form of the password from msg.
func scrub(msg string, secrets []string) string {
	for _, s := range secrets {
		msg = strings.ReplaceAll(msg, s, core.RedactedPassword)
	}
	return msg
}
