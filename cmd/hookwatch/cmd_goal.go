package main

import (
	"context"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/hookwatch/hookwatch/core"
)

func (c *cli) goalCommand() *cobra.Command {
	return groupCommand("goal", "Add, list and remove the goals whose completions are sent", "",
		c.goalAddCommand(), c.goalListCommand(), c.goalRmCommand())
}

// goalAddOptions is what `goal add` was told.
type goalAddOptions struct {
	domain      string
	event, page string
	json        bool
}

func (c *cli) goalAddCommand() *cobra.Command {
	var o goalAddOptions
	cmd := &cobra.Command{
		Use:   "add DOMAIN (--event NAME | --page PATH)",
		Short: "Add a goal: a custom event or a page path",
		Long: `Add a goal to a site: either a custom event by name (--event) or a page path
(--page, where * matches any run of characters). Each completion is sent as
goal.completed to the site's webhooks that take goals.`,
		Example: "  hookwatch goal add example.com --event Signup\n  hookwatch goal add example.com --page '/thanks/*'",
		Args:    argsBetween(1, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.domain = args[0]
			return c.goalAdd(cmd.Context(), o)
		},
	}
	cmd.Flags().StringVar(&o.event, "event", "", "custom event `NAME`, as the site sends it")
	cmd.Flags().StringVar(&o.page, "page", "", "page `PATH`; * matches any run of characters")
	cmd.Flags().BoolVar(&o.json, "json", false, "print the goal as JSON")
	return cmd
}

func (c *cli) goalAdd(ctx context.Context, o goalAddOptions) error {
	m, err := c.open(ctx)
	if err != nil {
		return err
	}
	site, err := m.Sites.FindSiteByDomain(ctx, o.domain)
	if err != nil {
		return err
	}
	g := &core.Goal{SiteID: site.ID, Site: site.Domain, EventName: o.event, PagePath: o.page}
	if err := m.Goals.CreateGoal(ctx, g); err != nil {
		return err
	}
	if o.json {
		return c.printJSON(g)
	}
	fmt.Fprintf(c.stdout, "goal %d added to %s: %s %q\n", g.ID, site.Domain, g.Kind, g.Name())
	return nil
}

func (c *cli) goalListCommand() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:     "list [DOMAIN]",
		Aliases: []string{"ls"},
		Short:   "List the goals, of one site or of all",
		Args:    argsBetween(0, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return c.goalList(cmd.Context(), firstArg(args), asJSON)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print a JSON array")
	return cmd
}

func (c *cli) goalList(ctx context.Context, domain string, asJSON bool) error {
	m, err := c.open(ctx)
	if err != nil {
		return err
	}
	siteID, err := siteIDOf(ctx, m, domain)
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

func (c *cli) goalRmCommand() *cobra.Command {
	return &cobra.Command{
		Use:     "rm ID",
		Aliases: []string{"remove"},
		Short:   "Remove a goal",
		Args:    argsBetween(1, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := idArg("id", args[0])
			if err != nil {
				return err
			}
			return c.goalRm(cmd.Context(), id)
		},
	}
}

func (c *cli) goalRm(ctx context.Context, id int64) error {
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

// firstArg returns args[0], or "" when there is none: an optional argument.
func firstArg(args []string) string {
	if len(args) == 0 {
		return ""
	}
	return args[0]
}
