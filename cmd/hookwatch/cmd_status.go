package main

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/hookwatch/hookwatch/core"
	"github.com/hookwatch/hookwatch/storage/clickhouse"
)

// statusView is what `hookwatch status` reports.
type statusView struct {
	LastPollAt         *time.Time     `json:"last_poll_at"`
	LastPollDurationMS float64        `json:"last_poll_duration_ms"`
	ClickHouse         clickhouseView `json:"clickhouse"`
	Deliveries         map[string]int `json:"deliveries"`
	FailingWebhooks    []webhookBrief `json:"failing_webhooks"`
	DisabledWebhooks   []webhookBrief `json:"disabled_webhooks"`
	// LateEvents are goal completions that reached ClickHouse after their
	// bucket closed, never sent (see the README's goal guarantee).
	LateEvents uint64 `json:"late_events"`
	// LearningWebhooks have anomaly rules whose site has too little
	// history yet; they send no traffic alert.
	LearningWebhooks []learningBrief `json:"learning_webhooks"`
	Database         string          `json:"database"`
}

type clickhouseView struct {
	Endpoint string     `json:"endpoint"`
	OK       bool       `json:"ok"`
	Error    string     `json:"error,omitempty"`
	Since    *time.Time `json:"since,omitempty"`
	Version  string     `json:"version,omitempty"`
}

type learningBrief struct {
	ID          int64  `json:"id"`
	Site        string `json:"site"`
	HistoryDays int    `json:"history_days"`
}

type webhookBrief struct {
	ID           int64      `json:"id"`
	Site         string     `json:"site"`
	URL          string     `json:"url"`
	Reason       string     `json:"reason,omitempty"`
	FailingSince *time.Time `json:"failing_since,omitempty"`
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = t.UTC()
	return &t
}

func (c *cli) statusCommand() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show the last poll, ClickHouse's health and the delivery counts",
		Long: `Show what the running engine last recorded: when it last polled and how
long that took, whether ClickHouse answered, the deliveries by state, and
the webhooks failing or disabled.`,
		Args: argsBetween(0, 0),
		RunE: func(cmd *cobra.Command, args []string) error {
			return c.status(cmd.Context(), asJSON)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print a JSON object")
	return cmd
}

func (c *cli) status(ctx context.Context, asJSON bool) error {
	m, err := c.open(ctx)
	if err != nil {
		return err
	}
	ps, err := m.Triggers.PollStatus(ctx)
	if err != nil {
		return err
	}
	stats, err := m.Deliveries.DeliveryStats(ctx)
	if err != nil {
		return err
	}
	hooks, err := m.Webhooks.FindWebhooks(ctx, core.WebhookFilter{})
	if err != nil {
		return err
	}
	v := statusView{
		LastPollAt:         timePtr(ps.LastPollAt),
		LastPollDurationMS: float64(ps.LastPollDuration.Microseconds()) / 1000,
		ClickHouse: clickhouseView{Endpoint: clickhouse.Endpoint(m.ClickHouseDSN(ctx)), OK: ps.ClickHouseOK,
			Error: ps.ClickHouseError, Since: timePtr(ps.ClickHouseSince), Version: ps.ServerVersion},
		Deliveries:       map[string]int{},
		FailingWebhooks:  []webhookBrief{},
		DisabledWebhooks: []webhookBrief{},
		LateEvents:       ps.LateEvents,
		LearningWebhooks: []learningBrief{},
		Database:         m.Config.DBPath,
	}
	for _, st := range []core.DeliveryState{core.StatePending, core.StateRetrying, core.StateSucceeded, core.StateFailed} {
		v.Deliveries[string(st)] = stats[st]
	}
	bs, err := baselinesOf(ctx, m)
	if err != nil {
		return err
	}
	for _, w := range hooks {
		if learning, days := core.HistoryOf(bs, w); learning && w.Enabled {
			v.LearningWebhooks = append(v.LearningWebhooks, learningBrief{ID: w.ID, Site: w.Site, HistoryDays: days})
		}
		b := webhookBrief{ID: w.ID, Site: w.Site, URL: w.DisplayURL(), FailingSince: timePtr(w.FailingSince)}
		switch {
		case !w.Enabled:
			b.Reason = w.DisabledReason
			v.DisabledWebhooks = append(v.DisabledWebhooks, b)
		case !w.FailingSince.IsZero():
			v.FailingWebhooks = append(v.FailingWebhooks, b)
		}
	}
	if asJSON {
		return c.printJSON(v)
	}
	c.printStatus(v)
	return nil
}

// printStatus writes v as the text of `hookwatch status`.
func (c *cli) printStatus(v statusView) {
	if v.LastPollAt == nil {
		fmt.Fprintln(c.stdout, "last poll:   never (is `hookwatch --headless` or the window running?)")
	} else {
		fmt.Fprintf(c.stdout, "last poll:   %s (%s ago, took %.0f ms)\n", fmtTime(*v.LastPollAt), time.Since(*v.LastPollAt).Round(time.Second), v.LastPollDurationMS)
	}
	ch := "unknown"
	switch {
	case v.LastPollAt == nil:
	case v.ClickHouse.OK:
		ch = "reachable"
		if v.ClickHouse.Version != "" {
			ch += " (server " + v.ClickHouse.Version + ")"
		}
	default:
		ch = "FAILING: " + v.ClickHouse.Error
		if v.ClickHouse.Since != nil {
			ch += " (since " + fmtTime(*v.ClickHouse.Since) + ")"
		}
	}
	fmt.Fprintf(c.stdout, "clickhouse:  %s at %s\n", ch, v.ClickHouse.Endpoint)
	fmt.Fprintf(c.stdout, "deliveries:  %d pending, %d retrying, %d failed, %d succeeded\n",
		v.Deliveries["pending"], v.Deliveries["retrying"], v.Deliveries["failed"], v.Deliveries["succeeded"])
	fmt.Fprintf(c.stdout, "late events: %d goal completions reached ClickHouse after the late horizon and were not sent\n", v.LateEvents)
	for _, b := range v.FailingWebhooks {
		fmt.Fprintf(c.stdout, "failing:     webhook %d (%s → %s) since %s\n", b.ID, b.Site, b.URL, fmtTime(*b.FailingSince))
	}
	for _, b := range v.DisabledWebhooks {
		fmt.Fprintf(c.stdout, "disabled:    webhook %d (%s → %s): %s\n", b.ID, b.Site, b.URL, b.Reason)
	}
	for _, b := range v.LearningWebhooks {
		fmt.Fprintf(c.stdout, "learning:    webhook %d (%s): %s; its anomaly rules send nothing until %d days\n",
			b.ID, b.Site, core.LearningText(b.HistoryDays), core.LearningDays)
	}
}
