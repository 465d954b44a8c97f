package core

import (
	"fmt"
	"mime"
	"strings"
	"time"
	"unicode/utf8"
)

// MaxNtfyBody is the longest body the ntfy preset sends: ntfy turns a
// longer message into an attachment.
const MaxNtfyBody = 4 << 10

// renderNtfy returns an ntfy message: the sentence, the details a line
// each, and a line with the event type and time, cut to MaxNtfyBody bytes.
func renderNtfy(e *Event) []byte {
	s := Summarize(e)
	var b strings.Builder
	b.WriteString(s.Title)
	b.WriteString("\n")
	for _, f := range s.Fields {
		fmt.Fprintf(&b, "%s: %s\n", f.Name, f.Value)
	}
	fmt.Fprintf(&b, "\n%s · %s · hookwatch", e.Type, e.Timestamp.UTC().Format(time.RFC3339))
	return []byte(cutBytes(b.String(), MaxNtfyBody))
}

// cutBytes keeps s within n bytes, cutting at a character boundary and
// marking the cut with an ellipsis.
func cutBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	const more = "…"
	cut := n - len(more)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + more
}

// ntfyHeaders are the headers ntfy reads for an event of type t to site:
// a Title, RFC 2047-encoded when it is not ASCII, Tags, which ntfy shows as
// emoji where they name one, and a Priority: 4 (high) for an alert that
// fires, 3 (the default) for the rest.
func ntfyHeaders(site string, t EventType) map[string]string {
	title, tag, prio := "hookwatch: "+string(t), "bell", "3"
	switch t {
	case EventSpike:
		title, tag, prio = "traffic spike", "chart_with_upwards_trend", "4"
	case EventDrop:
		title, tag, prio = "traffic drop", "chart_with_downwards_trend", "4"
	case EventSpikeResolved:
		title, tag = "spike over", "white_check_mark"
	case EventDropResolved:
		title, tag = "traffic recovered", "white_check_mark"
	case EventGoal:
		title, tag = "goal completed", "tada"
	case EventTest:
		title, tag = "test message", "test_tube"
	}
	if site != "" {
		title = site + ": " + title
	}
	return map[string]string{
		"Title":    mime.QEncoding.Encode("UTF-8", title),
		"Tags":     tag + "," + string(t),
		"Priority": prio,
	}
}

// MessageHeaders returns the headers that w's format sets on a request
// carrying an event of type t: Content-Type always, and ntfy's Title, Tags
// and Priority. Custom headers (Webhook.Headers) are not among them.
func MessageHeaders(w *Webhook, t EventType) map[string]string {
	h := map[string]string{}
	if w.Format == FormatNtfy {
		h = ntfyHeaders(w.Site, t)
	}
	h["Content-Type"] = w.ContentType()
	return h
}
