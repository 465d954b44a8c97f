package main

import (
	"context"
	"errors"

	"github.com/hookwatch/hookwatch/core"
)

// runHeadless runs the engine until SIGINT or SIGTERM, then drains and
// returns nil so that the process exits 0.
func (c *cli) runHeadless(ctx context.Context) error {
	m, err := c.open(ctx)
	if err != nil {
		return err
	}
	if err := m.Run(ctx); err != nil {
		if core.ErrorCode(err) == core.ECONFLICT {
			return exitError{code: exitRuntime, msg: core.ErrorMessage(err)}
		}
		return err
	}
	m.Logger.Info("hookwatch started", m.Startup(ctx)...)
	select {
	case <-ctx.Done():
		m.Logger.Info("shutting down", "drain_timeout", m.Config.DrainTimeout)
		return nil
	case err := <-m.Errors():
		if errors.Is(err, context.Canceled) {
			return nil
		}
		return err
	}
}
