package deliver

import (
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/hookwatch/hookwatch/core"
)

// target is what the engine keeps of a webhook in order to send to it: the
// webhook itself, as the shared core.WebhookCache holds it (so that 100,000
// webhooks are held once, not once by the poller and again here), whether
// it may be sent to, and what its requests share once made. It is never
// changed once built; a change to the webhook that changes its requests
// builds a new one, which is how a worker notices that the webhook it is
// retrying was edited. The parsed URL and keys are made on first use: most
// of a large cache is not sent to between two edits.
type target struct {
	w       *core.Webhook // shared: never changed
	enabled bool          // w.Enabled, unless the engine disabled it since
	// contentType is the format's Content-Type (core.MessageHeaders give
	// the format's other headers: ntfy's Title, Tags and Priority).
	contentType []string

	once sync.Once
	prep *prepared
}

// prepared is what a target's requests share, made once.
type prepared struct {
	url  *url.URL
	keys [][]byte // the current secret's key, then the previous one's
	// custom holds the custom headers, by canonical name, and hidden
	// their names, whose values the attempt log leaves out.
	custom http.Header
	hidden []string
	err    error // why no request can be made (an unusable URL or secret)
}

func newTarget(w *core.Webhook) *target {
	t := &target{w: w, enabled: w.Enabled, contentType: jsonType}
	if ct := w.ContentType(); ct != jsonType[0] {
		t.contentType = []string{ct}
	}
	return t
}

// same reports whether t and o send alike. A webhook's row changes for
// reasons that leave its requests as they were (its failure clock starts
// with the first failed attempt), and such a change must neither end a
// retry waiting in process nor parse the webhook again.
func (t *target) same(o *target) bool {
	a, b := t.w, o.w
	return a.URL == b.URL && a.Secret == b.Secret && a.PrevSecret == b.PrevSecret &&
		a.PrevSecretUntil.Equal(b.PrevSecretUntil) && t.enabled == o.enabled && a.AllowPrivate == b.AllowPrivate &&
		maps.Equal(a.Headers, b.Headers) && a.Format == b.Format && a.Site == b.Site && t.contentType[0] == o.contentType[0]
}

// allowPrivate says whether t may be sent to private addresses.
func (t *target) allowPrivate() bool { return t.w.AllowPrivate }

// disabled returns a copy of t that is disabled.
func (t *target) disabled() *target {
	return &target{w: t.w, contentType: t.contentType}
}

// prepared parses t's URL and secrets on first use.
func (t *target) prepared() *prepared {
	t.once.Do(func() {
		p := &prepared{}
		t.prep = p
		u, err := url.Parse(t.w.URL)
		if err != nil {
			p.err = err
			return
		}
		k, err := core.ParseSecret(t.w.Secret)
		if err != nil {
			p.err = fmt.Errorf("webhook %d has an unusable secret: %w", t.w.ID, err)
			return
		}
		p.url, p.keys = u, [][]byte{k}
		if t.w.PrevSecret != "" {
			if pk, err := core.ParseSecret(t.w.PrevSecret); err == nil {
				p.keys = append(p.keys, pk)
			}
		}
		if len(t.w.Headers) > 0 {
			p.custom = make(http.Header, len(t.w.Headers))
			for k, v := range t.w.Headers {
				ck := http.CanonicalHeaderKey(k)
				p.custom[ck] = []string{v}
				p.hidden = append(p.hidden, ck)
			}
		}
	})
	return t.prep
}

// keysAt returns the keys that sign a request at now: the current
// secret's, and the previous one's while it is still in its overlap.
func (p *prepared) keysAt(t *target, now time.Time) [][]byte {
	if len(p.keys) > 1 && !now.Before(t.w.PrevSecretUntil) {
		return p.keys[:1]
	}
	return p.keys
}

// formatHeaders returns the headers of t's format for an event of type et
// other than the Content-Type, or nil when the format has none (all but
// ntfy).
func (t *target) formatHeaders(et core.EventType) map[string]string {
	if t.w.Format != core.FormatNtfy {
		return nil
	}
	h := core.MessageHeaders(t.w, et)
	delete(h, "Content-Type")
	return h
}
