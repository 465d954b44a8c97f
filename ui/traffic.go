package ui

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/hookwatch/hookwatch/core"
)

// trafficSpan is how far back the chart of hookwatch's own samples looks.
const trafficSpan = 2 * time.Hour

// minChartSpan is the narrowest time range the chart shows, so that the
// first few polls do not stretch across the whole width.
const minChartSpan = 3 * time.Minute

// trafficRange is a span the Traffic tab can show.
type trafficRange struct {
	label string
	span  time.Duration
}

var trafficRanges = []trafficRange{{"24 h", 24 * time.Hour}, {"7 d", 7 * 24 * time.Hour}, {"28 d", 28 * 24 * time.Hour}}

// trafficScreen is the Traffic tab: the chosen site's visitors from
// ClickHouse's history over 24 h, 7 d or 28 d, against its webhooks'
// thresholds, with the alerts they sent and those they would have sent.
// Without history (no ClickHouse, or it is down) it shows the samples
// hookwatch took itself and says why.
type trafficScreen struct {
	ui      *UI
	chart   *chart
	title   *widget.Label
	summary *widget.Label
	notice  *widget.Label // says, inline, that history is unavailable
	ranges  *widget.RadioGroup
	legend  *widget.RichText

	snap    *snapshot // the last one applied
	hist    *trafficHistory
	histErr error
	loading bool
	// want is what the shown history must match; a load for anything else
	// is stale when it lands.
	want historyWant
}

func (s *trafficScreen) buildUI() fyne.CanvasObject {
	s.chart = newChart()
	s.title = &widget.Label{TextStyle: fyne.TextStyle{Bold: true}, Truncation: fyne.TextTruncateEllipsis}
	s.summary = &widget.Label{Text: " ", Wrapping: fyne.TextWrapWord}
	s.notice = &widget.Label{Importance: widget.WarningImportance, Wrapping: fyne.TextWrapWord}
	s.notice.Hide()
	var labels []string
	for _, r := range trafficRanges {
		labels = append(labels, r.label)
	}
	s.ranges = &widget.RadioGroup{Options: labels, Horizontal: true, Required: true, Selected: labels[0]}
	s.ranges.OnChanged = func(string) { s.redraw() }
	s.legend = muted("", theme.SizeNameCaptionText, fyne.TextAlignLeading, fyne.TextWrapWord)
	top := container.NewVBox(container.NewBorder(nil, nil, nil, s.ranges, s.title), s.summary, s.notice)
	return container.NewBorder(top, s.legend, nil, nil, s.chart)
}

// rangeIndex is the chosen range.
func (s *trafficScreen) rangeIndex() int {
	return max(0, slices.IndexFunc(trafficRanges, func(r trafficRange) bool { return r.label == s.ranges.Selected }))
}

func (s *trafficScreen) apply(snap *snapshot) {
	s.snap = snap
	s.redraw()
}

// redraw draws the history when it matches the site, range and rules
// shown, starting a load when it does not, and the samples otherwise.
func (s *trafficScreen) redraw() {
	snap := s.snap
	if snap == nil {
		return
	}
	lines := thresholdLines(snap.webhooks)
	if snap.site != nil && s.ui.svc.History != nil {
		want := newHistoryWant(snap.site, snap.webhooks, s.rangeIndex())
		if !s.loading && (s.hist == nil && s.histErr == nil || !want.same(s.want) || time.Since(s.want.at) > historyRefresh) {
			s.load(want, snap.site, snap.webhooks)
		}
		// While a load for changed rules runs, the last history of the
		// same site and range stays up rather than flashing the samples.
		if h := s.hist; h != nil && s.histErr == nil && h.want.siteID == want.siteID && h.want.rangeIdx == want.rangeIdx {
			s.drawHistory(lines)
			return
		}
	}
	s.drawSamples(snap, lines)
}

// thresholdLines are the armed thresholds of webhooks, one line per value.
func thresholdLines(hooks []*core.Webhook) []refLine {
	var lines []refLine
	for _, w := range hooks {
		for _, r := range w.TrafficRules() {
			kind := "spike"
			if r.Type == core.EventDrop {
				kind = "drop"
			}
			if i := slices.IndexFunc(lines, func(l refLine) bool { return l.kind == kind && l.value == float64(r.Threshold) }); i >= 0 {
				lines[i].hooks++
				continue
			}
			lines = append(lines, refLine{kind: kind, value: float64(r.Threshold), hooks: 1})
		}
	}
	return lines
}

func (s *trafficScreen) drawHistory(lines []refLine) {
	h := s.hist
	r := trafficRanges[h.want.rangeIdx]
	s.title.SetText("Unique visitors per 5 minutes over the last " + r.label + ", from Plausible's ClickHouse")
	s.notice.Hide()
	s.chart.set(chartData{points: h.points, from: h.from, to: h.to, step: core.SpikeSeries.Step, lines: lines, marks: h.marks,
		band: h.band, empty: "No history."})
	s.summary.SetText(h.summary())
	s.legend.ParseMarkdown(strings.TrimSpace(h.bandLegend() + " Filled rings: alerts sent. Hollow rings: when the webhooks' current rules would have fired (a backtest of the 5-minute buckets, which approximates the live sliding 5 minutes). Drop thresholds compare with the 12-hour visitor count, so they are drawn for reference. Hover over the chart for a bucket's time and visitors."))
}

func (s *trafficScreen) drawSamples(snap *snapshot, lines []refLine) {
	s.title.SetText("Current visitors (unique visitors in the last 5 minutes) at each poll, over the last " + shortDuration(trafficSpan))
	switch {
	case snap.site == nil || s.ui.svc.History == nil:
		s.notice.Hide()
	case s.histErr != nil:
		s.notice.SetText("History is unavailable: " + core.ErrorMessage(s.histErr) + ". Showing the samples hookwatch took itself.")
		s.notice.Show()
	default:
		s.notice.SetText("Loading the site's history from ClickHouse…")
		s.notice.Show()
	}
	now := time.Now()
	d := chartData{lines: lines, dots: true,
		empty: "No traffic samples in the last " + shortDuration(trafficSpan) + ". The chart fills in as hookwatch polls ClickHouse."}
	for _, x := range snap.samples {
		d.points = append(d.points, chartPoint{at: x.At, v: x.CurrentVisitors})
		for _, t := range x.Fired {
			d.marks = append(d.marks, chartMark{at: x.At, kind: t, sent: true})
		}
	}
	if n := len(snap.samples); n > 0 {
		// The samples up to now, at least minChartSpan wide.
		d.from, d.to = snap.samples[0].At, snap.samples[n-1].At
		if now.After(d.to) && now.Sub(d.to) < trafficSpan {
			d.to = now
		}
		if d.to.Sub(d.from) < minChartSpan {
			d.from = d.to.Add(-minChartSpan)
		}
	}
	s.chart.set(d)
	s.legend.ParseMarkdown("Spike thresholds compare with this line. Drop thresholds compare with the 12-hour visitor count, so they are drawn for reference.")
	if n := len(snap.samples); n > 0 {
		last := snap.samples[n-1]
		peak := slices.MaxFunc(snap.samples, func(a, b core.TrafficSample) int { return int(a.CurrentVisitors) - int(b.CurrentVisitors) })
		s.summary.SetText(fmt.Sprintf("Now %d visitors (%s)  ·  peak %d at %s  ·  %s  ·  %s",
			last.CurrentVisitors, ago(last.At, now), peak.CurrentVisitors, peak.At.Local().Format("15:04"),
			plural(n, "poll", "polls"), plural(len(d.marks), "alert fired", "alerts fired")))
	} else {
		s.summary.SetText("No polls recorded yet.")
	}
}

// refLine is a threshold drawn across the chart.
type refLine struct {
	kind  string // "spike" or "drop"
	value float64
	hooks int // webhooks with this threshold
}

func (l refLine) label() string {
	op := "≥"
	if l.kind == "drop" {
		op = "<"
	}
	s := fmt.Sprintf("%s %s %g", l.kind, op, l.value)
	if l.hooks > 1 {
		s += fmt.Sprintf(" (%d webhooks)", l.hooks)
	}
	return s
}
