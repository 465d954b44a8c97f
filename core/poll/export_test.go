package poll

import "time"

// SetDigestBucket makes the poller built from cfg cut every digest into
// buckets of d instead of the webhook's DigestInterval, so that a test sees
// a digest interval close within seconds of ClickHouse's clock.
func SetDigestBucket(cfg *Config, d time.Duration) { cfg.digestBucket = d }
