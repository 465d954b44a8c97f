package main

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/hookwatch/hookwatch/core"
)

// webhookIDCommand returns a `webhook VERB ID [--json]` command: run gets
// the parsed id and whether --json was given.
func webhookIDCommand(use, short, long string, run func(ctx context.Context, id int64, asJSON bool) error) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   use + " ID",
		Short: short,
		Long:  long,
		Args:  argsBetween(1, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := idArg("id", args[0])
			if err != nil {
				return err
			}
			return run(cmd.Context(), id, asJSON)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the result as JSON")
	return cmd
}

func (c *cli) webhookEnableCommand(enabled bool) *cobra.Command {
	if enabled {
		return webhookIDCommand("enable", "Turn a webhook back on, including one hookwatch disabled",
			"", func(ctx context.Context, id int64, asJSON bool) error {
				return c.webhookSetEnabled(ctx, id, true, asJSON)
			})
	}
	return webhookIDCommand("disable", "Turn a webhook off; its pending deliveries wait until it is enabled", "",
		func(ctx context.Context, id int64, asJSON bool) error {
			return c.webhookSetEnabled(ctx, id, false, asJSON)
		})
}

func (c *cli) webhookSetEnabled(ctx context.Context, id int64, enabled, asJSON bool) error {
	verb := map[bool]string{true: "enable", false: "disable"}[enabled]
	m, err := c.open(ctx)
	if err != nil {
		return err
	}
	// A webhook the user disables carries no reason: reasons are for what
	// hookwatch decided, and the window notifies about those.
	w, err := m.Webhooks.SetWebhookEnabled(ctx, id, enabled, "")
	if err != nil {
		return err
	}
	if asJSON {
		return c.printJSON(newWebhookView(w, false))
	}
	fmt.Fprintf(c.stdout, "webhook %d %sd\n", id, verb)
	return nil
}

func (c *cli) webhookRmCommand() *cobra.Command {
	cmd := webhookIDCommand("rm", "Remove a webhook and its deliveries", "", c.webhookRm)
	cmd.Aliases = []string{"remove"}
	_ = cmd.Flags().MarkHidden("json") // rm prints no JSON, but scripts may pass it
	return cmd
}

func (c *cli) webhookRm(ctx context.Context, id int64, _ bool) error {
	m, err := c.open(ctx)
	if err != nil {
		return err
	}
	if err := m.Webhooks.DeleteWebhook(ctx, id); err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "webhook %d removed\n", id)
	return nil
}

func (c *cli) webhookRotateCommand() *cobra.Command {
	return webhookIDCommand("rotate-secret", "Give a webhook a new signing secret, printed once",
		fmt.Sprintf(`Give a webhook a new signing secret and print it, once. For %d hours the
old secret signs too (webhook-signature carries both), so receivers can
switch without dropping a delivery.`, int(core.RotationOverlap.Hours())), c.webhookRotate)
}

func (c *cli) webhookRotate(ctx context.Context, id int64, asJSON bool) error {
	m, err := c.open(ctx)
	if err != nil {
		return err
	}
	w, err := m.Webhooks.RotateSecret(ctx, id, core.GenerateSecret(), core.RotationOverlap)
	if err != nil {
		return err
	}
	if asJSON {
		return c.printJSON(newWebhookView(w, true))
	}
	fmt.Fprintf(c.stdout, "webhook %d has a new secret: %s\nthe old secret also signs until %s\n", id, w.Secret, fmtTime(w.PrevSecretUntil))
	return nil
}

func (c *cli) webhookListCommand() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:     "list [DOMAIN]",
		Aliases: []string{"ls"},
		Short:   "List the webhooks, of one site or of all, without their secrets",
		Args:    argsBetween(0, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return c.webhookList(cmd.Context(), firstArg(args), asJSON)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print a JSON array")
	return cmd
}

func (c *cli) webhookList(ctx context.Context, domain string, asJSON bool) error {
	m, err := c.open(ctx)
	if err != nil {
		return err
	}
	siteID, err := siteIDOf(ctx, m, domain)
	if err != nil {
		return err
	}
	hooks, err := m.Webhooks.FindWebhooks(ctx, core.WebhookFilter{SiteID: siteID})
	if err != nil {
		return err
	}
	bs, err := baselinesOf(ctx, m)
	if err != nil {
		return err
	}
	if asJSON {
		out := make([]webhookView, 0, len(hooks))
		for _, w := range hooks {
			v := newWebhookView(w, false)
			v.Learning, v.HistoryDays = core.HistoryOf(bs, w)
			out = append(out, v)
		}
		return c.printJSON(out)
	}
	if len(hooks) == 0 {
		fmt.Fprintln(c.stdout, "no webhooks")
		return nil
	}
	tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSITE\tURL\tEVENTS\tFORMAT\tSTATE")
	for _, w := range hooks {
		state := "enabled"
		if !w.Enabled {
			state = "disabled"
			if w.DisabledReason != "" {
				state += ": " + w.DisabledReason
			}
		} else if !w.FailingSince.IsZero() {
			state = "failing since " + fmtTime(w.FailingSince)
		}
		if learning, days := core.HistoryOf(bs, w); learning {
			state += ", " + core.LearningText(days)
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", w.ID, w.Site, w.DisplayURL(), eventList(w.Events), w.Format, state)
	}
	return tw.Flush()
}

func eventList(ev []core.EventType) string {
	s := make([]string, len(ev))
	for i, e := range ev {
		s[i] = string(e)
	}
	return strings.Join(s, ",")
}

// webhookView is a webhook as the CLI prints it: the URL without its
// secret (core.RedactURL), durations as text, header names without their
// values, and the secret only when it was just made.
type webhookView struct {
	*core.Webhook
	URL            string   `json:"url"`
	ContentType    string   `json:"content_type"`
	Cooldown       string   `json:"cooldown"`
	DigestInterval string   `json:"digest_interval"`
	Headers        []string `json:"headers"`
	Secret         string   `json:"secret,omitempty"`
	// The rules of the traffic alerts: "threshold", "anomaly", or null
	// when the alert is off; and whether the anomaly rules are still
	// learning the site's history.
	SpikeRule   *string `json:"spike_rule"`
	DropRule    *string `json:"drop_rule"`
	Learning    bool    `json:"learning"`
	HistoryDays int     `json:"history_days"`
}

func newWebhookView(w *core.Webhook, withSecret bool) webhookView {
	v := webhookView{Webhook: w, URL: w.DisplayURL(), ContentType: w.ContentType(), Cooldown: w.Cooldown.String(), DigestInterval: w.DigestInterval.String(), Headers: w.HeaderNames(),
		SpikeRule: ruleName(w.SpikeRule()), DropRule: ruleName(w.DropRule())}
	v.Learning, v.HistoryDays = core.HistoryOf(nil, w)
	if w.Goals == nil {
		w.Goals = []string{}
	}
	if withSecret {
		v.Secret = w.Secret
	}
	return v
}

// historyView fills v's learning and history days from the stored
// baselines; a store that cannot be read leaves them as newWebhookView set
// them, since the change itself was saved.
func (c *cli) historyView(ctx context.Context, m *Main, v webhookView) webhookView {
	if bs, err := baselinesOf(ctx, m); err == nil {
		v.Learning, v.HistoryDays = core.HistoryOf(bs, v.Webhook)
	}
	return v
}
