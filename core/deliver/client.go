package deliver

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"

	"github.com/hashicorp/go-retryablehttp"

	"github.com/hookwatch/hookwatch/core"
)

// newClient returns the HTTP client of one egress class. allowPrivate picks
// whether the dialer may connect to private addresses; the check runs in
// Dialer.Control, on the address actually dialled after DNS, so that a name
// that resolves (or rebinds) to a private address is refused too.
//
// go-retryablehttp makes exactly one request per Do (RetryMax 0): every
// request must be a logged attempt, and the long schedule lives in the
// store, where it survives restarts.
func newClient(cfg Config, allowPrivate bool) *retryablehttp.Client {
	log := cfg.Logger
	dialer := &net.Dialer{
		Timeout:   cfg.Policy.Timeout,
		KeepAlive: 30 * time.Second,
		Resolver:  cfg.Resolver,
	}
	if !allowPrivate {
		dialer.Control = refusePrivate
	}
	transport := &http.Transport{
		Proxy:                 cfg.Proxy, // nil: never from the environment
		DialContext:           dialer.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          1024,
		MaxIdleConnsPerHost:   64,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
	policy := cfg.Policy
	return &retryablehttp.Client{
		HTTPClient: &http.Client{
			Transport: transport,
			Timeout:   policy.Timeout,
			// A redirect is a failed attempt: following it could carry a
			// signed payload to a host the user never configured.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		RetryMax: 0,
		CheckRetry: func(ctx context.Context, resp *http.Response, err error) (bool, error) {
			// Never retried in process, whatever the policy says: the next
			// attempt is the store's to schedule, and a hidden retry would
			// be a request missing from the log.
			if retryable(policy, resp, err) && log.Enabled(ctx, slog.LevelDebug) {
				log.DebugContext(ctx, "attempt failed; the outbox schedules the retry", "status", statusOf(resp), "error", redactErr(err))
			}
			return false, nil
		},
		Backoff: func(_, _ time.Duration, attemptNum int, resp *http.Response) time.Duration {
			ra := ""
			if resp != nil {
				ra = resp.Header.Get("Retry-After")
			}
			now := time.Now()
			d := policy.Decide(attemptNum+1, statusOf(resp), ra, now, 0.5)
			if d.Verdict != core.VerdictRetry {
				return 0
			}
			return d.NextAttemptAt.Sub(now)
		},
		ErrorHandler: retryablehttp.PassthroughErrorHandler,
	}
}

// retryable reports whether the policy would try again after an answer resp
// (or a failure err) to a first attempt.
func retryable(p core.RetryPolicy, resp *http.Response, err error) bool {
	if err != nil {
		return len(p.Schedule) > 1
	}
	return p.Decide(1, statusOf(resp), "", time.Time{}, 0.5).Verdict == core.VerdictRetry
}

func statusOf(resp *http.Response) int {
	if resp == nil {
		return 0
	}
	return resp.StatusCode
}

// refusePrivate is a Dialer.Control that refuses a private destination.
func refusePrivate(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("refused to connect to %s: not an IP address", address)
	}
	if reason := core.PrivateAddrReason(ap.Addr()); reason != "" {
		return fmt.Errorf("refused to connect to %s: %s; set allow_private on the webhook to allow it", ap.Addr().Unmap(), reason)
	}
	return nil
}
