package main

import (
	"context"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/hookwatch/hookwatch/core"
)

func (c *cli) siteCommand() *cobra.Command {
	return groupCommand("site", "Add, list, discover and remove the Plausible sites watched", "",
		c.siteAddCommand(), c.siteListCommand(), c.siteDiscoverCommand(), c.siteRmCommand())
}

// siteAddOptions is what `site add` was told.
type siteAddOptions struct {
	domain string
	siteID int
	json   bool
}

func (c *cli) siteAddCommand() *cobra.Command {
	var o siteAddOptions
	cmd := &cobra.Command{
		Use:   "add DOMAIN --site-id N",
		Short: "Watch a Plausible site",
		Long: `Watch a Plausible site. DOMAIN is the name hookwatch shows and webhooks
carry; --site-id is Plausible's numeric site_id in ClickHouse, which
` + "`hookwatch site discover`" + ` lists.`,
		Example: "  hookwatch site add example.com --site-id 1",
		Args:    argsBetween(1, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.domain = args[0]
			return c.siteAdd(cmd.Context(), o)
		},
	}
	positiveIntFlag(cmd.Flags(), &o.siteID, "site-id", "Plausible's numeric site_id (required)")
	cmd.Flags().BoolVar(&o.json, "json", false, "print the site as JSON")
	return cmd
}

func (c *cli) siteAdd(ctx context.Context, o siteAddOptions) error {
	if o.siteID == 0 {
		return core.FieldErrorf("site_id", "is required (--site-id N; find it with `hookwatch site discover`)")
	}
	m, err := c.open(ctx)
	if err != nil {
		return err
	}
	s := &core.Site{Domain: o.domain, PlausibleID: uint64(o.siteID)}
	if err := m.Sites.CreateSite(ctx, s); err != nil {
		return err
	}
	if o.json {
		return c.printJSON(s)
	}
	fmt.Fprintf(c.stdout, "site %s added (site_id %d)\n", s.Domain, s.PlausibleID)
	return nil
}

func (c *cli) siteListCommand() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List the sites watched",
		Args:    argsBetween(0, 0),
		RunE: func(cmd *cobra.Command, args []string) error {
			return c.siteList(cmd.Context(), asJSON)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print a JSON array")
	return cmd
}

func (c *cli) siteList(ctx context.Context, asJSON bool) error {
	m, err := c.open(ctx)
	if err != nil {
		return err
	}
	sites, err := m.Sites.FindSites(ctx)
	if err != nil {
		return err
	}
	if asJSON {
		if sites == nil {
			sites = []*core.Site{}
		}
		return c.printJSON(sites)
	}
	if len(sites) == 0 {
		fmt.Fprintln(c.stdout, "no sites yet; add one with `hookwatch site add DOMAIN --site-id N`")
		return nil
	}
	tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "DOMAIN\tSITE_ID\tADDED")
	for _, s := range sites {
		fmt.Fprintf(tw, "%s\t%d\t%s\n", s.Domain, s.PlausibleID, fmtTime(s.CreatedAt))
	}
	return tw.Flush()
}

func (c *cli) siteDiscoverCommand() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "discover",
		Short: "List the site_ids with events in ClickHouse in the last 30 days",
		Long: `List the site_ids that have events in Plausible's ClickHouse in the last
30 days, with each one's most common hostname and event count, and the
domain it was added as, if any.`,
		Args: argsBetween(0, 0),
		RunE: func(cmd *cobra.Command, args []string) error {
			return c.siteDiscover(cmd.Context(), asJSON)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print a JSON array")
	return cmd
}

func (c *cli) siteDiscover(ctx context.Context, asJSON bool) error {
	m, err := c.open(ctx)
	if err != nil {
		return err
	}
	src, err := m.OpenSource(ctx)
	if err != nil {
		return err
	}
	now, err := src.Now(ctx)
	if err != nil {
		return err
	}
	found, err := src.DiscoverSites(ctx, now.Add(-core.DiscoverWindow))
	if err != nil {
		return err
	}
	known := map[uint64]string{}
	if sites, err := m.Sites.FindSites(ctx); err == nil {
		for _, s := range sites {
			known[s.PlausibleID] = s.Domain
		}
	}
	if asJSON {
		type row struct {
			core.DiscoveredSite
			Added string `json:"added_as,omitempty"`
		}
		out := make([]row, 0, len(found))
		for _, f := range found {
			out = append(out, row{f, known[f.PlausibleID]})
		}
		return c.printJSON(out)
	}
	if len(found) == 0 {
		fmt.Fprintln(c.stdout, "no events in the last 30 days")
		return nil
	}
	tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SITE_ID\tEVENTS_30D\tHOSTNAME\tLAST_SEEN\tADDED_AS")
	for _, f := range found {
		added := known[f.PlausibleID]
		if added == "" {
			added = "-"
		}
		fmt.Fprintf(tw, "%d\t%d\t%s\t%s\t%s\n", f.PlausibleID, f.Events, f.Hostname, fmtTime(f.LastSeen), added)
	}
	return tw.Flush()
}

func (c *cli) siteRmCommand() *cobra.Command {
	var force bool
	cmd := &cobra.Command{
		Use:     "rm DOMAIN",
		Aliases: []string{"remove"},
		Short:   "Stop watching a site",
		Long: `Stop watching a site and remove its goals. A site that still has webhooks
is refused unless --force, which removes them and their deliveries too.`,
		Args: argsBetween(1, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return c.siteRm(cmd.Context(), args[0], force)
		},
	}
	cmd.Flags().BoolVar(&force, "force", false, "also remove the site's webhooks and their deliveries")
	return cmd
}

func (c *cli) siteRm(ctx context.Context, domain string, force bool) error {
	m, err := c.open(ctx)
	if err != nil {
		return err
	}
	if err := m.Sites.DeleteSite(ctx, domain, core.DeleteSiteOptions{Force: force}); err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "site %s removed\n", domain)
	return nil
}
