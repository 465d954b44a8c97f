package history_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/hookwatch/hookwatch/core"
	"github.com/hookwatch/hookwatch/core/history"
	"github.com/hookwatch/hookwatch/storage/clickhouse/chtest"
)

func TestMain(m *testing.M) { chtest.Main(m) }

// recorder is the real source, noting what the cache asks of it.
type recorder struct {
	core.HistorySource
	mu      sync.Mutex
	nows    []time.Time
	queries []core.HistoryQuery
	fail    error
}

func (r *recorder) Now(ctx context.Context) (time.Time, error) {
	r.mu.Lock()
	fail := r.fail
	r.mu.Unlock()
	if fail != nil {
		return time.Time{}, fail
	}
	now, err := r.HistorySource.Now(ctx)
	r.mu.Lock()
	r.nows = append(r.nows, now)
	r.mu.Unlock()
	return now, err
}

func (r *recorder) History(ctx context.Context, q core.HistoryQuery) (map[uint64]core.Series, error) {
	r.mu.Lock()
	r.queries = append(r.queries, q)
	r.mu.Unlock()
	return r.HistorySource.History(ctx, q)
}

func (r *recorder) last() (time.Time, core.HistoryQuery, int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.nows[len(r.nows)-1], r.queries[len(r.queries)-1], len(r.queries)
}

func pageview(at time.Time, site, user uint64) chtest.Event {
	return chtest.Event{Timestamp: at.Truncate(time.Second), Name: "pageview", SiteID: site, UserID: user, Hostname: "c.test", Pathname: "/"}
}

func TestCache(t *testing.T) {
	srv, db := chtest.EventsDB(t)
	src := chtest.Source(t, srv.DSN(db))
	ctx := context.Background()
	now, err := src.Now(ctx)
	if err != nil {
		t.Fatal(err)
	}
	const site = 3
	k := core.SpikeSeries
	// Three visitors two hours ago, one of them twice.
	old := k.Align(now).Add(-2 * time.Hour)
	if err := srv.InsertEvents(db, []chtest.Event{pageview(old, site, 1), pageview(old.Add(time.Minute), site, 2),
		pageview(old.Add(2*time.Minute), site, 2), pageview(old.Add(3*time.Minute), site, 3)}); err != nil {
		t.Fatal(err)
	}
	rec := &recorder{HistorySource: src}
	c := history.New(rec, 2*time.Minute)

	s, err := c.Recent(ctx, site, k, 3*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	first, q, _ := rec.last()
	if s.Len() != 36 || !s.Partial(35) || s.Partial(34) || !s.AsOf.Equal(first) || !q.From.Equal(s.Start) {
		t.Fatalf("first read: %d buckets from %v as of %v (query from %v)", s.Len(), s.Start, s.AsOf, q.From)
	}
	i := int(old.Sub(s.Start) / k.Step)
	if s.Values[i] != 3 || s.Peak() != 3 {
		t.Fatalf("bucket of %v holds %d (peak %d), want 3", old, s.Values[i], s.Peak())
	}

	t.Run("reads again only the buckets younger than the late horizon", func(t *testing.T) {
		// A late event in the old bucket, which the cache treats as final,
		// and a new visitor now, which it must see.
		late, err := src.Now(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := srv.InsertEvents(db, []chtest.Event{pageview(old.Add(time.Minute), site, 99), pageview(late, site, 7)}); err != nil {
			t.Fatal(err)
		}
		s2, err := c.Recent(ctx, site, k, 3*time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		second, q, _ := rec.last()
		if want := k.Align(first.Add(-2 * time.Minute)); !q.From.Equal(want) || !q.To.Equal(k.Align(second).Add(k.Step)) {
			t.Errorf("second read asked [%v, %v), want [%v, %v)", q.From, q.To, want, k.Align(second).Add(k.Step))
		}
		j := int(old.Sub(s2.Start) / k.Step)
		if s2.Values[j] != 3 {
			t.Errorf("the final bucket was read again: %d", s2.Values[j])
		}
		// The bucket of the new visitor: the current one, or the one before
		// if a boundary passed since.
		if got := s2.Values[int(k.Align(late).Sub(s2.Start)/k.Step)]; got != 1 {
			t.Errorf("bucket of %v = %d, want the 1 new visitor", late, got)
		}
		if s2.Len() != 36 || !s2.AsOf.Equal(second) {
			t.Errorf("%d buckets as of %v", s2.Len(), s2.AsOf)
		}
	})

	t.Run("a longer span reads from its start", func(t *testing.T) {
		s3, err := c.Recent(ctx, site, k, 6*time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		_, q, _ := rec.last()
		if s3.Len() != 72 || !q.From.Equal(s3.Start) {
			t.Errorf("%d buckets from %v; query from %v", s3.Len(), s3.Start, q.From)
		}
		// Read afresh, the old bucket now has the late visitor too.
		if got := s3.Values[int(old.Sub(s3.Start)/k.Step)]; got != 4 {
			t.Errorf("old bucket = %d, want 4", got)
		}
	})

	t.Run("callers get their own copy", func(t *testing.T) {
		a, err := c.Recent(ctx, site, k, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		a.Values[0] = 1_000_000
		b, err := c.Recent(ctx, site, k, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if b.Values[0] == 1_000_000 {
			t.Error("a caller's change reached the cache")
		}
	})

	t.Run("concurrent readers agree", func(t *testing.T) {
		var wg sync.WaitGroup
		got := make([][]uint64, 8)
		for n := range got {
			wg.Add(1)
			go func() {
				defer wg.Done()
				kind := []core.SeriesKind{core.SpikeSeries, core.DropSeries}[n%2]
				s, err := c.Recent(ctx, site, kind, 3*time.Hour)
				if err != nil {
					t.Error(err)
					return
				}
				got[n] = s.Complete().Values
			}()
		}
		wg.Wait()
		for n := 2; n < len(got); n++ {
			if !slices.Equal(got[n], got[n%2]) {
				t.Errorf("reader %d saw %v, reader %d %v", n, got[n], n%2, got[n%2])
			}
		}
	})

	t.Run("a failing source fails the read and keeps the cache", func(t *testing.T) {
		down := errors.New("connection refused")
		rec.mu.Lock()
		rec.fail = down
		rec.mu.Unlock()
		if _, err := c.Recent(ctx, site, k, time.Hour); !errors.Is(err, down) {
			t.Errorf("err = %v", err)
		}
		rec.mu.Lock()
		rec.fail = nil
		rec.mu.Unlock()
		s, err := c.Recent(ctx, site, k, 3*time.Hour)
		if err != nil || s.Len() != 36 {
			t.Errorf("after recovery: %d buckets, %v", s.Len(), err)
		}
	})

	t.Run("refuses a bad kind or span", func(t *testing.T) {
		if _, err := c.Recent(ctx, site, core.SeriesKind{Step: time.Second, Window: time.Second}, time.Hour); core.ErrorField(err) != "step" {
			t.Errorf("err = %v", err)
		}
		if _, err := c.Recent(ctx, site, k, 0); core.ErrorField(err) != "span" {
			t.Errorf("err = %v", err)
		}
	})
}
