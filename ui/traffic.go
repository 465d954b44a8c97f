package ui

import (
	"fmt"
	"image/color"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/hookwatch/hookwatch/core"
)

// trafficSpan is how far back the traffic chart looks.
const trafficSpan = 2 * time.Hour

// minChartSpan is the narrowest time range the chart shows, so that the
// first few polls do not stretch across the whole width.
const minChartSpan = 3 * time.Minute

// trafficScreen is the Traffic tab: the chosen site's current visitors over
// recent polls, against its webhooks' thresholds.
type trafficScreen struct {
	ui      *UI
	chart   *chart
	summary *widget.Label
}

func (s *trafficScreen) buildUI() fyne.CanvasObject {
	s.chart = newChart()
	s.summary = &widget.Label{Text: " ", Truncation: fyne.TextTruncateEllipsis}
	title := &widget.Label{Text: "Current visitors (unique visitors in the last 5 minutes) at each poll, over the last " + shortDuration(trafficSpan), TextStyle: fyne.TextStyle{Bold: true}}
	note := muted("Spike thresholds compare with this line. Drop thresholds compare with the 12-hour visitor count, so they are drawn for reference.", theme.SizeNameCaptionText, fyne.TextAlignLeading, fyne.TextWrapWord)
	return container.NewBorder(container.NewVBox(title, s.summary), note, nil, nil, s.chart)
}

func (s *trafficScreen) apply(snap *snapshot) {
	var lines []refLine
	add := func(kind string, v int) {
		for i := range lines {
			if lines[i].kind == kind && lines[i].value == float64(v) {
				lines[i].hooks++
				return
			}
		}
		lines = append(lines, refLine{kind: kind, value: float64(v), hooks: 1})
	}
	for _, w := range snap.webhooks {
		if w.SpikeThreshold > 0 && slices.Contains(w.Events, core.EventSpike) {
			add("spike", w.SpikeThreshold)
		}
		if w.DropThreshold > 0 && slices.Contains(w.Events, core.EventDrop) {
			add("drop", w.DropThreshold)
		}
	}
	s.chart.set(snap.samples, lines, time.Now())
	if n := len(snap.samples); n > 0 {
		last := snap.samples[n-1]
		peak := slices.MaxFunc(snap.samples, func(a, b core.TrafficSample) int { return int(a.CurrentVisitors) - int(b.CurrentVisitors) })
		fired := 0
		for _, x := range snap.samples {
			fired += len(x.Fired)
		}
		s.summary.SetText(fmt.Sprintf("Now %d visitors (%s)  ·  peak %d at %s  ·  %s  ·  %s",
			last.CurrentVisitors, ago(last.At, time.Now()), peak.CurrentVisitors, peak.At.Local().Format("15:04"),
			plural(n, "poll", "polls"), plural(fired, "alert fired", "alerts fired")))
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

// chart draws visitor samples as a line with canvas primitives: axes with
// time and value labels, threshold lines, and a marker at each poll that
// fired an alert. It redraws to fit whatever size it is given.
type chart struct {
	widget.BaseWidget
	samples []core.TrafficSample
	lines   []refLine
	now     time.Time
}

func newChart() *chart {
	c := &chart{}
	c.ExtendBaseWidget(c)
	return c
}

func (c *chart) set(samples []core.TrafficSample, lines []refLine, now time.Time) {
	c.samples, c.lines, c.now = samples, lines, now
	c.Refresh()
}

// CreateRenderer implements fyne.Widget.
func (c *chart) CreateRenderer() fyne.WidgetRenderer {
	return &chartRenderer{c: c}
}

// MinSize keeps the chart big enough for its labels.
func (c *chart) MinSize() fyne.Size { return fyne.NewSize(400, 260) }

type chartRenderer struct {
	c    *chart
	size fyne.Size
	objs []fyne.CanvasObject
}

func (r *chartRenderer) Destroy()                     {}
func (r *chartRenderer) MinSize() fyne.Size           { return r.c.MinSize() }
func (r *chartRenderer) Objects() []fyne.CanvasObject { return r.objs }
func (r *chartRenderer) Refresh() {
	r.Layout(r.size)
	canvas.Refresh(r.c)
}

func (r *chartRenderer) Layout(size fyne.Size) {
	r.size = size
	r.objs = r.draw(size)
}

// chart colours, from the theme so that dark and light both read.
func chartColor(name fyne.ThemeColorName) color.Color {
	return theme.Current().Color(name, fyne.CurrentApp().Settings().ThemeVariant())
}

func (r *chartRenderer) draw(size fyne.Size) []fyne.CanvasObject {
	c := r.c
	fg := chartColor(theme.ColorNameForeground)
	muted := chartColor(theme.ColorNamePlaceHolder)
	grid := chartColor(theme.ColorNameSeparator)
	textSize := theme.CaptionTextSize()
	var objs []fyne.CanvasObject
	text := func(s string, col color.Color, x, y float32, align fyne.TextAlign) {
		t := &canvas.Text{Text: s, Color: col, TextSize: textSize}
		m := t.MinSize()
		switch align {
		case fyne.TextAlignTrailing:
			x -= m.Width
		case fyne.TextAlignCenter:
			x -= m.Width / 2
		}
		x = max(0, min(x, size.Width-m.Width)) // never clipped at the edges
		t.Resize(m)
		t.Move(fyne.NewPos(x, y-m.Height/2))
		objs = append(objs, t)
	}

	if len(c.samples) == 0 {
		bg := &canvas.Rectangle{StrokeColor: grid, StrokeWidth: 1, CornerRadius: 4}
		bg.Resize(size)
		objs = append(objs, bg)
		text("No traffic samples in the last "+shortDuration(trafficSpan)+". The chart fills in as hookwatch polls ClickHouse.", muted, size.Width/2, size.Height/2, fyne.TextAlignCenter)
		return objs
	}

	// Value range: the samples and the thresholds, with headroom, on a
	// round step.
	top := 0.0
	for _, s := range c.samples {
		top = math.Max(top, float64(s.CurrentVisitors))
	}
	for _, l := range c.lines {
		top = math.Max(top, l.value)
	}
	step := niceStep(math.Max(top*1.15, 4) / 5)
	top = math.Ceil(math.Max(top*1.15, 4)/step) * step

	// Time range: the samples up to now, at least minChartSpan wide.
	start, end := c.samples[0].At, c.samples[len(c.samples)-1].At
	if c.now.After(end) && c.now.Sub(end) < trafficSpan {
		end = c.now
	}
	if end.Sub(start) < minChartSpan {
		start = end.Add(-minChartSpan)
	}

	yLabelW := fyne.MeasureText(fmt.Sprintf("%g", top), textSize, fyne.TextStyle{}).Width
	var lineLabelW float32
	for _, l := range c.lines {
		lineLabelW = max(lineLabelW, fyne.MeasureText(l.label(), textSize, fyne.TextStyle{}).Width)
	}
	left := yLabelW + 12
	right := size.Width - max(lineLabelW+12, 24)
	topY := float32(16)
	bottom := size.Height - 28
	if right-left < 50 || bottom-topY < 50 {
		return objs
	}
	x := func(t time.Time) float32 {
		return left + float32(t.Sub(start).Seconds()/end.Sub(start).Seconds())*(right-left)
	}
	y := func(v float64) float32 { return bottom - float32(v/top)*(bottom-topY) }
	line := func(x1, y1, x2, y2 float32, col color.Color, w float32) *canvas.Line {
		l := &canvas.Line{StrokeColor: col, StrokeWidth: w, Position1: fyne.NewPos(x1, y1), Position2: fyne.NewPos(x2, y2)}
		objs = append(objs, l)
		return l
	}

	// Grid and value axis.
	for v := 0.0; v <= top+step/2; v += step {
		line(left, y(v), right, y(v), grid, 1)
		text(fmt.Sprintf("%g", v), muted, left-6, y(v), fyne.TextAlignTrailing)
	}
	// Time axis.
	tick := timeStep(end.Sub(start))
	for t := start.Truncate(tick).Add(tick); !t.After(end); t = t.Add(tick) {
		line(x(t), bottom, x(t), bottom+4, muted, 1)
		text(t.Local().Format("15:04"), muted, x(t), bottom+14, fyne.TextAlignCenter)
	}
	line(left, bottom, right, bottom, muted, 1)

	// Thresholds, labelled at the right end.
	sort.Slice(c.lines, func(i, j int) bool { return c.lines[i].value > c.lines[j].value })
	lastLabelY := float32(-100)
	for _, l := range c.lines {
		col := chartColor(theme.ColorNameError)
		if l.kind == "drop" {
			col = chartColor(theme.ColorNameWarning)
		}
		ly := y(l.value)
		line(left, ly, right, ly, col, 1.5)
		labelY := max(ly, lastLabelY+textSize+4) // keep labels of close lines apart
		text(l.label(), col, right+8, labelY, fyne.TextAlignLeading)
		lastLabelY = labelY
	}

	// The visitors line, a dot per poll when there is room, and markers
	// where an alert fired.
	primary := chartColor(theme.ColorNamePrimary)
	dots := float32(len(c.samples)) < (right-left)/6
	for i, s := range c.samples {
		px, py := x(s.At), y(float64(s.CurrentVisitors))
		if i > 0 {
			p := c.samples[i-1]
			line(x(p.At), y(float64(p.CurrentVisitors)), px, py, primary, 2)
		}
		if dots {
			dot := &canvas.Circle{FillColor: primary}
			dot.Resize(fyne.NewSize(7, 7))
			dot.Move(fyne.NewPos(px-3.5, py-3.5))
			objs = append(objs, dot)
		}
	}
	for _, s := range c.samples {
		if len(s.Fired) == 0 {
			continue
		}
		px, py := x(s.At), y(float64(s.CurrentVisitors))
		col := chartColor(theme.ColorNameError)
		var names []string
		for _, t := range s.Fired {
			names = append(names, strings.TrimPrefix(string(t), "traffic."))
			if t == core.EventDrop {
				col = chartColor(theme.ColorNameWarning)
			}
		}
		ring := &canvas.Circle{FillColor: col, StrokeColor: fg, StrokeWidth: 1.5}
		ring.Resize(fyne.NewSize(11, 11))
		ring.Move(fyne.NewPos(px-5.5, py-5.5))
		objs = append(objs, ring)
		ly := py - 14
		if ly < topY {
			ly = py + 14
		}
		text(strings.Join(names, ", ")+" fired", col, px, ly, fyne.TextAlignCenter)
	}
	return objs
}

// niceStep rounds a raw step up to 1, 2 or 5 times a power of ten.
func niceStep(raw float64) float64 {
	if raw <= 1 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5, 10} {
		if raw <= m*p {
			return m * p
		}
	}
	return 10 * p
}

// timeStep picks a tick interval giving at most about eight ticks.
func timeStep(span time.Duration) time.Duration {
	for _, d := range []time.Duration{time.Minute, 2 * time.Minute, 5 * time.Minute, 10 * time.Minute, 15 * time.Minute, 30 * time.Minute, time.Hour, 2 * time.Hour} {
		if span/d <= 8 {
			return d
		}
	}
	return 6 * time.Hour
}
