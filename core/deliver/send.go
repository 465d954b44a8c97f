package deliver

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

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

// attempt sends d to w once and returns the attempt and the policy's
// decision. ctx cancelled mid-request (shutdown) makes the attempt
// interrupted, unless once is set (a test send), which also turns a retry
// into a failure: a test send is one attempt and no more.
func (e *Engine) attempt(ctx context.Context, w *core.Webhook, d *core.Delivery, once bool) core.AttemptResult {
	cfg := e.cfg
	started := cfg.Now()
	a := &core.Attempt{DeliveryID: d.ID, StartedAt: started}
	res := core.AttemptResult{Delivery: d, Attempt: a}

	t0 := time.Now()
	resp, err := e.do(ctx, w, d, started, a)
	status, retryAfter := 0, ""
	if resp != nil {
		status, retryAfter = resp.StatusCode, resp.Header.Get("Retry-After")
		a.StatusCode = status
		a.ResponseHeaders = resp.Header
		body, rerr := readBody(resp.Body)
		a.ResponseBody = body
		if rerr != nil && err == nil {
			err = fmt.Errorf("reading response body: %w", rerr)
		}
		if status >= 300 && status < 400 && err == nil {
			err = fmt.Errorf("answered %d; redirects are not followed (Location: %s)", status, resp.Header.Get("Location"))
		}
	}
	a.Duration = time.Since(t0)
	a.DurationMS = float64(a.Duration.Microseconds()) / 1000
	if err != nil {
		a.Error = err.Error()
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
	res.Decision = cfg.Policy.Decide(d.AttemptCount+1, status, retryAfter, now, cfg.Rand())
	if once && res.Decision.Verdict == core.VerdictRetry {
		res.Decision.Verdict = core.VerdictFail
		res.Decision.NextAttemptAt = time.Time{}
	}
	return res
}

// do sends the request and fills a's request headers. A non-nil response
// comes with a nil error (every answer, 2xx or not, is handed back).
func (e *Engine) do(ctx context.Context, w *core.Webhook, d *core.Delivery, now time.Time, a *core.Attempt) (*http.Response, error) {
	h, logged, err := requestHeaders(w, d.MsgID, d.EventType, d.Payload, now, e.cfg.UserAgent)
	if err != nil {
		return nil, err
	}
	a.RequestHeaders = logged

	req, err := retryablehttp.NewRequestWithContext(ctx, http.MethodPost, w.URL, []byte(d.Payload))
	if err != nil {
		return nil, err
	}
	req.Header = h
	client := e.guarded
	if w.AllowPrivate {
		client = e.private
	}
	resp, err := client.Do(req)
	if err != nil {
		if resp != nil {
			resp.Body.Close()
		}
		return nil, redactErr(err)
	}
	return resp, nil
}

// requestHeaders returns the headers of one request carrying body, of
// event type t, with webhook-id msgID, signed at now, and the same headers
// as the attempt log keeps them: custom header values hidden. The format's
// headers (core.MessageHeaders) go first, so that a custom header may
// override ntfy's Title or Priority but never the Content-Type or the
// signature.
func requestHeaders(w *core.Webhook, msgID string, t core.EventType, body []byte, now time.Time, userAgent string) (h, logged http.Header, err error) {
	keys, err := signingKeys(w, now)
	if err != nil {
		return nil, nil, err
	}
	ts := now.Unix()
	fh := core.MessageHeaders(w, t)
	h = make(http.Header, 4+len(fh)+len(w.Headers))
	for k, v := range fh {
		h.Set(k, v)
	}
	for k, v := range w.Headers {
		h.Set(k, v)
	}
	h.Set("User-Agent", userAgent)
	h["Webhook-Id"] = []string{msgID}
	h["Webhook-Timestamp"] = []string{strconv.FormatInt(ts, 10)}
	h["Webhook-Signature"] = []string{core.Sign(msgID, ts, body, keys...)}

	logged = make(http.Header, len(h))
	for k, v := range h {
		logged[k] = v
	}
	for k := range w.Headers {
		logged[http.CanonicalHeaderKey(k)] = []string{hidden}
	}
	return h, logged, nil
}

// Preview returns the headers and the body w would be sent for a sample
// event of type t (core.Preview), with custom header values hidden and a
// placeholder webhook-id, signed now.
func (e *Engine) Preview(w *core.Webhook, t core.EventType) (http.Header, []byte, error) {
	body, err := core.Preview(w, t)
	if err != nil {
		return nil, nil, err
	}
	_, logged, err := requestHeaders(w, core.MessageID(w.ID, "preview:"+string(t)), t, body, e.cfg.Now(), e.cfg.UserAgent)
	if err != nil {
		return nil, nil, err
	}
	return logged, body, nil
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

// signingKeys returns the keys that sign a request at now: the current
// secret's, and the previous one's while it is still in its overlap.
func signingKeys(w *core.Webhook, now time.Time) ([][]byte, error) {
	k, err := core.ParseSecret(w.Secret)
	if err != nil {
		return nil, fmt.Errorf("webhook %d has an unusable secret: %w", w.ID, err)
	}
	keys := [][]byte{k}
	if w.PrevSecret != "" && now.Before(w.PrevSecretUntil) {
		if pk, err := core.ParseSecret(w.PrevSecret); err == nil {
			keys = append(keys, pk)
		}
	}
	return keys, nil
}

// readBody keeps the first MaxResponseBody bytes of body, drains a bounded
// amount more so the connection can be reused, and closes it. A huge body is
// never held in memory.
func readBody(body io.ReadCloser) (string, error) {
	defer body.Close()
	var buf bytes.Buffer
	_, err := buf.ReadFrom(io.LimitReader(body, core.MaxResponseBody))
	if err == nil {
		// Past what is kept, a failure only costs the connection.
		_, _ = io.CopyN(io.Discard, body, drainLimit)
	}
	return strings.ToValidUTF8(buf.String(), "\uFFFD"), err
}
