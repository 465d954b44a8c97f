package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

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
	// The rules relative to normal, and the flags given (for conflicts).
	anomalyOptions
	set map[string]bool
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
	if err := checkRules(o.set); err != nil {
		return err
	}
	spec.Anomalies = o.anomalyRules()
	// Everything the user typed is checked before anything is opened.
	if err := (&backtest.Spec{Rules: spec.Rules, Anomalies: spec.Anomalies, Cooldown: spec.Cooldown, Days: spec.Days}).Validate(); err != nil {
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
		what, unit := outcomeWords(o)
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

// daysFlag defines --days, 1 to core.MaxBacktestDays; the range is
// checked with the rest of the input.
func daysFlag(fs *pflag.FlagSet, days *int) {
	*days = core.MaxBacktestDays
	fs.Var(funcValue{typ: "int", set: func(s string) error {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil {
			return core.FieldErrorf("days", "must be an integer from 1 to %d, not %q", core.MaxBacktestDays, s)
		}
		*days = n
		return nil
	}}, "days", fmt.Sprintf("how many days back to replay, `1..%d` (default %d)", core.MaxBacktestDays, core.MaxBacktestDays))
}

const backtestLong = `Replay traffic alert rules over a site's history in Plausible's ClickHouse,
with the poller's own alert logic (fire once, hold back for the cooldown,
resolve when the condition clears), and print every moment they would have
fired, with the value.

The spike rule is decided on each complete 5-minute bucket, at its start:
tumbling buckets approximate the live check's sliding 5 minutes. The drop
rule is decided on the 12-hour unique count at each hour's end.

A rule relative to normal (--spike-anomaly, --drop-anomaly) is decided at
every 5-minute step, a spike on that step's visitors and a drop on the 60
minutes up to its end, against the baseline of the weeks before that
moment only: the replay never looks ahead. Steps while the site was
learning, and quiet hours for drops, decide nothing, as in the poller.`

func (c *cli) backtestCommand() *cobra.Command {
	var o backtestOptions
	cmd := &cobra.Command{
		Use:   "backtest DOMAIN",
		Short: "Replay a spike or drop rule, not saved yet, over a site's past",
		Long:  backtestLong,
		Args:  argsBetween(1, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Domain, o.set = args[0], flagsSet(cmd)
			if cmd.Flags().Changed("cooldown") {
				if err := core.CooldownRange.Check("cooldown", o.Cooldown); err != nil {
					return err
				}
			}
			return c.backtest(cmd.Context(), o)
		},
	}
	fs := cmd.Flags()
	positiveIntFlag(fs, &o.Spike, "spike-threshold", "current visitors (5 min) at which traffic.spike would fire")
	positiveIntFlag(fs, &o.Drop, "drop-threshold", "visitors in 12 h under which traffic.drop would fire")
	durationFlag(fs, &o.Cooldown, "cooldown", "least time between two firings, "+core.CooldownRange.String()+
		"\n(default: the default_cooldown setting, else "+core.ShortDuration(core.DefaultCooldown)+")")
	o.anomalyOptions.addFlags(fs)
	daysFlag(fs, &o.Days)
	fs.BoolVar(&o.JSON, "json", false, "print a JSON object")
	return cmd
}

func (c *cli) webhookBacktestCommand() *cobra.Command {
	var o webhookBacktestOptions
	cmd := &cobra.Command{
		Use:   "backtest ID",
		Short: "Replay a saved webhook's spike and drop rules over its site's past",
		Long:  strings.Replace(backtestLong, "traffic alert rules", "a webhook's armed traffic rules and its cooldown", 1),
		Args:  argsBetween(1, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := idArg("id", args[0])
			if err != nil {
				return err
			}
			o.ID = id
			return c.webhookBacktest(cmd.Context(), o)
		},
	}
	daysFlag(cmd.Flags(), &o.Days)
	cmd.Flags().BoolVar(&o.JSON, "json", false, "print a JSON object")
	return cmd
}
