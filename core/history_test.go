package core_test

import (
	"slices"
	"testing"
	"time"

	"github.com/hookwatch/hookwatch/core"
)

func TestSeriesKind(t *testing.T) {
	for _, tc := range []struct {
		k     core.SeriesKind
		field string
		label string
	}{
		{core.SpikeSeries, "", "5m"},
		{core.HourlySeries, "", "1h"},
		{core.DropSeries, "", "1h"},
		{core.SeriesKind{Step: 7 * time.Minute, Window: 7 * time.Minute}, "step", ""},
		{core.SeriesKind{Step: 30 * time.Second, Window: time.Minute}, "step", ""},
		{core.SeriesKind{Step: time.Hour, Window: 90 * time.Minute}, "window", ""},
		{core.SeriesKind{Step: time.Minute, Window: 5 * time.Hour}, "window", ""},
	} {
		if got := core.ErrorField(tc.k.Validate()); got != tc.field {
			t.Errorf("%+v: field %q, want %q", tc.k, got, tc.field)
		}
		if tc.label != "" && tc.k.Label() != tc.label {
			t.Errorf("%+v: label %q, want %q", tc.k, tc.k.Label(), tc.label)
		}
	}
	// Buckets align to UTC, whatever the zone of the time given.
	kolkata := time.FixedZone("IST", 5*3600+1800)
	at := time.Date(2026, 12, 1, 10, 7, 30, 0, kolkata)
	if got := core.HourlySeries.Align(at); !got.Equal(time.Date(2026, 12, 1, 4, 0, 0, 0, time.UTC)) {
		t.Errorf("Align(%v) = %v", at, got)
	}
}

func TestSeries(t *testing.T) {
	start := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	s := core.Series{Kind: core.SpikeSeries, Start: start, Values: []uint64{5, 1, 9, 3, 7}}
	s.AsOf = s.BucketStart(4).Add(time.Minute) // the last bucket is filling

	if !s.Partial(4) || s.Partial(3) || s.Complete().Len() != 4 {
		t.Errorf("partial: %v %v, complete %d", s.Partial(4), s.Partial(3), s.Complete().Len())
	}
	if !s.At(2).Equal(start.Add(10*time.Minute)) || !s.End(2).Equal(start.Add(15*time.Minute)) {
		t.Errorf("tumbling bucket 2 at %v, ends %v", s.At(2), s.End(2))
	}
	drop := core.Series{Kind: core.DropSeries, Start: start, Values: []uint64{1}}
	if !drop.At(0).Equal(start.Add(time.Hour)) {
		t.Errorf("a rolling count is reported at %v, want its window's end", drop.At(0))
	}
	sub := s.Slice(start.Add(4*time.Minute), start.Add(15*time.Minute))
	if !sub.Start.Equal(start.Add(5*time.Minute)) || !slices.Equal(sub.Values, []uint64{1, 9}) {
		t.Errorf("Slice: start %v, %v", sub.Start, sub.Values)
	}
	if got := s.Slice(start.Add(-time.Hour), start.Add(time.Hour)); got.Len() != 5 {
		t.Errorf("Slice beyond both ends has %d buckets", got.Len())
	}
	if s.Peak() != 9 {
		t.Errorf("Peak = %d", s.Peak())
	}
	for _, tc := range []struct {
		q    float64
		want uint64
	}{{0.95, 9}, {0.5, 5}, {0.2, 1}, {0.4, 3}} {
		if got := s.Quantile(tc.q); got != tc.want {
			t.Errorf("Quantile(%g) = %d, want %d", tc.q, got, tc.want)
		}
	}
	if (core.Series{}).Quantile(0.95) != 0 || (core.Series{}).Peak() != 0 {
		t.Error("an empty series has a non-zero peak or quantile")
	}
}

func TestTrafficRule(t *testing.T) {
	spike := core.TrafficRule{Type: core.EventSpike, Threshold: 10}
	drop := core.TrafficRule{Type: core.EventDrop, Threshold: 10}
	if !spike.Holds(10) || spike.Holds(9) || drop.Holds(10) || !drop.Holds(9) {
		t.Error("a spike holds at its threshold and a drop below it")
	}
	if spike.Series() != core.SpikeSeries || drop.Series() != core.DropSeries {
		t.Error("rules read the wrong series")
	}
	w := &core.Webhook{Events: []core.EventType{core.EventSpike, core.EventGoal}, SpikeThreshold: 10, DropThreshold: 3}
	if got := w.TrafficRules(); !slices.Equal(got, []core.TrafficRule{spike}) {
		t.Errorf("TrafficRules = %v: a drop threshold without traffic.drop is not armed", got)
	}
}
