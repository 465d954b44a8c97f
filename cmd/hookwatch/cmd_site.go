package main

import (
	"context"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/hookwatch/hookwatch/core"
)

// discoverWindow is how far back `site discover` looks.
const discoverWindow = 30 * 24 * time.Hour

func (c *cli) siteCmd(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return usagef("site: missing subcommand (add, list, discover, rm)")
	}
	switch args[0] {
	case "add":
		return c.siteAdd(ctx, args[1:])
	case "list", "ls":
		return c.siteList(ctx, args[1:])
	case "discover":
		return c.siteDiscover(ctx, args[1:])
	case "rm", "remove":
		return c.siteRm(ctx, args[1:])
	}
	return usagef("site: unknown subcommand %q", args[0])
}

func (c *cli) siteAdd(ctx context.Context, args []string) error {
	fs := newFlagSet("site add")
	siteID := c.positiveIntFlag(fs, "site-id", "Plausible's numeric site_id")
	asJSON := fs.Bool("json", false, "print JSON")
	pos, err := c.parseArgs(fs, args, 1, 1)
	if err != nil {
		return err
	}
	if !flagsSet(fs)["site-id"] {
		return core.FieldErrorf("site_id", "is required (--site-id N; find it with `hookwatch site discover`)")
	}
	m, err := c.open(ctx)
	if err != nil {
		return err
	}
	s := &core.Site{Domain: pos[0], PlausibleID: uint64(*siteID)}
	if err := m.Sites.CreateSite(ctx, s); err != nil {
		return err
	}
	if *asJSON {
		return c.printJSON(s)
	}
	fmt.Fprintf(c.stdout, "site %s added (site_id %d)\n", s.Domain, s.PlausibleID)
	return nil
}

func (c *cli) siteList(ctx context.Context, args []string) error {
	m, asJSON, err := c.jsonArgs(ctx, "site list", args)
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

func (c *cli) siteDiscover(ctx context.Context, args []string) error {
	m, asJSON, err := c.jsonArgs(ctx, "site discover", args)
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
	found, err := src.DiscoverSites(ctx, now.Add(-discoverWindow))
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

func (c *cli) siteRm(ctx context.Context, args []string) error {
	fs := newFlagSet("site rm")
	force := fs.Bool("force", false, "also remove the site's webhooks and their deliveries")
	pos, err := c.parseArgs(fs, args, 1, 1)
	if err != nil {
		return err
	}
	m, err := c.open(ctx)
	if err != nil {
		return err
	}
	if err := m.Sites.DeleteSite(ctx, pos[0], *force); err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "site %s removed\n", pos[0])
	return nil
}
