package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"
)

// This file builds the command tree. Each command group lives in its own
// cmd_<group>.go file as a method returning its *cobra.Command; to add one,
// write that method and list it in rootCommand. A command's RunE parses
// nothing itself: cobra has filled its options struct, and RunE calls a
// method taking the context and that struct, which opens Main (c.open) and
// works through its services.

const rootLong = `hookwatch watches a self-hosted Plausible's ClickHouse and sends signed
webhooks (Standard Webhooks) when a site's traffic spikes or drops, or a goal
is completed.

Plain ` + "`hookwatch`" + ` opens the window, with the engine running inside it.
` + "`hookwatch --headless`" + ` runs the same engine without a window, until SIGINT or
SIGTERM. The subcommands script what the window does, on the same database;
a running engine notices their changes within a second.

Global flags may come before or after the subcommand and its arguments.
Exit status: 0 on success, 1 when something failed that the input did not
cause, 2 for a usage, validation, not-found or conflict error.`

// extraCommands are added by files built only with a tag (gendoc.go).
var extraCommands []func(*cli) *cobra.Command

// rootCommand returns the whole command tree, its flags writing into c.cfg.
func (c *cli) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "hookwatch",
		Short: "Signed webhooks on a self-hosted Plausible's traffic spikes, drops and goals",
		Long:  rootLong,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usagef("unknown command %q%s", args[0], suggest(cmd, args[0]))
			}
			return nil
		},
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			return c.checkGlobal(cmd)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if c.cfg.Headless {
				return c.runHeadless(cmd.Context())
			}
			return c.runWindow(cmd.Context())
		},
		SilenceErrors: true, // exit prints them, and picks the exit code
		SilenceUsage:  true,
	}
	root.SetFlagErrorFunc(flagError)
	c.globalFlags(root)
	root.AddCommand(
		c.siteCommand(),
		c.goalCommand(),
		c.webhookCommand(),
		c.deliveriesCommand(),
		c.redeliverCommand(),
		c.statusCommand(),
		c.settingsCommand(),
		c.trafficCommand(),
		c.backtestCommand(),
		c.versionCommand(),
	)
	for _, more := range extraCommands {
		root.AddCommand(more(c))
	}
	root.AddCommand(c.completionCommand(root))
	root.CompletionOptions.DisableDefaultCmd = true
	c.registerCompletions(root)
	return root
}

// globalFlags defines the flags every command takes, anywhere on the line.
// The engine's own flags are among them so that scripts that put them
// before a subcommand keep working, as they did before cobra.
func (c *cli) globalFlags(root *cobra.Command) {
	fs := root.PersistentFlags()
	cfg := &c.cfg
	fs.StringVar(&cfg.DBPath, "db", "", "SQLite database `path` (env "+EnvDB+"; default in the user's config directory)")
	fs.StringVar(&cfg.ClickHouseDSN, "clickhouse", "", "Plausible's ClickHouse `DSN` (env "+EnvClickHouse+", then the saved setting)")
	cfg.LogFormat, cfg.LogLevel = "text", "info"
	choiceFlag(fs, &cfg.LogFormat, "log-format", "how log lines are written, to stderr", "text", "json")
	choiceFlag(fs, &cfg.LogLevel, "log-level", "least level of the log lines written", "debug", "info", "warn", "error")
	fs.BoolVar(&cfg.Headless, "headless", false, "run the engine without a window (no subcommand)")
	fs.Var(&durationValue{v: &cfg.PollInterval, field: "poll_interval", min: 100 * time.Millisecond}, "poll-interval",
		"engine: how often to poll ClickHouse (env "+EnvPollInterval+", then the saved setting, else 10s)")
	lateHorizonFlags(fs, &cfg.LateHorizon)
	fs.StringVar(&cfg.Listen, "listen", "", "engine: serve /healthz and /metrics on `ADDR`, e.g. 127.0.0.1:9464")
	cfg.DrainTimeout = 10 * time.Second
	durationFlag(fs, &cfg.DrainTimeout, "drain-timeout", "engine: how long shutdown waits for attempts in flight")
	durationFlag(fs, &cfg.KeepAttempts, "keep-attempts", "engine: how long to keep the attempt log (default 720h)")
	fs.StringVar(&cfg.Screenshots, "screenshots", "", "capture every screen of the window into `DIR`, then quit")
	cfg.ScreenshotsAfter = 45 * time.Second
	durationFlag(fs, &cfg.ScreenshotsAfter, "screenshots-after", "how long the window runs before --screenshots")
	fs.StringVar(&cfg.CPUProfile, "cpuprofile", "", "write a CPU profile of the engine to `FILE`")
	fs.StringVar(&cfg.MemProfile, "memprofile", "", "write a heap profile of the engine to `FILE` when it stops")
	retryFlags(fs, &cfg.Retry)
	for _, name := range []string{"screenshots", "screenshots-after", "cpuprofile", "memprofile", "retry-schedule", "request-timeout"} {
		_ = fs.MarkHidden(name) // diagnostics and test aids, left out of help
	}
}

// checkGlobal refuses global flag combinations that no flag parser catches
// by itself.
func (c *cli) checkGlobal(cmd *cobra.Command) error {
	if err := checkSettingsEnv(); err != nil {
		return err
	}
	if c.cfg.Headless && cmd.HasParent() {
		return usagef("--headless takes no subcommand (%q given)", cmd.CommandPath())
	}
	return nil
}

func (c *cli) versionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print hookwatch's version",
		Args:  argsBetween(0, 0),
		RunE: func(cmd *cobra.Command, args []string) error {
			fmt.Fprintf(c.stdout, "hookwatch %s\n", version)
			return nil
		},
	}
}
