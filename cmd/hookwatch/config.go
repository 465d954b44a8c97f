package main

import (
	"os"
	"time"

	"github.com/hookwatch/hookwatch/core"
)

// Config is what the global flags and the environment say. Empty fields fall
// back, in order, to the environment, the settings stored in the database,
// and the defaults.
type Config struct {
	DBPath        string
	ClickHouseDSN string
	PollInterval  time.Duration
	LateHorizon   time.Duration // 0: core.DefaultLateHorizon
	Headless      bool
	Listen        string
	LogFormat     string
	LogLevel      string
	DrainTimeout  time.Duration
	// KeepAttempts is how long the attempt log is kept (0: 30 days).
	KeepAttempts time.Duration
	// Retry holds the hidden --retry-schedule and --request-timeout.
	Retry RetryConfig
	// Screenshots and ScreenshotsAfter are the hidden --screenshots flags (make screenshots).
	Screenshots      string
	ScreenshotsAfter time.Duration
	// CPUProfile is the hidden --cpuprofile: where Run to Close writes a CPU profile.
	CPUProfile string
	// MemProfile is the hidden --memprofile: where Close writes a heap
	// profile (and, on unix, SIGUSR1 writes one numbered beside it), each
	// with the runtime's memory figures in a .stats file beside it.
	MemProfile string
}

// Environment variables, read when the matching flag is not given.
const (
	EnvDB         = "HOOKWATCH_DB"
	EnvClickHouse = "HOOKWATCH_CLICKHOUSE"
)

// DefaultPollInterval is how often ClickHouse is polled unless configured.
const DefaultPollInterval = core.DefaultPollInterval

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

func envOr(flagVal, env string) string { return firstNonEmpty(flagVal, os.Getenv(env)) }
