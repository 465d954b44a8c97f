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
		err = a.explain(err, ctx, parent, "no answer")
		cancel()
		return nil, err
	}
	resp.Body = &cancelOnClose{ReadCloser: resp.Body, a: a, ctx: ctx, parent: parent, cancel: cancel}
	return resp, nil
}

// explain says in err that the try ran out of time, if it did: ctx, the
// try's, is done while parent, the caller's, is not. what is what did not
// come in time.
func (a attemptTransport) explain(err error, ctx, parent context.Context, what string) error {
	if ctx.Err() != nil && parent.Err() == nil {
		return fmt.Errorf("%s within the %v timeout: %w", what, a.timeout, err)
	}
	return err
}

// cancelOnClose is a response body that ends its try's deadline when it is
// closed, and says so when the deadline cut it off.
type cancelOnClose struct {
	io.ReadCloser
	a           attemptTransport
	ctx, parent context.Context
	cancel      context.CancelFunc
}

func (b *cancelOnClose) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil && err != io.EOF {
		err = b.a.explain(err, b.ctx, b.parent, "body not finished")
	}
	return n, err
}

func (b *cancelOnClose) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}
