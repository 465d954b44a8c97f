package main

import (
	"context"
	"time"

	"github.com/hookwatch/hookwatch/core"
)

var _ core.BaselineSource = (*liveSource)(nil)

// baselineReads returns r's baseline reads: the ClickHouse source has them,
// and any other is an internal error worth seeing.
func baselineReads(r *sourceRef) (core.BaselineSource, error) {
	if b, ok := r.src.(core.BaselineSource); ok {
		return b, nil
	}
	return nil, core.Errorf(core.EINTERNAL, "this traffic source cannot read history for baselines")
}

// BucketCounts implements core.BaselineSource on the source in force.
func (l *liveSource) BucketCounts(ctx context.Context, q core.CountQuery) (map[uint64]*core.BucketCounts, error) {
	r := l.acquire()
	defer r.calls.Done()
	b, err := baselineReads(r)
	if err != nil {
		return nil, err
	}
	return b.BucketCounts(ctx, q)
}

// FirstEvents implements core.BaselineSource on the source in force.
func (l *liveSource) FirstEvents(ctx context.Context, siteIDs []uint64, since []time.Time) (map[uint64][]time.Time, error) {
	r := l.acquire()
	defer r.calls.Done()
	b, err := baselineReads(r)
	if err != nil {
		return nil, err
	}
	return b.FirstEvents(ctx, siteIDs, since)
}
