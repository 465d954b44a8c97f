package main

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hookwatch/hookwatch/core"
	"github.com/hookwatch/hookwatch/storage/sqlite"
)

// completionCommand replaces cobra's default one so that a missing or
// unknown shell is a usage error (exit 2), as for every other group.
func (c *cli) completionCommand(root *cobra.Command) *cobra.Command {
	shell := func(name, how string, gen func(cmd *cobra.Command) error) *cobra.Command {
		return &cobra.Command{
			Use:   name,
			Short: "Print the " + name + " completion script",
			Long: "Print the " + name + ` completion script. It completes commands, flags, and the
site domains and webhook ids of the database (--db or ` + EnvDB + `).

` + how,
			Args: argsBetween(0, 0),
			RunE: func(cmd *cobra.Command, args []string) error { return gen(cmd) },
		}
	}
	return groupCommand("completion", "Print a shell completion script: bash, zsh, fish or powershell",
		"Print a shell completion script: bash, zsh, fish or powershell. See each one's --help for where it goes.",
		shell("bash", "  source <(hookwatch completion bash)        # this shell\n  hookwatch completion bash > /etc/bash_completion.d/hookwatch",
			func(cmd *cobra.Command) error { return root.GenBashCompletionV2(c.stdout, true) }),
		shell("zsh", "  hookwatch completion zsh > \"${fpath[1]}/_hookwatch\"   # then start a new shell",
			func(cmd *cobra.Command) error { return root.GenZshCompletion(c.stdout) }),
		shell("fish", "  hookwatch completion fish > ~/.config/fish/completions/hookwatch.fish",
			func(cmd *cobra.Command) error { return root.GenFishCompletion(c.stdout, true) }),
		shell("powershell", "  hookwatch completion powershell | Out-String | Invoke-Expression",
			func(cmd *cobra.Command) error { return root.GenPowerShellCompletionWithDesc(c.stdout) }),
	)
}

// completer is a ValidArgsFunction or flag completion function.
type completer = func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective)

// openForCompletion opens the database a completion reads, or returns nil
// when it does not exist yet: pressing Tab must not create one.
func (c *cli) openForCompletion(ctx context.Context) *Main {
	path := envOr(c.cfg.DBPath, EnvDB)
	if path == "" {
		p, err := sqlite.DefaultPath()
		if err != nil {
			return nil
		}
		path = p
	}
	if _, err := os.Stat(path); err != nil {
		return nil
	}
	m, err := c.open(ctx)
	if err != nil {
		return nil
	}
	return m
}

// atArg returns f for the positional argument at index pos and offers
// nothing (not even file names) at the others.
func atArg(pos int, f completer) completer {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		if len(args) != pos {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		return f(cmd, args, toComplete)
	}
}

// completeDomains offers the domains of the sites in the database.
func (c *cli) completeDomains(cmd *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	var out []cobra.Completion
	if m := c.openForCompletion(cmd.Context()); m != nil {
		sites, _ := m.Sites.FindSites(cmd.Context())
		for _, s := range sites {
			if strings.HasPrefix(s.Domain, toComplete) {
				out = append(out, cobra.CompletionWithDesc(s.Domain, fmt.Sprintf("site_id %d", s.PlausibleID)))
			}
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

// completeWebhookIDs offers the ids of the webhooks in the database.
func (c *cli) completeWebhookIDs(cmd *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	var out []cobra.Completion
	if m := c.openForCompletion(cmd.Context()); m != nil {
		hooks, _ := m.Webhooks.FindWebhooks(cmd.Context(), core.WebhookFilter{})
		for _, w := range hooks {
			if id := fmt.Sprint(w.ID); strings.HasPrefix(id, toComplete) {
				out = append(out, cobra.CompletionWithDesc(id, w.Site+" → "+w.URL))
			}
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

// completeGoalIDs offers the ids of the goals in the database.
func (c *cli) completeGoalIDs(cmd *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	var out []cobra.Completion
	if m := c.openForCompletion(cmd.Context()); m != nil {
		goals, _ := m.Goals.FindGoals(cmd.Context(), core.GoalFilter{})
		for _, g := range goals {
			if id := fmt.Sprint(g.ID); strings.HasPrefix(id, toComplete) {
				out = append(out, cobra.CompletionWithDesc(id, fmt.Sprintf("%s %s %q", g.Site, g.Kind, g.Name())))
			}
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

// completeDeliveryIDs offers the newest deliveries' ids.
func (c *cli) completeDeliveryIDs(cmd *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	var out []cobra.Completion
	if m := c.openForCompletion(cmd.Context()); m != nil {
		ds, _, _ := m.Deliveries.FindDeliveries(cmd.Context(), core.DeliveryFilter{Limit: 50})
		for _, d := range ds {
			if id := fmt.Sprint(d.ID); strings.HasPrefix(id, toComplete) {
				out = append(out, cobra.CompletionWithDesc(id, fmt.Sprintf("%s to webhook %d, %s", d.EventType, d.WebhookID, d.State)))
			}
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

// fixedValues completes a flag from a fixed list of values.
func fixedValues(vals ...string) completer {
	return cobra.FixedCompletions(vals, cobra.ShellCompDirectiveNoFileComp)
}

// registerCompletions attaches the completion of each argument and flag
// whose values come from the database or a fixed list.
func (c *cli) registerCompletions(root *cobra.Command) {
	byPath := map[string]completer{
		"site rm":               atArg(0, c.completeDomains),
		"goal add":              atArg(0, c.completeDomains),
		"goal list":             atArg(0, c.completeDomains),
		"goal rm":               atArg(0, c.completeGoalIDs),
		"webhook add":           atArg(0, c.completeDomains),
		"webhook list":          atArg(0, c.completeDomains),
		"webhook edit":          atArg(0, c.completeWebhookIDs),
		"webhook enable":        atArg(0, c.completeWebhookIDs),
		"webhook disable":       atArg(0, c.completeWebhookIDs),
		"webhook rm":            atArg(0, c.completeWebhookIDs),
		"webhook rotate-secret": atArg(0, c.completeWebhookIDs),
		"webhook test":          atArg(0, c.completeWebhookIDs),
		"redeliver":             atArg(0, c.completeDeliveryIDs),
	}
	flags := map[string]completer{
		"webhook": c.completeWebhookIDs,
		"status":  fixedValues(string(core.StatePending), string(core.StateRetrying), string(core.StateSucceeded), string(core.StateFailed)),
		"format":  fixedValues(string(core.FormatStandard), string(core.FormatSlack), string(core.FormatDiscord)),
		"events":  fixedValues(eventList(core.SubscribableEvents)),
	}
	var walk func(cmd *cobra.Command)
	walk = func(cmd *cobra.Command) {
		path := strings.TrimPrefix(cmd.CommandPath(), root.Name()+" ")
		if f, ok := byPath[path]; ok {
			cmd.ValidArgsFunction = f
		} else if cmd.ValidArgsFunction == nil && !cmd.HasSubCommands() {
			cmd.ValidArgsFunction = cobra.NoFileCompletions
		}
		for name, f := range flags {
			if cmd.LocalNonPersistentFlags().Lookup(name) != nil {
				_ = cmd.RegisterFlagCompletionFunc(name, f)
			}
		}
		for _, sub := range cmd.Commands() {
			walk(sub)
		}
	}
	walk(root)
	_ = root.RegisterFlagCompletionFunc("log-format", fixedValues("text", "json"))
	_ = root.RegisterFlagCompletionFunc("log-level", fixedValues("debug", "info", "warn", "error"))
	_ = root.MarkPersistentFlagFilename("db", "db")
}
