package deliver

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"

	"github.com/hookwatch/hookwatch/core"
)

// newHTTPClient returns the HTTP client of one egress class, which every
// worker's go-retryablehttp clients share. allowPrivate picks whether the
// dialer may connect to private addresses; the check runs in
// Dialer.Control, on the address actually dialled after DNS, so that a name
// that resolves (or rebinds) to a private address is refused too.
func newHTTPClient(cfg Config, allowPrivate bool) *http.Client {
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
	return &http.Client{
		// No Client.Timeout: attemptTransport bounds each try instead.
		Transport: attemptTransport{t: transport, timeout: cfg.Policy.Timeout},
		// A redirect is a failed attempt: following it could carry a
		// signed payload to a host the user never configured.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
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
