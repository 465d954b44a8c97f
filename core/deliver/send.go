package deliver

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hashicorp/go-retryablehttp"

	"github.com/hookwatch/hookwatch/core"
)

// hidden replaces custom header values in the attempt log: they are
// credentials more often than not.
const hidden = core.Hidden

// drainLimit bounds how much of a response past MaxResponseBody is read to
// keep the connection for reuse; a bigger body costs the connection instead.
const drainLimit = 64 << 10

// errInterrupted is the error text of an attempt cut off by shutdown.
const errInterrupted = "interrupted by shutdown"

// jsonType is the Content-Type of most requests (target.contentType). Header values are shared
// between requests, and never written to.
var jsonType = []string{"application/json"}

// try is one request in the making: what the attempt log needs of it
// before the answer.
type try struct {
	started time.Time           // cfg.Now at the start, for the log
	t0      time.Time           // the monotonic start, for the duration
	number  int                 // in the retry schedule, from 1
	headers map[string][]string // as logged
}

// headers returns the headers of a request of d to t at now, signed, and
// the same with the custom headers' values hidden, for the attempt log.
func (e *Engine) headers(t *target, p *prepared, d *core.Delivery, now time.Time) (h http.Header, logged map[string][]string) {
	fh := t.formatHeaders(d.EventType)
	h = make(http.Header, 5+len(fh)+len(p.custom))
	// The format's headers go first, so that a custom header may override
	// ntfy's Title or Priority; never the Content-Type or the signature,
	// which core reserves.
	for k, v := range fh {
		h.Set(k, v)
	}
	for k, v := range p.custom {
		h[k] = v
	}
	ts := now.Unix()
	// One array for the three values that are the request's own.
	own := []string{d.MsgID, strconv.FormatInt(ts, 10), core.Sign(d.MsgID, ts, d.Payload, p.keysAt(t, now)...)}
	h["Content-Type"] = t.contentType
	h["User-Agent"] = e.userAgent
	h["Webhook-Id"] = own[0:1:1]
	h["Webhook-Timestamp"] = own[1:2:2]
	h["Webhook-Signature"] = own[2:3:3]
	if len(p.hidden) == 0 {
		// The log may share the map: nothing writes to it once sent.
		return h, h
	}
	logged = make(map[string][]string, len(h))
	for k, v := range h {
		logged[k] = v
	}
	for _, k := range p.hidden {
		logged[k] = []string{hidden}
	}
	return h, logged
}

// newRequest builds the request of d to t under ctx, with the headers of
// its first try in w.headers.
func (w *worker) newRequest(ctx context.Context, t *target, d *core.Delivery) (*retryablehttp.Request, error) {
	p := t.prepared()
	if p.err != nil {
		return nil, p.err
	}
	var h http.Header
	h, w.logged = w.e.headers(t, p, d, w.e.cfg.Now())
	// Built by hand, not by http.NewRequest: the URL is parsed once per
	// webhook, not once per request.
	hr := (&http.Request{Method: http.MethodPost, URL: p.url, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: h, Host: p.url.Host}).WithContext(ctx)
	req := &retryablehttp.Request{Request: hr}
	if err := req.SetBody([]byte(d.Payload)); err != nil {
		return nil, err
	}
	return req, nil
}

// outcome turns the answer of the try in progress (w.cur) of the delivery
// in hand (resp, or the failure err) into its attempt, closing the body,
// and asks the policy what follows. ctx is the request's: cut off
// mid-request, the attempt is interrupted, unless the worker makes a test
// send (w.once), which also turns a retry into a failure: a test send is
// one attempt and no more. The body is read into w.buf.
func (w *worker) outcome(ctx context.Context, resp *http.Response, err error) core.AttemptResult {
	cfg, tr, d, buf, once := w.e.cfg, &w.cur, w.j.d, w.buf, w.once
	a := &core.Attempt{DeliveryID: d.ID, StartedAt: tr.started, Number: tr.number, RequestHeaders: tr.headers}
	res := core.AttemptResult{Delivery: d, Attempt: a}
	if err != nil && resp != nil {
		resp.Body.Close()
		resp = nil
	}
	status, retryAfter := 0, ""
	if resp != nil {
		status, retryAfter = resp.StatusCode, resp.Header.Get("Retry-After")
		a.StatusCode = status
		a.ResponseHeaders = resp.Header
		body, rerr := readBody(resp.Body, buf)
		a.ResponseBody = body
		if rerr != nil {
			err = fmt.Errorf("reading response body: %w", rerr)
		}
		if status >= 300 && status < 400 && err == nil {
			err = fmt.Errorf("answered %d; redirects are not followed (Location: %s)", status, resp.Header.Get("Location"))
		}
	}
	a.Duration = time.Since(tr.t0)
	a.DurationMS = float64(a.Duration.Microseconds()) / 1000
	if err != nil {
		a.Error = redactErr(err).Error()
	}
	now := cfg.Now()

	if resp == nil && ctx.Err() != nil {
		if once {
			a.Error = "cancelled: " + a.Error
			res.Decision = core.Decision{Verdict: core.VerdictFail}
			return res
		}
		a.Interrupted = true
		a.Error = errInterrupted
		res.Decision = core.Decision{Verdict: core.VerdictInterrupted, NextAttemptAt: now}
		return res
	}
	res.Decision = cfg.Policy.Decide(tr.number, status, retryAfter, now, cfg.Rand())
	if once && res.Decision.Verdict == core.VerdictRetry {
		res.Decision.Verdict = core.VerdictFail
		res.Decision.NextAttemptAt = time.Time{}
	}
	return res
}

// readBody keeps the first len(buf) bytes of body (core.MaxResponseBody),
// read into buf, drains a bounded amount more so the connection can be
// reused, and closes it. A huge body is never held in memory.
func readBody(body io.ReadCloser, buf []byte) (string, error) {
	defer body.Close()
	n, err := io.ReadFull(body, buf)
	switch {
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		err = nil
	case err == nil:
		// Past what is kept, a failure only costs the connection.
		_, _ = io.CopyN(io.Discard, body, drainLimit)
	}
	if utf8.Valid(buf[:n]) {
		return string(buf[:n]), err
	}
	return strings.ToValidUTF8(string(buf[:n]), "\uFFFD"), err
}

// Preview returns the headers and the body w would be sent for a sample
// event of type t (core.Preview), with custom header values hidden and a
// placeholder webhook-id, signed now.
func (e *Engine) Preview(w *core.Webhook, t core.EventType) (http.Header, []byte, error) {
	body, err := core.Preview(w, t)
	if err != nil {
		return nil, nil, err
	}
	tg := newTarget(w)
	p := tg.prepared()
	if p.err != nil {
		return nil, nil, p.err
	}
	d := &core.Delivery{MsgID: core.MessageID(w.ID, "preview:"+string(t)), EventType: t, Payload: body}
	_, logged := e.headers(tg, p, d, e.cfg.Now())
	return http.Header(logged), body, nil
}

// redactErr hides the secret query parameters of the URL that net/http
// puts in its errors (core.RedactURL): errors are logged and stored.
func redactErr(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		ue.URL = core.RedactURL(ue.URL)
	}
	return err
}
