package main

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/hookwatch/hookwatch/core"
)

const settingsLong = `Show and change the settings saved in the database. Keys:

  clickhouse_dsn     Plausible's ClickHouse (always printed with the password redacted)
  poll_interval      how often to poll ClickHouse, %s (default %s)
  default_cooldown   the cooldown new webhooks get, %s (default %s)

A value in force comes, in order, from the flag (--clickhouse, --poll-interval),
the environment (HOOKWATCH_CLICKHOUSE, HOOKWATCH_POLL_INTERVAL,
HOOKWATCH_DEFAULT_COOLDOWN), the saved setting, or the default. A running
engine (the window or --headless) applies a saved change at its next poll;
default_cooldown applies to webhooks added afterwards.`

func (c *cli) settingsCommand() *cobra.Command {
	var asJSON bool
	cmd := groupCommand("settings", "Show every setting with its value in force and where it comes from",
		fmt.Sprintf(settingsLong, core.PollIntervalRange, core.ShortDuration(core.DefaultPollInterval),
			core.CooldownRange, core.ShortDuration(core.DefaultCooldown)),
		c.settingsGetCommand(), c.settingsSetCommand(), c.settingsUnsetCommand())
	cmd.Use = "settings"
	delete(cmd.Annotations, groupAnnotation)
	// Alone, `settings` lists every key instead of asking for a subcommand.
	cmd.RunE = func(cmd *cobra.Command, args []string) error { return c.settingsList(cmd.Context(), asJSON) }
	cmd.Flags().BoolVar(&asJSON, "json", false, "print a JSON array of {key, value, source, …}")
	return cmd
}

// settingView is a setting as the CLI prints it: the DSN redacted.
type settingView struct {
	Key    string `json:"key"`
	Value  string `json:"value"`
	Source string `json:"source"`           // flag, env, saved or default
	Origin string `json:"origin,omitempty"` // the flag or variable, for flag and env
	Saved  string `json:"saved,omitempty"`  // the saved value, when one is set
	Range  string `json:"range,omitempty"`  // the range of a duration setting
}

func newSettingView(r resolvedSetting) settingView {
	v := settingView{Key: r.Key, Value: r.Value, Source: r.Source, Origin: r.Origin, Saved: r.Saved}
	if r.Key == core.SettingClickHouseDSN {
		v.Value, v.Saved = core.RedactDSN(v.Value), core.RedactDSN(v.Saved)
	} else {
		v.Range = core.SettingRange(r.Key).String()
	}
	return v
}

func (v settingView) source() string {
	if v.Origin != "" {
		return v.Source + " " + v.Origin
	}
	return v.Source
}

func (c *cli) settingsList(ctx context.Context, asJSON bool) error {
	m, err := c.open(ctx)
	if err != nil {
		return err
	}
	views := make([]settingView, 0, len(core.SettingKeys))
	for _, key := range core.SettingKeys {
		r, err := m.Setting(ctx, key)
		if err != nil {
			return err
		}
		views = append(views, newSettingView(r))
	}
	if asJSON {
		return c.printJSON(views)
	}
	tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "KEY\tVALUE\tSOURCE\tRANGE")
	for _, v := range views {
		rng := v.Range
		if rng == "" {
			rng = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", v.Key, v.Value, v.source(), rng)
	}
	return tw.Flush()
}

func (c *cli) settingsGetCommand() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "get KEY",
		Short: "Print one setting's value in force",
		Long:  "Print one setting's value in force; --json adds where it comes from.",
		Args:  argsBetween(1, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return c.settingsGet(cmd.Context(), args[0], asJSON)
		},
		ValidArgsFunction: atArg(0, fixedValues(core.SettingKeys...)),
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print a JSON object {key, value, source, …}")
	return cmd
}

func (c *cli) settingsGet(ctx context.Context, key string, asJSON bool) error {
	if _, err := specOf(key); err != nil {
		return err
	}
	m, err := c.open(ctx)
	if err != nil {
		return err
	}
	r, err := m.Setting(ctx, key)
	if err != nil {
		return err
	}
	v := newSettingView(r)
	if asJSON {
		return c.printJSON(v)
	}
	fmt.Fprintln(c.stdout, v.Value)
	return nil
}

func (c *cli) settingsSetCommand() *cobra.Command {
	return &cobra.Command{
		Use:     "set KEY VALUE",
		Short:   "Save a setting; a running engine applies it at its next poll",
		Example: "  hookwatch settings set poll_interval 30s\n  hookwatch settings set clickhouse_dsn clickhouse://reader:pw@127.0.0.1:9000/plausible_events_db",
		Args:    argsBetween(2, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return c.settingsSet(cmd.Context(), args[0], args[1])
		},
		ValidArgsFunction: atArg(0, fixedValues(core.SettingKeys...)),
	}
}

func (c *cli) settingsUnsetCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "unset KEY",
		Short: "Remove a saved setting, so the default applies",
		Args:  argsBetween(1, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return c.settingsSet(cmd.Context(), args[0], "")
		},
		ValidArgsFunction: atArg(0, fixedValues(core.SettingKeys...)),
	}
}

// settingsSet saves value for key ("" unsets it) and says what is now in
// force, which an overriding flag or variable may keep from applying.
func (c *cli) settingsSet(ctx context.Context, key, value string) error {
	if strings.TrimSpace(value) == "" && value != "" {
		return core.FieldErrorf(key, "must not be blank; use `hookwatch settings unset %s`", key)
	}
	value, err := core.ValidateSetting(key, value)
	if err != nil {
		return err
	}
	m, err := c.open(ctx)
	if err != nil {
		return err
	}
	if err := m.Settings.SetSetting(ctx, key, value); err != nil {
		return err
	}
	r, err := m.Setting(ctx, key)
	if err != nil {
		return err
	}
	v := newSettingView(r)
	if value == "" {
		fmt.Fprintf(c.stdout, "%s unset\n", key)
	} else {
		fmt.Fprintf(c.stdout, "%s saved: %s\n", key, v.Saved)
	}
	switch r.Source {
	case fromFlag, fromEnv:
		fmt.Fprintf(c.stdout, "in force here: %s, from %s, which overrides the saved setting\n", v.Value, v.source())
	default:
		fmt.Fprintf(c.stdout, "in force: %s (%s); a running engine applies it at its next poll\n", v.Value, v.Source)
	}
	return nil
}
