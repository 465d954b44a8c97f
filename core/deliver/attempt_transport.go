package deliver

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"
)

// attemptTransport is the transport of the engine's HTTP clients. It does
// two things that http.Client cannot be told to do cheaply:
//
//   - It bounds each try, connect to last byte of the body, by timeout
//     (core.RetryPolicy.Timeout), through the request's context. The
//     client's own Timeout would do the same, but for a transport it does
//     not know (this one) net/http enforces it with a timer goroutine and a
//     legacy Request.Cancel channel, which the Transport watches with a
//     second goroutine: two goroutines per request, at thousands a second.
//   - It has no CloseIdleConnections, so http.Client.CloseIdleConnections
//     does nothing. go-retryablehttp calls it after every request that ends
//     in a failure: with the pool shared by all workers, one dead endpoint
//     would otherwise close the kept-alive connections of every healthy
//     one, many times a second.
type attemptTransport struct {
	t       *http.Transport
	timeout time.Duration
}

// RoundTrip sends r within the timeout. The deadline holds until the
// response body is closed, as http.Client.Timeout's does, so that a body
// that trickles is cut off too.
func (a attemptTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	parent := r.Context()
	ctx, cancel := context.WithTimeout(parent, a.timeout)
	resp, err := a.t.RoundTrip(r.WithContext(ctx))
	if err != nil {
		timedOut := ctx.Err() != nil && parent.Err() == nil
		cancel()
		if timedOut {
			return nil, fmt.Errorf("no answer within the %v timeout: %w", a.timeout, err)
		}
		return nil, err
	}
	resp.Body = &cancelOnClose{ReadCloser: resp.Body, cancel: cancel}
	return resp, nil
}

// cancelOnClose is a response body that ends its try's deadline when it is
// closed.
type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (b *cancelOnClose) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}
