package clickhouse

import (
	"net"
	"net/url"
	"regexp"
	"strings"
)

// DefaultDSN is where a Plausible Community Edition install keeps its
// events, as seen from the same machine once the port is published.
const DefaultDSN = "clickhouse://127.0.0.1:9000/plausible_events_db"

// redacted stands in for a password wherever a DSN is shown.
const redacted = "xxxxx"

// userinfoRE finds "//user:password@" in a DSN that url.Parse refuses. The
// password may hold a "/", typed unescaped, which is what made url.Parse
// refuse it; so it runs to the first "@", not the first "/".
var userinfoRE = regexp.MustCompile(`(//[^/@:]*:)[^@]*@`)

// passwordParamRE finds a password parameter in a raw query, including one
// whose malformed escapes make url.Values drop it silently.
var passwordParamRE = regexp.MustCompile(`(?i)((?:^|[?&;])password=)[^&;#]*`)

// Redact returns dsn with its password, given in the userinfo or as the
// password parameter, replaced by xxxxx. It is what logs, status lines and
// errors may show.
func Redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return userinfoRE.ReplaceAllString(dsn, "${1}"+redacted+"@")
	}
	if u.User != nil {
		if _, ok := u.User.Password(); ok {
			u.User = url.UserPassword(u.User.Username(), redacted)
		}
	}
	u.RawQuery = passwordParamRE.ReplaceAllString(u.RawQuery, "${1}"+redacted)
	// url.URL.String escapes the x's never, and keeps everything else.
	return u.String()
}

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

// secretsOf returns the forms in which dsn's password could show up in a
// driver's message: as typed, and URL-escaped.
func secretsOf(dsn string) []string {
	var pw string
	if u, err := url.Parse(dsn); err == nil {
		if u.User != nil {
			pw, _ = u.User.Password()
		}
		if pw == "" {
			pw = u.Query().Get("password")
		}
	} else if m := userinfoRE.FindString(dsn); m != "" {
		pw = m[strings.Index(m, ":")+1 : len(m)-1]
	}
	if m := passwordParamRE.FindStringSubmatchIndex(dsn); pw == "" && m != nil {
		pw = dsn[m[3]:m[1]] // the raw value, as typed
	}
	if pw == "" {
		return nil
	}
	out := []string{pw}
	for _, s := range []string{url.QueryEscape(pw), url.PathEscape(pw), url.UserPassword("", pw).String()[1:]} {
		if s != pw && s != "" {
			out = append(out, s)
		}
	}
	return out
}

// scrub removes every form of the password from msg.
func scrub(msg string, secrets []string) string {
	for _, s := range secrets {
		msg = strings.ReplaceAll(msg, s, redacted)
	}
	return msg
}
