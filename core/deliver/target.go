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
// fields a request needs and none of the rest of core.Webhook, so that a
// cache of 100,000 stays small. It is never changed once built; a change to
// the webhook builds a new one, which is how a worker notices that the
// webhook it is retrying was edited. The parsed URL and keys are made on
// first use: most of a large cache is not sent to between two edits.
type target struct {
	id           int64
	url          string
	secret, prev string
	prevUntil    time.Time
	enabled      bool
	allowPrivate bool
	headers      map[string]string // the custom headers; nil when none
	// format, site and contentType give the format's own headers
	// (core.MessageHeaders): ntfy's Title, Tags and Priority and the
	// Content-Type.
	format      core.Format
	site        string
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
	t := &target{id: w.ID, url: w.URL, secret: w.Secret, prev: w.PrevSecret, prevUntil: w.PrevSecretUntil,
		enabled: w.Enabled, allowPrivate: w.AllowPrivate, format: w.Format, site: w.Site, contentType: jsonType}
	if ct := w.ContentType(); ct != jsonType[0] {
		t.contentType = []string{ct}
	}
	if len(w.Headers) > 0 {
		t.headers = w.Headers
	}
	return t
}

// same reports whether t and o send alike. A webhook's row changes for
// reasons that leave its requests as they were (its failure clock starts
// with the first failed attempt), and such a change must neither end a
// retry waiting in process nor parse the webhook again.
func (t *target) same(o *target) bool {
	return t.url == o.url && t.secret == o.secret && t.prev == o.prev && t.prevUntil.Equal(o.prevUntil) &&
		t.enabled == o.enabled && t.allowPrivate == o.allowPrivate && maps.Equal(t.headers, o.headers) &&
		t.format == o.format && t.site == o.site && t.contentType[0] == o.contentType[0]
}

// disabled returns a copy of t that is disabled.
func (t *target) disabled() *target {
	return &target{id: t.id, url: t.url, secret: t.secret, prev: t.prev, prevUntil: t.prevUntil,
		allowPrivate: t.allowPrivate, headers: t.headers, format: t.format, site: t.site, contentType: t.contentType}
}

// prepared parses t's URL and secrets on first use.
func (t *target) prepared() *prepared {
	t.once.Do(func() {
		p := &prepared{}
		t.prep = p
		u, err := url.Parse(t.url)
		if err != nil {
			p.err = err
			return
		}
		k, err := core.ParseSecret(t.secret)
		if err != nil {
			p.err = fmt.Errorf("webhook %d has an unusable secret: %w", t.id, err)
			return
		}
		p.url, p.keys = u, [][]byte{k}
		if t.prev != "" {
			if pk, err := core.ParseSecret(t.prev); err == nil {
				p.keys = append(p.keys, pk)
			}
		}
		if len(t.headers) > 0 {
			p.custom = make(http.Header, len(t.headers))
			for k, v := range t.headers {
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
	if len(p.keys) > 1 && !now.Before(t.prevUntil) {
		return p.keys[:1]
	}
	return p.keys
}

// formatHeaders returns the headers of t's format for an event of type et
// other than the Content-Type, or nil when the format has none (all but
// ntfy).
func (t *target) formatHeaders(et core.EventType) map[string]string {
	if t.format != core.FormatNtfy {
		return nil
	}
	h := core.MessageHeaders(&core.Webhook{Format: t.format, Site: t.site}, et)
	delete(h, "Content-Type")
	return h
}
