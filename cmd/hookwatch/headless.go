package main

import (
	"context"
	"errors"
)

// runHeadless runs the engine until SIGINT or SIGTERM, then drains and
// returns nil so that the process exits 0.
func (c *cli) runHeadless(ctx context.Context) error {
	m, err := c.open(ctx)
	if err != nil {
		return err
	}
	if err := m.Run(ctx); err != nil {
		return err // another engine on this database is a conflict: exit 2
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
