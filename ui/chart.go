package ui

import (
	"fmt"
	"image/color"
	"sort"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/hookwatch/hookwatch/core"
)

// chartPoint is one value of the line: a bucket's visitors, or a sample.
type chartPoint struct {
	at time.Time
	v  uint64
}

// chartMark is a moment an alert fired (sent) or would have fired under
// the webhooks' current rules (the backtest).
type chartMark struct {
	at   time.Time
	kind core.EventType // EventSpike or EventDrop
	sent bool
}

// chartData is everything the chart draws.
type chartData struct {
	points   []chartPoint // oldest first
	from, to time.Time    // the time axis
	step     time.Duration
	lines    []refLine
	marks    []chartMark
	band     []bandSlot // what was normal, per hour, oldest first
	empty    string     // said when there are no points
	dots     bool       // a dot per point, where there is room (polls)
}

// chart draws visitors over time with canvas primitives: axes with time and
// value labels, threshold lines, a line downsampled to the pixel columns,
// and marks where alerts fired or would have. Hovering shows the time and
// value under the pointer. It redraws to fit whatever size it is given.
type chart struct {
	widget.BaseWidget
	data chartData
	// dirty says the data changed since the last full draw; a hover alone
	// redraws only the pointer's overlay.
	dirty    bool
	hovering bool
	hoverX   float32
	// hoverText is what the overlay says, for tests.
	hoverText string
	// pin, when set, holds the hover at that moment (see pinHover).
	pin time.Time
}

var _ desktop.Hoverable = (*chart)(nil)

func newChart() *chart {
	c := &chart{}
	c.ExtendBaseWidget(c)
	return c
}

func (c *chart) set(d chartData) {
	c.data, c.dirty = d, true
	c.Refresh()
}

// MouseIn implements desktop.Hoverable.
func (c *chart) MouseIn(e *desktop.MouseEvent) { c.MouseMoved(e) }

// MouseMoved implements desktop.Hoverable.
func (c *chart) MouseMoved(e *desktop.MouseEvent) {
	c.hovering, c.hoverX = true, e.Position.X
	c.Refresh()
}

// MouseOut implements desktop.Hoverable.
func (c *chart) MouseOut() {
	c.hovering = false
	c.Refresh()
}

// CreateRenderer implements fyne.Widget.
func (c *chart) CreateRenderer() fyne.WidgetRenderer {
	return &chartRenderer{c: c}
}

// MinSize keeps the chart big enough for its labels.
func (c *chart) MinSize() fyne.Size { return fyne.NewSize(400, 260) }

type chartRenderer struct {
	c       *chart
	size    fyne.Size
	base    []fyne.CanvasObject
	overlay []fyne.CanvasObject
	objs    []fyne.CanvasObject
	plot    plotArea
}

func (r *chartRenderer) Destroy()                     {}
func (r *chartRenderer) MinSize() fyne.Size           { return r.c.MinSize() }
func (r *chartRenderer) Objects() []fyne.CanvasObject { return r.objs }
func (r *chartRenderer) Refresh() {
	if r.c.dirty {
		r.Layout(r.size)
	} else {
		r.drawOverlay()
	}
	canvas.Refresh(r.c)
}

func (r *chartRenderer) Layout(size fyne.Size) {
	r.size = size
	r.c.dirty = false
	r.base, r.plot = drawChart(&r.c.data, size)
	if !r.c.pin.IsZero() && r.plot.ok {
		r.c.hovering, r.c.hoverX = true, r.plot.x(r.c.pin)
	}
	r.drawOverlay()
}

func (r *chartRenderer) drawOverlay() {
	r.overlay = nil
	r.c.hoverText = ""
	if r.c.hovering {
		r.overlay, r.c.hoverText = r.plot.hover(&r.c.data, r.c.hoverX, r.size)
	}
	r.objs = append(r.base[:len(r.base):len(r.base)], r.overlay...)
}

// chartColor returns the current theme's colour name for the chart, so
// that it reads in dark and light variants alike.
func chartColor(name fyne.ThemeColorName) color.Color {
	return theme.Current().Color(name, fyne.CurrentApp().Settings().ThemeVariant())
}

func alertColor(kind core.EventType) color.Color {
	if kind == core.EventDrop {
		return chartColor(theme.ColorNameWarning)
	}
	return chartColor(theme.ColorNameError)
}

// painter collects canvas objects for one draw.
type painter struct {
	objs     []fyne.CanvasObject
	size     fyne.Size
	textSize float32
}

func (p *painter) text(s string, col color.Color, x, y float32, align fyne.TextAlign) {
	t := &canvas.Text{Text: s, Color: col, TextSize: p.textSize}
	m := t.MinSize()
	switch align {
	case fyne.TextAlignTrailing:
		x -= m.Width
	case fyne.TextAlignCenter:
		x -= m.Width / 2
	}
	x = max(0, min(x, p.size.Width-m.Width)) // never clipped at the edges
	t.Resize(m)
	t.Move(fyne.NewPos(x, y-m.Height/2))
	p.objs = append(p.objs, t)
}

// pen is how a line, or a circle's outline, is stroked.
type pen struct {
	col   color.Color
	width float32
}

// line draws from one point to another.
func (p *painter) line(from, to fyne.Position, pn pen) {
	p.objs = append(p.objs, &canvas.Line{StrokeColor: pn.col, StrokeWidth: pn.width, Position1: from, Position2: to})
}

// circle draws a circle of diameter d centred on at, filled with fill and
// outlined with pn.
func (p *painter) circle(at fyne.Position, d float32, fill color.Color, pn pen) {
	c := &canvas.Circle{FillColor: fill, StrokeColor: pn.col, StrokeWidth: pn.width}
	c.Resize(fyne.NewSize(d, d))
	c.Move(fyne.NewPos(at.X-d/2, at.Y-d/2))
	p.objs = append(p.objs, c)
}

// drawChart lays out the whole chart but the hover overlay.
func drawChart(d *chartData, size fyne.Size) ([]fyne.CanvasObject, plotArea) {
	p := &painter{size: size, textSize: theme.CaptionTextSize()}
	muted := chartColor(theme.ColorNamePlaceHolder)
	grid := chartColor(theme.ColorNameSeparator)
	if len(d.points) == 0 {
		bg := &canvas.Rectangle{StrokeColor: grid, StrokeWidth: 1, CornerRadius: 4}
		bg.Resize(size)
		p.objs = append(p.objs, bg)
		p.text(d.empty, muted, size.Width/2, size.Height/2, fyne.TextAlignCenter)
		return p.objs, plotArea{}
	}
	pa, ok := newPlotArea(d, size, p.textSize)
	if !ok {
		return p.objs, plotArea{}
	}
	pa.columns = pa.downsample(d.points)

	// Grid and value axis.
	for v := 0.0; v <= pa.top+pa.ystep/2; v += pa.ystep {
		p.line(fyne.NewPos(pa.left, pa.y(v)), fyne.NewPos(pa.right, pa.y(v)), pen{grid, 1})
		p.text(fmt.Sprintf("%g", v), muted, pa.left-6, pa.y(v), fyne.TextAlignTrailing)
	}
	// Time axis.
	tick, layout := timeStep(pa.to.Sub(pa.from))
	for t := tickStart(pa.from, tick); !t.After(pa.to); t = t.Add(tick) {
		p.line(fyne.NewPos(pa.x(t), pa.bottom), fyne.NewPos(pa.x(t), pa.bottom+4), pen{muted, 1})
		p.text(t.Local().Format(layout), muted, pa.x(t), pa.bottom+14, fyne.TextAlignCenter)
	}
	p.line(fyne.NewPos(pa.left, pa.bottom), fyne.NewPos(pa.right, pa.bottom), pen{muted, 1})
	pa.drawBand(p, d) // behind the thresholds and the line

	// Thresholds, labelled at the right end.
	lines := append([]refLine(nil), d.lines...)
	sort.Slice(lines, func(i, j int) bool { return lines[i].value > lines[j].value })
	lastLabelY := float32(-100)
	for _, l := range lines {
		col := alertColor(core.EventSpike)
		if l.kind == "drop" {
			col = alertColor(core.EventDrop)
		}
		ly := pa.y(l.value)
		p.line(fyne.NewPos(pa.left, ly), fyne.NewPos(pa.right, ly), pen{col, 1.5})
		labelY := max(ly, lastLabelY+p.textSize+4) // keep labels of close lines apart
		p.text(l.label(), col, pa.right+8, labelY, fyne.TextAlignLeading)
		lastLabelY = labelY
	}

	pa.drawLine(p, d)
	pa.drawMarks(p, d)
	return p.objs, pa
}
