// Command hookwatch watches a self-hosted Plausible's ClickHouse and sends
// signed webhooks when a site's traffic spikes or drops, or a goal is
// completed. Plain `hookwatch` opens the window; `--headless` runs the same
// engine without one; subcommands script what the window does.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

// version is stamped at build time with -ldflags "-X main.version=…".
var version = "0.0.0-dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
