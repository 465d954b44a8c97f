package core

import (
	"net/url"
	"regexp"
	"strings"
)

// DefaultClickHouseDSN is where a Plausible Community Edition install keeps
// its events, as seen from the same machine once the port is published:
// the ClickHouse in use while no flag, environment variable or setting
// names another.
const DefaultClickHouseDSN = "clickhouse://127.0.0.1:" + ClickHousePort + "/" + DefaultClickHouseDatabase

// RedactedPassword stands in for a DSN's password wherever the DSN is
// shown (RedactDSN).
const RedactedPassword = "xxxxx"

// dsnUserinfoRE finds "//user:password@" in a DSN that url.Parse refuses.
// The password may hold a "/", typed unescaped, which is what made
// url.Parse refuse it; so it runs to the first "@", not the first "/".
var dsnUserinfoRE = regexp.MustCompile(`(//[^/@:]*:)[^@]*@`)

// dsnPasswordParamRE finds a password parameter in a raw query, including
// one whose malformed escapes make url.Values drop it silently.
var dsnPasswordParamRE = regexp.MustCompile(`(?i)((?:^|[?&;])password=)[^&;#]*`)

// RedactDSN returns dsn with its password, given in the userinfo or as the
// password parameter, replaced by RedactedPassword. It is what logs, status
// lines, errors and forms may show; a form that shows it saves through
// UnredactDSN.
func RedactDSN(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return dsnUserinfoRE.ReplaceAllString(dsn, "${1}"+RedactedPassword+"@")
	}
	if u.User != nil {
		if _, ok := u.User.Password(); ok {
			u.User = url.UserPassword(u.User.Username(), RedactedPassword)
		}
	}
	u.RawQuery = dsnPasswordParamRE.ReplaceAllString(u.RawQuery, "${1}"+RedactedPassword)
	// url.URL.String escapes the x's never, and keeps everything else.
	return u.String()
}

// UnredactDSN returns the DSN that edited stands for, where edited is what
// the user left of RedactDSN(stored) in a form: stored while edited is its
// redacted form unchanged, else edited, trimmed. An edited DSN whose
// password is still RedactedPassword is refused, naming the setting: the
// mask only stands for the stored password, and the caller must not save
// or dial it.
func UnredactDSN(edited, stored string) (string, error) {
	edited = strings.TrimSpace(edited)
	if stored != "" && edited == RedactDSN(stored) {
		return stored, nil
	}
	for _, pw := range DSNPasswordForms(edited) {
		if pw == RedactedPassword {
			return "", FieldErrorf(SettingClickHouseDSN, "type the password again: %s only stands for the stored one", RedactedPassword)
		}
	}
	return edited, nil
}

// DSNPasswordForms returns the forms in which dsn's password could show up
// in a driver's message: as typed, and URL-escaped; none when dsn has no
// password. A caller that shows such a message replaces each of them.
func DSNPasswordForms(dsn string) []string {
	var pw string
	if u, err := url.Parse(dsn); err == nil {
		if u.User != nil {
			pw, _ = u.User.Password()
		}
		if pw == "" {
			pw = u.Query().Get("password")
		}
	} else if m := dsnUserinfoRE.FindString(dsn); m != "" {
		pw = m[strings.Index(m, ":")+1 : len(m)-1]
	}
	if m := dsnPasswordParamRE.FindStringSubmatchIndex(dsn); pw == "" && m != nil {
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
