package ui

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/hookwatch/hookwatch/core"
	"github.com/hookwatch/hookwatch/core/backtest"
)

// liveDebounce is how long typing must pause before the form replays the
// history: a replay takes milliseconds, but one per keystroke is waste.
const liveDebounce = 250 * time.Millisecond

// liveBacktest shows under the webhook form's thresholds how often each
// would have fired in the last 28 days, and what the site's traffic looks
// like, as the user types. The site's series load once, when the form
// opens; each change replays them off Fyne's goroutine.
type liveBacktest struct {
	f           *webhookForm
	spike, drop *widget.Label

	// Set on Fyne's goroutine when the load lands, read-only after.
	spikes, drops core.Series
	loading       bool
	loaded        bool
	err           error

	// long is the history a rule relative to normal replays over, read
	// when one is first chosen.
	long longSeries

	deb debouncer
	seq int // the latest replay asked for; older results are dropped
}

func newLiveBacktest(f *webhookForm) *liveBacktest {
	l := &liveBacktest{f: f,
		spike: &widget.Label{SizeName: theme.SizeNameCaptionText, Wrapping: fyne.TextWrapWord},
		drop:  &widget.Label{SizeName: theme.SizeNameCaptionText, Wrapping: fyne.TextWrapWord},
	}
	return l
}

// start loads the series in the background, if the window reads history.
func (l *liveBacktest) start() {
	u := l.f.s.ui
	site := l.f.s.site
	if u.svc.History == nil || site == nil {
		l.spike.Hide()
		l.drop.Hide()
		return
	}
	l.spike.SetText(fmt.Sprintf("Loading %d days of history…", core.MaxBacktestDays))
	l.drop.Hide() // until there is something to say
	l.loading = true
	for _, e := range []*entry{l.f.spikeAt, l.f.dropBelow, l.f.cooldown} {
		e.OnChanged = func(string) { l.changed() }
	}
	id := site.PlausibleID
	u.goBG(func() {
		ctx := u.ctx
		spikes, err := u.svc.History.Recent(ctx, id, core.SpikeSeries, backtest.Span(core.SpikeSeries, core.MaxBacktestDays))
		var drops core.Series
		if err == nil {
			drops, err = u.svc.History.Recent(ctx, id, core.DropSeries, backtest.Span(core.DropSeries, core.MaxBacktestDays))
		}
		u.do(func() {
			l.spikes, l.drops, l.err, l.loaded, l.loading = spikes.Complete(), drops.Complete(), err, true, false
			l.replay()
		})
	})
}

// changed replays after typing pauses.
func (l *liveBacktest) changed() {
	if !l.loaded {
		return // the load replays when it lands
	}
	u := l.f.s.ui
	u.debounce(&l.deb, liveDebounce, func() { u.do(l.replay) })
}

// liveInput is what one replay reads from the form.
type liveInput struct {
	spike, drop int // 0: none typed, or not a number
	cooldown    time.Duration
	anomalies   []backtest.AnomalyRule // the rules relative to normal
}

func (l *liveBacktest) input() liveInput {
	num := func(s string) int {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			return 0
		}
		return n
	}
	in := liveInput{spike: num(shownText(l.f.spikeAt)), drop: num(shownText(l.f.dropBelow)), cooldown: core.DefaultCooldown}
	if d, err := parseDuration("cooldown", l.f.cooldown.Text, ""); err == nil && core.CooldownRange.Check("cooldown", d) == nil {
		in.cooldown = d
	}
	in.anomalies = l.f.rules.liveRules()
	return in
}

// replay runs on Fyne's goroutine: it reads the inputs and replays them in
// the background, and the texts follow through fyne.Do.
func (l *liveBacktest) replay() {
	u := l.f.s.ui
	if l.err != nil {
		l.spike.SetText("History is unavailable: " + core.ErrorMessage(l.err))
		return
	}
	l.seq++
	seq, in, spikes, drops, long := l.seq, l.input(), l.spikes, l.drops, l.long
	if len(in.anomalies) > 0 && !long.loaded {
		l.loadLong()
		return
	}
	u.goBG(func() {
		spike, drop := liveTexts(in, spikes, drops)
		anomalyTexts(in, long, &spike, &drop)
		u.do(func() {
			if seq == l.seq {
				l.spike.SetText(spike)
				l.drop.SetText(drop)
				l.drop.Show()
			}
		})
	})
}

// liveTexts are the lines under the spike and drop thresholds.
func liveTexts(in liveInput, spikes, drops core.Series) (string, string) {
	days := core.MaxBacktestDays
	spike := fmt.Sprintf("Peak %d, 95th percentile %d of the 5-minute visitors over %d days.", spikes.Peak(), spikes.Quantile(0.95), days)
	if in.spike > 0 {
		o := backtest.ReplayRule(spikes, core.TrafficRule{Type: core.EventSpike, Threshold: in.spike}, in.cooldown)
		spike = fmt.Sprintf("Would have fired %s in the last %d days. ", plural(o.Count, "time", "times"), days) + spike
	}
	low := uint64(0)
	for i, v := range drops.Values {
		if i == 0 || v < low {
			low = v
		}
	}
	drop := fmt.Sprintf("Lowest 12-hour count %d, median %d, over %d days.", low, drops.Quantile(0.5), days)
	if in.drop > 0 {
		o := backtest.ReplayRule(drops, core.TrafficRule{Type: core.EventDrop, Threshold: in.drop}, in.cooldown)
		drop = fmt.Sprintf("Would have fired %s in the last %d days. ", plural(o.Count, "time", "times"), days) + drop
	}
	return spike, drop
}

// debouncer holds the pending call of UI.debounce.
type debouncer struct {
	mu sync.Mutex
	t  *time.Timer
}

// debounce runs f after delay, unless debounce is called again on d
// first, which puts it off. A pending call counts as a background job, so
// that tests' wait covers it.
func (u *UI) debounce(d *debouncer, delay time.Duration, f func()) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.t != nil && d.t.Stop() {
		u.bg.Done() // the call put off never runs
	}
	u.bg.Add(1)
	d.t = time.AfterFunc(delay, func() {
		defer u.bg.Done()
		if u.ctx.Err() == nil {
			f()
		}
	})
}
