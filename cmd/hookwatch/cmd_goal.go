package main

import (
	"context"
	"fmt"
	"text/tabwriter"

	"github.com/hookwatch/hookwatch/core"
)

func (c *cli) goalCmd(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return usagef("goal: missing subcommand (add, list, rm)")
	}
	switch args[0] {
	case "add":
		return c.goalAdd(ctx, args[1:])
	case "list", "ls":
		return c.goalList(ctx, args[1:])
	case "rm", "remove":
		return c.goalRm(ctx, args[1:])
	}
	return usagef("goal: unknown subcommand %q", args[0])
}

func (c *cli) goalAdd(ctx context.Context, args []string) error {
	fs := newFlagSet("goal add")
	event := fs.String("event", "", "custom event `NAME`")
	page := fs.String("page", "", "page `PATH`; * matches any run of characters")
	asJSON := fs.Bool("json", false, "print JSON")
	pos, err := c.parseArgs(fs, args, 1, 1)
	if err != nil {
		return err
	}
	m, err := c.open(ctx)
	if err != nil {
		return err
	}
	site, err := m.Sites.FindSiteByDomain(ctx, pos[0])
	if err != nil {
		return err
	}
	g := &core.Goal{SiteID: site.ID, Site: site.Domain, EventName: *event, PagePath: *page}
	if err := m.Goals.CreateGoal(ctx, g); err != nil {
		return err
	}
	if *asJSON {
		return c.printJSON(g)
	}
	fmt.Fprintf(c.stdout, "goal %d added to %s: %s %q\n", g.ID, site.Domain, g.Kind, g.Name())
	return nil
}

func (c *cli) goalList(ctx context.Context, args []string) error {
	m, siteID, asJSON, err := c.listArgs(ctx, "goal list", args)
	if err != nil {
		return err
	}
	goals, err := m.Goals.FindGoals(ctx, core.GoalFilter{SiteID: siteID})
	if err != nil {
		return err
	}
	if asJSON {
		if goals == nil {
			goals = []*core.Goal{}
		}
		return c.printJSON(goals)
	}
	if len(goals) == 0 {
		fmt.Fprintln(c.stdout, "no goals")
		return nil
	}
	tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSITE\tKIND\tNAME")
	for _, g := range goals {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\n", g.ID, g.Site, g.Kind, g.Name())
	}
	return tw.Flush()
}

func (c *cli) goalRm(ctx context.Context, args []string) error {
	fs := newFlagSet("goal rm")
	pos, err := c.parseArgs(fs, args, 1, 1)
	if err != nil {
		return err
	}
	id, err := idArg("id", pos[0])
	if err != nil {
		return err
	}
	m, err := c.open(ctx)
	if err != nil {
		return err
	}
	if err := m.Goals.DeleteGoal(ctx, id); err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "goal %d removed\n", id)
	return nil
}
