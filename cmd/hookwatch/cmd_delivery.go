package main

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/hookwatch/hookwatch/core"
)

// webhookTestCommand is `webhook test`: it sends one signed webhook.test
// now, with no retry, and exits 0 only on a 2xx answer.
func (c *cli) webhookTestCommand() *cobra.Command {
	return webhookIDCommand("test", "Send one signed webhook.test now; exit 0 only on a 2xx answer",
		`Send one signed webhook.test event to the webhook now, with no retry, and
print the status, latency and response. Exit 0 on a 2xx answer, else 1. The
attempt is logged like any other (see `+"`hookwatch deliveries`"+`).`, c.webhookTest)
}

func (c *cli) webhookTest(ctx context.Context, id int64, asJSON bool) error {
	m, err := c.open(ctx)
	if err != nil {
		return err
	}
	d, a, err := m.Engine.SendTest(ctx, id)
	if err != nil {
		return err
	}
	ok := a.StatusCode >= 200 && a.StatusCode < 300
	if asJSON {
		out := struct {
			OK         bool    `json:"ok"`
			DeliveryID int64   `json:"delivery_id"`
			MsgID      string  `json:"webhook_msg_id"`
			StatusCode int     `json:"status_code"`
			DurationMS float64 `json:"duration_ms"`
			Response   string  `json:"response_body"`
			Error      string  `json:"error,omitempty"`
		}{ok, d.ID, d.MsgID, a.StatusCode, float64(a.Duration.Microseconds()) / 1000, a.ResponseBody, a.Error}
		if err := c.printJSON(out); err != nil {
			return err
		}
	} else {
		if a.StatusCode > 0 {
			fmt.Fprintf(c.stdout, "webhook %d: %d %s in %s\n", id, a.StatusCode, http.StatusText(a.StatusCode), a.Duration.Round(time.Millisecond))
		} else {
			fmt.Fprintf(c.stdout, "webhook %d: no answer after %s: %s\n", id, a.Duration.Round(time.Millisecond), a.Error)
		}
		if body := strings.TrimSpace(a.ResponseBody); body != "" {
			fmt.Fprintf(c.stdout, "response: %s\n", excerpt(body, 500))
		}
		fmt.Fprintf(c.stdout, "delivery %d, webhook-id %s\n", d.ID, d.MsgID)
	}
	if !ok {
		return exitError{code: exitRuntime}
	}
	return nil
}

func excerpt(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// deliveriesOptions is what `deliveries` was told.
type deliveriesOptions struct {
	webhook int64
	status  string
	limit   int
	json    bool
}

func (c *cli) deliveriesCommand() *cobra.Command {
	var o deliveriesOptions
	cmd := &cobra.Command{
		Use:   "deliveries",
		Short: "List the newest deliveries and their state",
		Long: `List the newest deliveries, newest first, with their state, attempt count,
last answer and next attempt. --json adds each delivery's attempts.`,
		Example: "  hookwatch deliveries --status failed\n  hookwatch deliveries --webhook 1 --limit 100 --json",
		Args:    argsBetween(0, 0),
		RunE: func(cmd *cobra.Command, args []string) error {
			return c.deliveries(cmd.Context(), o)
		},
	}
	fs := cmd.Flags()
	fs.Var(funcValue{typ: "ID", set: func(s string) (err error) {
		o.webhook, err = idArg("webhook", s)
		return err
	}}, "webhook", "only this webhook's deliveries")
	fs.StringVar(&o.status, "status", "", "only this `state`: pending, retrying, succeeded or failed")
	positiveIntFlag(fs, &o.limit, "limit", "at most this many deliveries (default 20)")
	fs.BoolVar(&o.json, "json", false, "print a JSON array, with each delivery's attempts")
	return cmd
}

func (c *cli) deliveries(ctx context.Context, o deliveriesOptions) error {
	filter := core.DeliveryFilter{WebhookID: o.webhook, Limit: 20, WithAttempts: o.json}
	if o.limit > 0 {
		filter.Limit = o.limit
	}
	if o.status != "" {
		st, err := core.ParseDeliveryState(o.status)
		if err != nil {
			return err
		}
		filter.State = st
	}
	m, err := c.open(ctx)
	if err != nil {
		return err
	}
	if o.webhook != 0 {
		if _, err := m.Webhooks.FindWebhookByID(ctx, o.webhook); err != nil {
			return err
		}
	}
	ds, total, err := m.Deliveries.FindDeliveries(ctx, filter)
	if err != nil {
		return err
	}
	if o.json {
		if ds == nil {
			ds = []*core.Delivery{}
		}
		return c.printJSON(ds)
	}
	if len(ds) == 0 {
		fmt.Fprintln(c.stdout, "no deliveries")
		return nil
	}
	tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tCREATED\tWEBHOOK\tEVENT\tSTATE\tATTEMPTS\tLAST\tNEXT")
	for _, d := range ds {
		last := "-"
		if d.LastStatus > 0 {
			last = fmt.Sprint(d.LastStatus)
		} else if d.LastError != "" {
			last = "error"
		}
		next := "-"
		if d.State == core.StatePending || d.State == core.StateRetrying {
			next = fmtTime(d.NextAttemptAt)
		}
		fmt.Fprintf(tw, "%d\t%s\t%d\t%s\t%s\t%d\t%s\t%s\n", d.ID, fmtTime(d.CreatedAt), d.WebhookID, d.EventType, d.State, d.AttemptCount, last, next)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if total > len(ds) {
		fmt.Fprintf(c.stdout, "(%d of %d; use --limit to see more)\n", len(ds), total)
	}
	return nil
}

func (c *cli) redeliverCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "redeliver DELIVERY_ID",
		Short: "Queue a delivery again, with the same webhook-id and body",
		Long: `Queue a delivery again, with the same webhook-id and body, so receivers
that deduplicate see it once. A running engine (the window or --headless)
sends it within seconds.`,
		Args: argsBetween(1, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := idArg("delivery_id", args[0])
			if err != nil {
				return err
			}
			return c.redeliver(cmd.Context(), id)
		},
	}
}

func (c *cli) redeliver(ctx context.Context, id int64) error {
	m, err := c.open(ctx)
	if err != nil {
		return err
	}
	d, err := m.Deliveries.Redeliver(ctx, id)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "delivery %d queued again with webhook-id %s; a running hookwatch sends it within seconds\n", d.ID, d.MsgID)
	return nil
}
