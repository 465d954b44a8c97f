package ui

import (
	"fmt"
	"image/color"
	"math"
	"sort"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/theme"
)

// bandSlot is what was normal in one hour of the chart, as an anomaly
// rule saw it then: visitors between lower and upper, expected the middle.
type bandSlot struct {
	from, to               time.Time
	lower, expected, upper float64
}

// bandTop is the highest value the band reaches, so that the value axis
// holds it.
func bandTop(band []bandSlot) float64 {
	top := 0.0
	for _, b := range band {
		top = math.Max(top, b.upper)
	}
	return top
}

// withAlpha returns c with alpha a, so that the band is a tint of the
// theme's colour in dark and light alike.
func withAlpha(c color.Color, a uint8) color.Color {
	n := color.NRGBAModel.Convert(c).(color.NRGBA)
	n.A = a
	return n
}

// drawBand shades each hour's normal range and joins its expected values
// in steps. Edges snap to whole pixels so that neighbouring hours neither
// overlap nor leave gaps, which would stripe the tint.
func (pa *plotArea) drawBand(p *painter, d *chartData) {
	if len(d.band) == 0 {
		return
	}
	fg := chartColor(theme.ColorNameForeground)
	fill, mid := withAlpha(fg, 0x22), withAlpha(fg, 0x90)
	clip := func(t time.Time) float32 { return float32(math.Round(float64(max(pa.left, min(pa.right, pa.x(t)))))) }
	prevX, prevY := float32(-1), float32(0)
	for _, b := range d.band {
		x0, x1 := clip(b.from), clip(b.to)
		if x1 <= x0 {
			continue
		}
		top, bottom := pa.y(b.upper), pa.y(math.Max(b.lower, 0))
		r := &canvas.Rectangle{FillColor: fill}
		r.Move(fyne.NewPos(x0, top))
		r.Resize(fyne.NewSize(x1-x0, bottom-top))
		p.objs = append(p.objs, r)
		ey := pa.y(b.expected)
		if prevX == x0 && prevY != ey {
			p.line(fyne.NewPos(x0, prevY), fyne.NewPos(x0, ey), pen{mid, 1})
		}
		p.line(fyne.NewPos(x0, ey), fyne.NewPos(x1, ey), pen{mid, 1})
		prevX, prevY = x1, ey
	}
}

// bandAt returns the band slot that holds t.
func bandAt(band []bandSlot, t time.Time) (bandSlot, bool) {
	i := sort.Search(len(band), func(i int) bool { return band[i].to.After(t) })
	if i < len(band) && !band[i].from.After(t) {
		return band[i], true
	}
	return bandSlot{}, false
}

// bandHover is what the hover label adds over the band: the hour's normal
// range in whole visitors.
func bandHover(band []bandSlot, t time.Time) string {
	b, ok := bandAt(band, t)
	if !ok {
		return ""
	}
	return fmt.Sprintf("  ·  normal %.0f–%.0f (about %.0f)", math.Max(b.lower, 0), b.upper, b.expected)
}

// pinHover holds the hover label at t whatever the chart's size, for a
// screenshot driver; the zero time leaves it to the pointer again.
func (c *chart) pinHover(t time.Time) {
	c.pin, c.hovering, c.dirty = t, !t.IsZero(), true
	c.Refresh()
}

// exampleNoon is the last weekday 12:00 UTC at least a day before now: a
// busy hour with a full day of history around it.
func exampleNoon(now time.Time) time.Time {
	t := now.UTC().Add(-24 * time.Hour).Truncate(24 * time.Hour).Add(12 * time.Hour)
	for t.Weekday() == time.Saturday || t.Weekday() == time.Sunday {
		t = t.Add(-24 * time.Hour)
	}
	return t
}
