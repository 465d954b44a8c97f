//go:build nogui

package main

import "context"

// runWindow explains that this build has no window.
func (c *cli) runWindow(ctx context.Context) error {
	return exitError{code: exitUsage, msg: "this build has no window (built with -tags nogui); run `hookwatch --headless` or a subcommand"}
}
