package main

import (
	"context"

	"github.com/hookwatch/hookwatch/core"
	"github.com/hookwatch/hookwatch/core/history"
)

// HistoryReader returns the history cache over ClickHouse, opening the
// source on first use. One cache serves the process, so the window's chart
// and form share what they read. It never contacts ClickHouse itself.
func (m *Main) HistoryReader(ctx context.Context) (core.HistoryReader, error) {
	if m.history != nil {
		return m.history, nil
	}
	src, err := m.OpenSource(ctx)
	if err != nil {
		return nil, err
	}
	hs, ok := src.(core.HistorySource)
	if !ok {
		return nil, core.Errorf(core.EINTERNAL, "the traffic source reads no history")
	}
	m.history = history.New(hs, history.DefaultLateHorizon)
	return m.history, nil
}
