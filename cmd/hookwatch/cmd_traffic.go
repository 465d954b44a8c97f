package main

import (
	"context"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/hookwatch/hookwatch/core"
)

// trafficRanges are `hookwatch traffic --range`'s values and their series:
// a day of 5-minute buckets, or hourly buckets over 7 and 28 days.
var trafficRanges = map[string]struct {
	span time.Duration
	kind core.SeriesKind
}{
	"24h": {24 * time.Hour, core.SpikeSeries},
	"7d":  {7 * 24 * time.Hour, core.HourlySeries},
	"28d": {28 * 24 * time.Hour, core.HourlySeries},
}

// trafficOptions are the parsed arguments of `hookwatch traffic`.
type trafficOptions struct {
	Domain string
	Range  string // 24h, 7d or 28d
	JSON   bool
}

// trafficView is `hookwatch traffic --json`.
type trafficView struct {
	Site   string         `json:"site"`
	Range  string         `json:"range"`
	Bucket string         `json:"bucket"`
	Points []trafficPoint `json:"points"`
}

type trafficPoint struct {
	Time     string `json:"time"` // the bucket's start, RFC 3339 UTC
	Visitors uint64 `json:"visitors"`
	Partial  bool   `json:"partial"`
}

// traffic prints a site's unique visitors (engagement left out) per bucket
// over the range, oldest first; the last bucket is the current one.
func (c *cli) traffic(ctx context.Context, o trafficOptions) error {
	r, ok := trafficRanges[o.Range]
	if !ok {
		return core.FieldErrorf("range", "must be 24h, 7d or 28d, not %q", o.Range)
	}
	m, err := c.open(ctx)
	if err != nil {
		return err
	}
	site, err := m.Sites.FindSiteByDomain(ctx, o.Domain)
	if err != nil {
		return err
	}
	reader, err := m.HistoryReader(ctx)
	if err != nil {
		return err
	}
	s, err := reader.Recent(ctx, site.PlausibleID, r.kind, r.span)
	if err != nil {
		return err
	}
	v := trafficView{Site: site.Domain, Range: o.Range, Bucket: r.kind.Label(), Points: make([]trafficPoint, s.Len())}
	for i, n := range s.Values {
		v.Points[i] = trafficPoint{Time: s.BucketStart(i).UTC().Format(time.RFC3339), Visitors: n, Partial: s.Partial(i)}
	}
	if o.JSON {
		return c.printJSON(v)
	}
	fmt.Fprintf(c.stdout, "%s: unique visitors per %s bucket over the last %s (UTC, engagement events left out)\n", v.Site, v.Bucket, v.Range)
	tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "BUCKET START\tVISITORS\t")
	for _, p := range v.Points {
		note := ""
		if p.Partial {
			note = "still filling"
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\n", p.Time, p.Visitors, note)
	}
	return tw.Flush()
}

func (c *cli) trafficCommand() *cobra.Command {
	o := trafficOptions{Range: "24h"}
	cmd := &cobra.Command{
		Use:   "traffic DOMAIN",
		Short: "Print a site's unique visitors per bucket, from ClickHouse's history",
		Long: `Print a site's unique visitors (engagement events left out) per bucket, read
from Plausible's ClickHouse: 5-minute buckets over the last 24 hours, or
hourly buckets over 7 or 28 days. Buckets are aligned to UTC and listed
oldest first; the last is the current one, still filling ("partial").`,
		Args: argsBetween(1, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Domain = args[0]
			return c.traffic(cmd.Context(), o)
		},
	}
	cmd.Flags().StringVar(&o.Range, "range", o.Range, "how far back, `24h|7d|28d`: a day of 5-minute buckets, or 7 or 28 days of hourly ones")
	cmd.Flags().BoolVar(&o.JSON, "json", false, "print a JSON object")
	return cmd
}
