package deliver_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hookwatch/hookwatch/core"
)

// TestAttemptTimeout checks that the per-attempt timeout bounds a try from
// connect to the last byte of the body, as http.Client.Timeout did before
// the engine's transport took it over, and that the attempt log says so.
func TestAttemptTimeout(t *testing.T) {
	// Long enough that an answer given at once never times out on a
	// loaded machine.
	const timeout = 2 * time.Second
	tests := []struct {
		name string
		// handle answers the first request; later ones get a 200.
		handle     func(rc *receiver, w http.ResponseWriter, r *http.Request)
		statuses   string // of the attempts logged
		firstError string // part of the first attempt's error
	}{{
		name:       "no headers",
		handle:     func(rc *receiver, w http.ResponseWriter, r *http.Request) { rc.hang(r) },
		statuses:   "0 200",
		firstError: "no answer within the 2s timeout",
	}, {
		name: "a body that never ends",
		handle: func(rc *receiver, w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusOK)
			_, _ = w.Write([]byte("partial"))
			http.NewResponseController(w).Flush()
			rc.hang(r)
		},
		// The endpoint said 200: the webhook got it, cut off or not.
		statuses:   "200",
		firstError: "reading response body: body not finished within the 2s timeout",
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			st := newStore(t)
			var rc *receiver
			rc = newReceiver(t, func(w http.ResponseWriter, r *http.Request, n int) {
				if n == 1 {
					tc.handle(rc, w, r)
				}
			})
			w := st.addHook(t, rc.URL+"/h", nil)
			cfg := testConfig(t, st)
			cfg.Policy.Timeout = timeout
			start(t, cfg)
			ids := st.enqueue(t, w, "e1")
			d := st.waitState(t, w, ids[0], core.StateSucceeded)
			if got := statuses(d); got != tc.statuses {
				t.Fatalf("attempts logged: %s; want %s", got, tc.statuses)
			}
			a := d.Attempts[0]
			if !strings.Contains(a.Error, tc.firstError) {
				t.Errorf("first attempt's error = %q; want it to say %q", a.Error, tc.firstError)
			}
			if a.Interrupted {
				t.Errorf("first attempt logged as interrupted; a timeout is the endpoint's failure")
			}
			if a.Duration < timeout {
				t.Errorf("first attempt took %v; it cannot have ended before the %v timeout", a.Duration, timeout)
			}
		})
	}
}
