package ui

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/hookwatch/hookwatch/core"
	"github.com/hookwatch/hookwatch/core/backtest"
)

// historyRefresh is how often the Traffic tab reads its history again; the
// history cache then reads only the last few minutes from ClickHouse.
const historyRefresh = 30 * time.Second

// historyWant names the history the tab shows: the site, the range and
// the rules the backtest marks follow.
type historyWant struct {
	siteID      int64
	plausibleID uint64
	rangeIdx    int
	rules       string
	at          time.Time // when it was asked for
}

func newHistoryWant(site *core.Site, hooks []*core.Webhook, rangeIdx int) historyWant {
	var b strings.Builder
	for _, w := range hooks {
		for _, r := range w.TrafficRules() {
			fmt.Fprintf(&b, "%d:%s:%d:%v;", w.ID, r.Type, r.Threshold, w.Cooldown)
		}
		b.WriteString(anomalyKey(w))
	}
	return historyWant{siteID: site.ID, plausibleID: site.PlausibleID, rangeIdx: rangeIdx, rules: b.String()}
}

func (w historyWant) same(o historyWant) bool {
	return w.siteID == o.siteID && w.plausibleID == o.plausibleID && w.rangeIdx == o.rangeIdx && w.rules == o.rules
}

// trafficHistory is what one load read and worked out.
type trafficHistory struct {
	want     historyWant
	points   []chartPoint
	from, to time.Time
	marks    []chartMark
	peak     chartPoint
	p95      uint64
	sent     int
	would    []string // "spike ≥ 40 would have fired 3 times", per rule

	// The band of bandHook's anomaly rule, where the site had left
	// learning, and the site's history as of the range's end.
	band         []bandSlot
	bandHook     *core.Webhook
	anomalyHooks int
	historyDays  int
}

// load reads the history of want in the background and redraws with it.
func (s *trafficScreen) load(want historyWant, site *core.Site, hooks []*core.Webhook) {
	want.at = time.Now()
	s.want, s.loading = want, true
	u := s.ui
	u.goBG(func() {
		h, err := loadHistory(u.ctx, u.svc, want, site, hooks)
		u.do(func() {
			// If the user moved on meanwhile, redraw loads what is shown now.
			s.loading, s.hist, s.histErr = false, h, err
			s.redraw()
		})
	})
}

// loadHistory reads a site's 5-minute visitors over the range, the alerts
// its webhooks sent in it, and replays their rules over it.
func loadHistory(ctx context.Context, svc Services, want historyWant, site *core.Site, hooks []*core.Webhook) (*trafficHistory, error) {
	span := trafficRanges[want.rangeIdx].span
	long, err := svc.History.Recent(ctx, site.PlausibleID, core.SpikeSeries, historySpan(span, hooks))
	if err != nil {
		return nil, err
	}
	series := tail(long, span)
	h := &trafficHistory{want: want, from: series.Start, to: series.End(series.Len() - 1)}
	for i, v := range series.Values {
		pt := chartPoint{at: series.BucketStart(i), v: v}
		h.points = append(h.points, pt)
		if v > h.peak.v || i == 0 {
			h.peak = pt
		}
	}
	h.p95 = series.Complete().Quantile(0.95)
	if svc.Alerts != nil {
		sent, err := svc.Alerts.AlertFirings(ctx, site.ID, h.from)
		if err != nil {
			return nil, err
		}
		for _, f := range sent {
			h.marks = append(h.marks, chartMark{at: f.At, kind: f.Type, sent: true})
		}
		h.sent = len(sent)
	}
	var drops core.Series
	for _, w := range hooks {
		for _, r := range w.TrafficRules() {
			s := series
			if r.Type == core.EventDrop {
				if drops.Len() == 0 {
					if drops, err = svc.History.Recent(ctx, site.PlausibleID, core.DropSeries, span); err != nil {
						return nil, err
					}
				}
				s = drops
			}
			o := backtest.ReplayRule(s, r, w.Cooldown)
			for _, f := range o.Fired {
				h.marks = append(h.marks, chartMark{at: f.At, kind: r.Type, sent: false})
			}
			h.would = append(h.would, refLineOf(r).label()+hookName(w, hooks)+" would have fired "+plural(o.Count, "time", "times"))
		}
	}
	if err := h.addAnomalies(ctx, svc, site, hooks, long); err != nil {
		return nil, err
	}
	return h, nil
}

func refLineOf(r core.TrafficRule) refLine {
	kind := "spike"
	if r.Type == core.EventDrop {
		kind = "drop"
	}
	return refLine{kind: kind, value: float64(r.Threshold), hooks: 1}
}

// hookName names a webhook among several, and says nothing for one.
func hookName(w *core.Webhook, hooks []*core.Webhook) string {
	if len(hooks) < 2 {
		return ""
	}
	return fmt.Sprintf(" (webhook %d)", w.ID)
}

func (h *trafficHistory) summary() string {
	parts := []string{
		fmt.Sprintf("Peak %d at %s", h.peak.v, h.peak.at.Local().Format("Mon 2 Jan 15:04")),
		fmt.Sprintf("95th percentile %d", h.p95),
		plural(h.sent, "alert sent", "alerts sent"),
	}
	return strings.Join(append(parts, h.would...), "  ·  ")
}
