package deliver

import (
	"log/slog"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"time"

	"golang.org/x/time/rate"

	"github.com/hookwatch/hookwatch/core"
)

// Config configures an Engine. Deliveries and Webhooks are required; every
// other zero field takes the default named beside it.
type Config struct {
	Deliveries core.DeliveryService
	Webhooks   core.WebhookService
	// Hooks, if set, is the webhook cache the engine refreshes from
	// Webhooks and sends from; the caller shares it with the poller so
	// that each webhook is held once. Nil: the engine keeps its own.
	Hooks *core.WebhookCache

	// Policy decides what follows each attempt; default
	// core.DefaultRetryPolicy().
	Policy core.RetryPolicy

	// Workers send first attempts (default 16). RetryWorkers is how many
	// requests the retry lane has in flight at once (default 4): a backlog
	// of retries never delays fresh events. RetryWaits is how many
	// deliveries may wait in process for a short retry step at once
	// (default 1024; see core.ShortRetry); beyond it, a short step too
	// waits in the outbox.
	Workers      int
	RetryWorkers int
	RetryWaits   int

	// RatePerWebhook and Burst shape each webhook's token bucket (default
	// 10/s, burst one second's worth). Deliveries over the rate wait in the
	// outbox; none is dropped.
	RatePerWebhook rate.Limit
	Burst          int
	// MaxInFlightPerWebhook caps one webhook's concurrent requests, retries
	// in process included (default 4), so that a slow endpoint holds at
	// most that many workers.
	MaxInFlightPerWebhook int

	// Resolver resolves webhook hosts (nil: net.DefaultResolver). Tests
	// inject one that asks a DNS server on loopback.
	Resolver *net.Resolver
	// Proxy, when set, is used for every request. Proxies are never read
	// from the environment. The private-address guard then judges the
	// proxy's address, not the webhook's.
	Proxy func(*http.Request) (*url.URL, error)

	UserAgent string       // default "hookwatch"
	Logger    *slog.Logger // default slog.Default()

	// PollEvery is how often the outbox is read when nothing called Notify
	// (default 500ms). It bounds how late a delivery queued by another
	// process, such as `hookwatch redeliver`, is picked up.
	PollEvery time.Duration
	// ReadBatch is the most deliveries read per query (default 4096). A
	// read costs about as much whatever its size, so it is large; what is
	// read waits in memory for a worker.
	ReadBatch int
	// BatchSize and FlushEvery bound how many results wait for one commit
	// and for how long (defaults 512 and 20ms: a commit costs about the
	// same whatever its size, so a longer wait makes it cheaper per
	// attempt; an attempt counts only once committed either way).
	BatchSize  int
	FlushEvery time.Duration
	// DrainTimeout is how long Run waits on shutdown for requests in flight
	// before it cuts them off and records them as interrupted (default 10s).
	DrainTimeout time.Duration
	// PruneAfter is how long attempts are kept (default 30 days); PruneEvery
	// is how often older ones are deleted (default 1h). A negative
	// PruneAfter never prunes.
	PruneAfter time.Duration
	PruneEvery time.Duration

	// OnAttempt, if set, is called with every attempt after it is
	// recorded, from one goroutine at a time per caller; it must not block.
	OnAttempt func(core.AttemptResult)

	// Now and Rand stand in for the clock and the jitter source in tests.
	Now  func() time.Time
	Rand func() float64
}

func (c Config) withDefaults() Config {
	if c.Hooks == nil {
		c.Hooks = &core.WebhookCache{}
	}
	if c.Policy.Schedule == nil {
		c.Policy = core.DefaultRetryPolicy()
	}
	if c.Policy.Timeout <= 0 {
		c.Policy.Timeout = 10 * time.Second
	}
	if c.Workers <= 0 {
		c.Workers = 16
	}
	if c.RetryWorkers <= 0 {
		c.RetryWorkers = 4
	}
	if c.RetryWaits <= 0 {
		c.RetryWaits = 1024
	}
	if c.RatePerWebhook == 0 {
		c.RatePerWebhook = 10
	}
	if c.Burst <= 0 {
		c.Burst = 1
		if c.RatePerWebhook != rate.Inf && float64(c.RatePerWebhook) > 1 {
			c.Burst = int(math.Ceil(float64(c.RatePerWebhook)))
		}
	}
	if c.MaxInFlightPerWebhook <= 0 {
		c.MaxInFlightPerWebhook = 4
	}
	if c.UserAgent == "" {
		c.UserAgent = "hookwatch"
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.PollEvery <= 0 {
		c.PollEvery = 500 * time.Millisecond
	}
	if c.ReadBatch <= 0 {
		c.ReadBatch = 4096
	}
	if c.BatchSize <= 0 {
		c.BatchSize = 512
	}
	if c.FlushEvery <= 0 {
		c.FlushEvery = 20 * time.Millisecond
	}
	if c.DrainTimeout <= 0 {
		c.DrainTimeout = 10 * time.Second
	}
	if c.PruneAfter == 0 {
		c.PruneAfter = 30 * 24 * time.Hour
	}
	if c.PruneEvery <= 0 {
		c.PruneEvery = time.Hour
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Rand == nil {
		c.Rand = rand.Float64
	}
	return c
}
