package main

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/hookwatch/hookwatch/core"
)

// webhookTest sends one signed webhook.test now, with no retry, and exits 0
// only on a 2xx answer.
func (c *cli) webhookTest(ctx context.Context, args []string) error {
	m, id, asJSON, err := c.webhookIDCmd(ctx, "webhook test", args)
	if err != nil {
		return err
	}
	d, a, err := m.Engine.SendTest(ctx, id)
	if err != nil {
		return err
	}
	ok := a.StatusCode >= 200 && a.StatusCode < 300
	if *asJSON {
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

func (c *cli) deliveriesCmd(ctx context.Context, args []string) error {
	fs := newFlagSet("deliveries")
	webhook := fs.Int64("webhook", 0, "only this webhook's deliveries")
	status := fs.String("status", "", "only this state: pending, retrying, succeeded, failed")
	limit := c.positiveIntFlag(fs, "limit", "at most N deliveries (default 20)")
	asJSON := fs.Bool("json", false, "print JSON, with each delivery's attempts")
	if _, err := c.parseArgs(fs, args, 0, 0); err != nil {
		return err
	}
	filter := core.DeliveryFilter{WebhookID: *webhook, Limit: 20, WithAttempts: *asJSON}
	if *limit > 0 {
		filter.Limit = *limit
	}
	if *status != "" {
		st, err := core.ParseDeliveryState(*status)
		if err != nil {
			return err
		}
		filter.State = st
	}
	m, err := c.open(ctx)
	if err != nil {
		return err
	}
	if *webhook != 0 {
		if _, err := m.Webhooks.FindWebhookByID(ctx, *webhook); err != nil {
			return err
		}
	}
	ds, total, err := m.Deliveries.FindDeliveries(ctx, filter)
	if err != nil {
		return err
	}
	if *asJSON {
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

func (c *cli) redeliverCmd(ctx context.Context, args []string) error {
	fs := newFlagSet("redeliver")
	pos, err := c.parseArgs(fs, args, 1, 1)
	if err != nil {
		return err
	}
	id, err := idArg("delivery_id", pos[0])
	if err != nil {
		return err
	}
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
