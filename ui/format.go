package ui

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/hookwatch/hookwatch/core"
)

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func errorAs(err error) (*core.Error, bool) {
	var e *core.Error
	ok := errors.As(err, &e)
	return e, ok
}

// ago says how long before now t was, in the largest sensible unit.
func ago(t, now time.Time) string {
	if t.IsZero() {
		return "never"
	}
	d := now.Sub(t)
	switch {
	case d < 0:
		return "just now"
	case d < 5*time.Second:
		return "just now"
	case d < time.Minute:
		return fmt.Sprintf("%d s ago", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%d min ago", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%d h ago", int(d.Hours()))
	}
	return fmt.Sprintf("%d days ago", int(d.Hours()/24))
}

// stamp formats a time for tables: the time of day for today, the date and
// time otherwise.
func stamp(t, now time.Time) string {
	if t.IsZero() {
		return "—"
	}
	t = t.Local()
	if y, m, d := t.Date(); now.Local().Year() == y && now.Local().Month() == m && now.Local().Day() == d {
		return t.Format("15:04:05")
	}
	return t.Format("2006-01-02 15:04")
}

// latency formats a request's duration.
func latency(d time.Duration) string {
	switch {
	case d <= 0:
		return "—"
	case d < 10*time.Millisecond:
		return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond))
	case d < 10*time.Second:
		return fmt.Sprintf("%d ms", d.Milliseconds())
	}
	return fmt.Sprintf("%.1f s", d.Seconds())
}

// shortDuration writes d as the user would type it: 12h, 15m, 1h30m.
func shortDuration(d time.Duration) string {
	if d == 0 {
		return "0"
	}
	return core.ShortDuration(d)
}

// excerpt cuts s to n runes on one line's worth of intent.
func excerpt(s string, n int) string {
	r := []rune(strings.TrimSpace(s))
	if len(r) <= n {
		return string(r)
	}
	return string(r[:n]) + "…"
}

// statusText is "200 OK" for a status code, or "—" for none.
func statusText(code int) string {
	if code == 0 {
		return "—"
	}
	return strconv.Itoa(code)
}

func eventsText(ev []core.EventType) string {
	s := make([]string, len(ev))
	for i, e := range ev {
		s[i] = string(e)
	}
	return strings.Join(s, ", ")
}

// plural writes n with the singular or plural noun.
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
