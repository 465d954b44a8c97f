package ui

import (
	"fmt"
	"image/color"
	"math"
	"sort"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/theme"

	"github.com/hookwatch/hookwatch/core"
)

// plotArea is the chart's geometry: where values and times fall, and the
// points each pixel column holds.
type plotArea struct {
	ok                        bool
	left, right, topY, bottom float32
	from, to                  time.Time
	top, ystep                float64
	columns                   []pixelColumn
}

// pixelColumn is the points that fall in one pixel column.
type pixelColumn struct {
	n      int
	lo, hi uint64
	peak   chartPoint // the highest, the earliest of equals
}

func newPlotArea(d *chartData, size fyne.Size, textSize float32) (plotArea, bool) {
	// Value range: the points and the thresholds, with headroom, on a
	// round step.
	top := 0.0
	for _, pt := range d.points {
		top = math.Max(top, float64(pt.v))
	}
	for _, l := range d.lines {
		top = math.Max(top, l.value)
	}
	top = math.Max(top, bandTop(d.band))
	step := niceStep(math.Max(top*1.15, 4) / 5)
	top = math.Ceil(math.Max(top*1.15, 4)/step) * step

	yLabelW := fyne.MeasureText(fmt.Sprintf("%g", top), textSize, fyne.TextStyle{}).Width
	var lineLabelW float32
	for _, l := range d.lines {
		lineLabelW = max(lineLabelW, fyne.MeasureText(l.label(), textSize, fyne.TextStyle{}).Width)
	}
	pa := plotArea{ok: true, left: yLabelW + 12, right: size.Width - max(lineLabelW+12, 24), topY: 28, bottom: size.Height - 28,
		from: d.from, to: d.to, top: top, ystep: step}
	if !pa.to.After(pa.from) {
		pa.from, pa.to = d.points[0].at, d.points[len(d.points)-1].at.Add(time.Minute)
	}
	if pa.right-pa.left < 50 || pa.bottom-pa.topY < 50 {
		return plotArea{}, false
	}
	return pa, true
}

func (pa *plotArea) x(t time.Time) float32 {
	return pa.left + float32(t.Sub(pa.from).Seconds()/pa.to.Sub(pa.from).Seconds())*(pa.right-pa.left)
}

func (pa *plotArea) y(v float64) float32 { return pa.bottom - float32(v/pa.top)*(pa.bottom-pa.topY) }

// downsample sorts points into the plot's pixel columns: column i holds
// the points drawn at x in [left+i, left+i+1), which is also where the
// pointer finds them.
func (pa *plotArea) downsample(points []chartPoint) []pixelColumn {
	n := int(pa.right - pa.left)
	if n <= 0 || !pa.to.After(pa.from) {
		return nil
	}
	cols := make([]pixelColumn, n)
	for _, pt := range points {
		i := int(math.Floor(float64(pa.x(pt.at) - pa.left)))
		if i < 0 || i >= n {
			continue
		}
		c := &cols[i]
		if c.n == 0 || pt.v > c.peak.v {
			c.peak = pt
		}
		if c.n == 0 || pt.v < c.lo {
			c.lo = pt.v
		}
		c.hi = max(c.hi, pt.v)
		c.n++
	}
	return cols
}

// drawLine draws the points: joined one by one while they fit the width,
// otherwise one bar per pixel column from its lowest to its highest value,
// with the peaks joined, so that no spike is lost to the downsampling.
func (pa *plotArea) drawLine(p *painter, d *chartData) {
	primary := chartColor(theme.ColorNamePrimary)
	width := pa.right - pa.left
	if len(d.points) <= len(pa.columns) {
		dots := d.dots && float32(len(d.points)) < width/6
		for i, pt := range d.points {
			px, py := pa.x(pt.at), pa.y(float64(pt.v))
			if i > 0 {
				prev := d.points[i-1]
				p.line(fyne.NewPos(pa.x(prev.at), pa.y(float64(prev.v))), fyne.NewPos(px, py), pen{primary, 2})
			}
			if dots {
				p.circle(fyne.NewPos(px, py), 7, primary, pen{color.Transparent, 0})
			}
		}
		return
	}
	prevX, prevY := float32(-1), float32(0)
	for i, c := range pa.columns {
		if c.n == 0 {
			continue
		}
		px := pa.left + float32(i) + 0.5
		if c.lo != c.hi {
			p.line(fyne.NewPos(px, pa.y(float64(c.lo))), fyne.NewPos(px, pa.y(float64(c.hi))), pen{primary, 1})
		}
		py := pa.y(float64(c.peak.v))
		if prevX >= 0 {
			p.line(fyne.NewPos(prevX, prevY), fyne.NewPos(px, py), pen{primary, 1.5})
		}
		prevX, prevY = px, py
	}
}

// valueAt returns the value of the last point at or before t.
func valueAt(points []chartPoint, t time.Time) uint64 {
	i := sort.Search(len(points), func(i int) bool { return points[i].at.After(t) })
	if i == 0 {
		return 0
	}
	return points[i-1].v
}

// maxMarkLabels is how many sent alerts get a label; more would overlap.
const maxMarkLabels = 12

// drawMarks puts a filled ring where an alert was sent and a hollow one
// where the backtest says it would have fired, on the line; at most one of
// each kind per pixel column.
func (pa *plotArea) drawMarks(p *painter, d *chartData) {
	fg := chartColor(theme.ColorNameForeground)
	type slot struct {
		x    int
		kind core.EventType
		sent bool
	}
	seen := map[slot]bool{}
	sent := 0
	for _, m := range d.marks {
		if m.sent {
			sent++
		}
	}
	for _, m := range d.marks {
		if m.at.Before(pa.from) || m.at.After(pa.to) {
			continue
		}
		px := pa.x(m.at)
		k := slot{int(px), m.kind, m.sent}
		if seen[k] {
			continue
		}
		seen[k] = true
		py := pa.y(float64(valueAt(d.points, m.at)))
		col := alertColor(m.kind)
		if !m.sent {
			p.circle(fyne.NewPos(px, py), 9, color.Transparent, pen{col, 2})
			continue
		}
		p.circle(fyne.NewPos(px, py), 11, col, pen{fg, 1.5})
		if sent <= maxMarkLabels {
			ly := py - 14
			if ly < pa.topY {
				ly = py + 14
			}
			p.text(strings.TrimPrefix(string(m.kind), "traffic.")+" fired", col, px, ly, fyne.TextAlignCenter)
		}
	}
}

// hover returns the overlay for the pointer at x: a cursor line, a dot on
// the point under it and a label with the point's time and value. Over a
// column of several points it shows the column's peak.
func (pa *plotArea) hover(d *chartData, x float32, size fyne.Size) ([]fyne.CanvasObject, string) {
	if !pa.ok || x < pa.left || x > pa.right || len(d.points) == 0 {
		return nil, ""
	}
	pt, n, ok := pa.pointNear(d, x)
	if !ok {
		return nil, ""
	}
	p := &painter{size: size, textSize: theme.CaptionTextSize()}
	fg := chartColor(theme.ColorNameForeground)
	px, py := pa.x(pt.at), pa.y(float64(pt.v))
	if len(d.points) > len(pa.columns) {
		px = x
	}
	p.line(fyne.NewPos(px, pa.topY), fyne.NewPos(px, pa.bottom), pen{chartColor(theme.ColorNamePlaceHolder), 1})
	p.circle(fyne.NewPos(px, py), 8, chartColor(theme.ColorNamePrimary), pen{fg, 1.5})
	label := fmt.Sprintf("%s  ·  %s", pt.at.Local().Format("Mon 2 Jan 15:04"), plural(int(pt.v), "visitor", "visitors"))
	if n > 1 {
		label += fmt.Sprintf(" (the highest of %d buckets here)", n)
	}
	label += bandHover(d.band, pt.at)
	bg := &canvas.Rectangle{FillColor: chartColor(theme.ColorNameOverlayBackground), StrokeColor: chartColor(theme.ColorNameSeparator), StrokeWidth: 1, CornerRadius: 3}
	w := fyne.MeasureText(label, p.textSize, fyne.TextStyle{}).Width + 12
	bx := max(0, min(px-w/2, size.Width-w))
	bg.Resize(fyne.NewSize(w, p.textSize+8))
	bg.Move(fyne.NewPos(bx, 2))
	p.objs = append(p.objs, bg)
	p.text(label, fg, bx+6, 2+(p.textSize+8)/2, fyne.TextAlignLeading)
	return p.objs, label
}

// pointNear finds the point under x: the nearest point while they fit the
// width, else the peak of the nearest column that has points. n is how
// many points that column holds.
func (pa *plotArea) pointNear(d *chartData, x float32) (chartPoint, int, bool) {
	if len(d.points) <= len(pa.columns) {
		best, bestD := d.points[0], float32(math.MaxFloat32)
		for _, pt := range d.points {
			if dist := float32(math.Abs(float64(pa.x(pt.at) - x))); dist < bestD {
				best, bestD = pt, dist
			}
		}
		return best, 1, true
	}
	i := int(math.Floor(float64(x - pa.left)))
	for r := 0; r < 4; r++ {
		for _, j := range []int{i - r, i + r} {
			if j >= 0 && j < len(pa.columns) && pa.columns[j].n > 0 {
				return pa.columns[j].peak, pa.columns[j].n, true
			}
		}
	}
	return chartPoint{}, 0, false
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

// timeStep picks a tick interval giving at most about eight ticks, and the
// layout of their labels.
func timeStep(span time.Duration) (time.Duration, string) {
	for _, d := range []time.Duration{time.Minute, 2 * time.Minute, 5 * time.Minute, 10 * time.Minute, 15 * time.Minute,
		30 * time.Minute, time.Hour, 2 * time.Hour, 3 * time.Hour, 6 * time.Hour} {
		if span/d <= 8 {
			return d, "15:04"
		}
	}
	for _, days := range []int{1, 2, 4, 7} {
		if span/(time.Duration(days)*24*time.Hour) <= 8 {
			return time.Duration(days) * 24 * time.Hour, "Mon 2"
		}
	}
	return 14 * 24 * time.Hour, "Jan 2"
}

// tickStart is the first tick after from: a multiple of tick, or for ticks
// of days a local midnight, so that day labels fall on the days' starts.
func tickStart(from time.Time, tick time.Duration) time.Time {
	if tick < 24*time.Hour {
		return from.Truncate(tick).Add(tick)
	}
	l := from.Local()
	return time.Date(l.Year(), l.Month(), l.Day()+1, 0, 0, 0, 0, time.Local)
}
