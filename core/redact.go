package core

import (
	"net/url"
	"slices"
	"strings"
)

// Hidden stands in for a secret wherever one would be shown: custom header
// values and the credentials some webhook URLs carry in their query.
const Hidden = "[hidden]"

// secretQueryParams are query parameters that make a webhook URL its own
// credential: the sig of a Microsoft Teams (Power Automate) workflow URL,
// a shared access signature, and the token of a Google Chat webhook.
var secretQueryParams = []string{"sig", "token"}

// RedactURL returns raw with the values of its secret query parameters
// replaced by Hidden, for display and logs. Anything else is kept as
// written; a URL that does not parse is returned whole only if it has no
// query.
func RedactURL(raw string) string {
	base, query, ok := strings.Cut(raw, "?")
	if !ok {
		return raw
	}
	query, frag, hasFrag := strings.Cut(query, "#")
	parts := strings.Split(query, "&")
	for i, p := range parts {
		name, _, _ := strings.Cut(p, "=")
		if n, err := url.QueryUnescape(name); err == nil && slices.Contains(secretQueryParams, strings.ToLower(n)) {
			parts[i] = name + "=" + Hidden
		}
	}
	out := base + "?" + strings.Join(parts, "&")
	if hasFrag {
		out += "#" + frag
	}
	return out
}

// UnredactURL puts back into edited, a URL the user may have changed from
// RedactURL(stored), the stored value of each secret query parameter still
// written as Hidden, so that a form can show a URL without its secret and
// still save it whole.
func UnredactURL(edited, stored string) string {
	if !strings.Contains(edited, Hidden) {
		return edited
	}
	_, sq, _ := strings.Cut(stored, "?")
	sq, _, _ = strings.Cut(sq, "#")
	values := map[string]string{}
	for _, p := range strings.Split(sq, "&") {
		name, v, _ := strings.Cut(p, "=")
		values[name] = v
	}
	base, query, ok := strings.Cut(edited, "?")
	if !ok {
		return edited
	}
	query, frag, hasFrag := strings.Cut(query, "#")
	parts := strings.Split(query, "&")
	for i, p := range parts {
		name, v, _ := strings.Cut(p, "=")
		if sv, ok := values[name]; ok && v == Hidden {
			parts[i] = name + "=" + sv
		}
	}
	out := base + "?" + strings.Join(parts, "&")
	if hasFrag {
		out += "#" + frag
	}
	return out
}

// DisplayURL is w's URL as it may be shown or logged (RedactURL).
func (w *Webhook) DisplayURL() string { return RedactURL(w.URL) }
