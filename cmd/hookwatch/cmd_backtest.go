package main

import (
	"context"
	"flag"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/hookwatch/hookwatch/core"
	"github.com/hookwatch/hookwatch/core/backtest"
)

// backtestOptions are the parsed arguments of `hookwatch backtest`: a rule
// not saved yet. Zero thresholds are not given; a zero cooldown is the
// saved default.
type backtestOptions struct {
	Domain      string
	Spike, Drop int
	Cooldown    time.Duration
	Days        int
	JSON        bool
}

// webhookBacktestOptions are the parsed arguments of `hookwatch webhook
// backtest`: a saved webhook's rules.
type webhookBacktestOptions struct {
	ID   int64
	Days int
	JSON bool
}

// backtest replays a rule not saved yet over the site's last days.
func (c *cli) backtest(ctx context.Context, o backtestOptions) error {
	spec := backtest.Spec{Cooldown: o.Cooldown, Days: o.Days}
	if o.Spike != 0 {
		spec.Rules = append(spec.Rules, core.TrafficRule{Type: core.EventSpike, Threshold: o.Spike})
	}
	if o.Drop != 0 {
		spec.Rules = append(spec.Rules, core.TrafficRule{Type: core.EventDrop, Threshold: o.Drop})
	}
	// Everything the user typed is checked before anything is opened.
	if err := (&backtest.Spec{Rules: spec.Rules, Cooldown: spec.Cooldown, Days: spec.Days}).Validate(); err != nil {
		return err
	}
	m, err := c.open(ctx)
	if err != nil {
		return err
	}
	site, err := m.Sites.FindSiteByDomain(ctx, o.Domain)
	if err != nil {
		return err
	}
	if spec.Cooldown == 0 {
		spec.Cooldown = m.DefaultCooldown(ctx)
	}
	spec.SiteID = site.PlausibleID
	return c.runBacktest(ctx, m, spec, o.JSON)
}

// webhookBacktest replays a saved webhook's traffic rules, with its
// cooldown, over its site's last days.
func (c *cli) webhookBacktest(ctx context.Context, o webhookBacktestOptions) error {
	if err := core.ValidateBacktestDays(o.Days); err != nil {
		return err
	}
	m, err := c.open(ctx)
	if err != nil {
		return err
	}
	w, err := m.Webhooks.FindWebhookByID(ctx, o.ID)
	if err != nil {
		return err
	}
	site, err := m.Sites.FindSiteByDomain(ctx, w.Site)
	if err != nil {
		return err
	}
	spec, err := backtest.ForWebhook(w, site, o.Days)
	if err != nil {
		return err
	}
	return c.runBacktest(ctx, m, spec, o.JSON)
}

func (c *cli) runBacktest(ctx context.Context, m *Main, spec backtest.Spec, asJSON bool) error {
	reader, err := m.HistoryReader(ctx)
	if err != nil {
		return err
	}
	rep, err := backtest.Backtest(ctx, reader, spec)
	if err != nil {
		return err
	}
	if asJSON {
		return c.printJSON(rep)
	}
	for _, o := range []*backtest.Outcome{rep.Spike, rep.Drop} {
		if o == nil {
			continue
		}
		what, unit := fmt.Sprintf("spike (current visitors ≥ %d)", o.Rule.Threshold), "visitors in the 5 minutes from then"
		if o.Rule.Type == core.EventDrop {
			what, unit = fmt.Sprintf("drop (12 h visitors < %d)", o.Rule.Threshold), "visitors in the 12 h up to then"
		}
		times := "times"
		if o.Count == 1 {
			times = "time"
		}
		fmt.Fprintf(c.stdout, "%s would have fired %d %s in the last %d days (cooldown %s):\n",
			what, o.Count, times, rep.Days, spec.Cooldown)
		for _, f := range o.Fired {
			fmt.Fprintf(c.stdout, "  %s  %d %s\n", f.At.UTC().Format("2006-01-02 15:04 UTC"), f.Value, unit)
		}
	}
	return nil
}

// daysFlag defines --days, 1 to core.MaxBacktestDays, default the most.
func (c *cli) daysFlag(fs *flag.FlagSet) *int {
	days := core.MaxBacktestDays
	fs.Func("days", fmt.Sprintf("how many days back to replay, 1 to %d (default %d)", core.MaxBacktestDays, core.MaxBacktestDays), func(s string) error {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil {
			return c.refuse(core.FieldErrorf("days", "must be an integer from 1 to %d, not %q", core.MaxBacktestDays, s))
		}
		days = n // the range is checked with the rest of the input
		return nil
	})
	return &days
}

// backtestCmd parses `hookwatch backtest DOMAIN [--spike-threshold N]
// [--drop-threshold N] [--cooldown D] [--days N] [--json]`.
func (c *cli) backtestCmd(ctx context.Context, args []string) error {
	fs := newFlagSet("backtest")
	spike := c.positiveIntFlag(fs, "spike-threshold", "current visitors at which traffic.spike would fire")
	drop := c.positiveIntFlag(fs, "drop-threshold", "12 h visitors under which traffic.drop would fire")
	cooldown := c.durationFlag(fs, "cooldown", "least time between two firings (default: the saved default cooldown)")
	days := c.daysFlag(fs)
	asJSON := fs.Bool("json", false, "print JSON")
	pos, err := c.parseArgs(fs, args, 1, 1)
	if err != nil {
		return err
	}
	if flagsSet(fs)["cooldown"] {
		if err := core.ValidateCooldown(*cooldown); err != nil {
			return err
		}
	}
	return c.backtest(ctx, backtestOptions{Domain: pos[0], Spike: *spike, Drop: *drop, Cooldown: *cooldown, Days: *days, JSON: *asJSON})
}

// webhookBacktestCmd parses `hookwatch webhook backtest ID [--days N] [--json]`.
func (c *cli) webhookBacktestCmd(ctx context.Context, args []string) error {
	fs := newFlagSet("webhook backtest")
	days := c.daysFlag(fs)
	asJSON := fs.Bool("json", false, "print JSON")
	pos, err := c.parseArgs(fs, args, 1, 1)
	if err != nil {
		return err
	}
	id, err := idArg("id", pos[0])
	if err != nil {
		return err
	}
	return c.webhookBacktest(ctx, webhookBacktestOptions{ID: id, Days: *days, JSON: *asJSON})
}
