package main

import (
	"context"
	"time"

	"github.com/hookwatch/hookwatch/core"
)

var _ core.BaselineSource = (*liveSource)(nil)

// baselines returns the current source's baseline reads: the ClickHouse
// source has them, and any other is an internal error worth seeing.
func (l *liveSource) baselines() (core.BaselineSource, error) {
	if b, ok := l.get().(core.BaselineSource); ok {
		return b, nil
	}
	return nil, core.Errorf(core.EINTERNAL, "this traffic source cannot read history for baselines")
}

func (l *liveSource) BucketCounts(ctx context.Context, q core.CountQuery) (map[uint64]*core.BucketCounts, error) {
	b, err := l.baselines()
	if err != nil {
		return nil, err
	}
	return b.BucketCounts(ctx, q)
}

func (l *liveSource) FirstEvents(ctx context.Context, siteIDs []uint64, since []time.Time) (map[uint64][]time.Time, error) {
	b, err := l.baselines()
	if err != nil {
		return nil, err
	}
	return b.FirstEvents(ctx, siteIDs, since)
}
