package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/hookwatch/hookwatch/core"
)

// Exit codes.
const (
	exitOK      = 0
	exitRuntime = 1 // something failed that the user's input did not cause
	exitUsage   = 2 // usage, validation, not found or conflict
)

const usageText = `usage:
  hookwatch [--db PATH] [--clickhouse DSN]                 open the window
  hookwatch --headless [--db PATH] [--clickhouse DSN] [--poll-interval 10s]
            [--listen ADDR] [--log-format text|json] [--keep-attempts 720h]
  hookwatch site add DOMAIN --site-id N [--json]
  hookwatch site list [--json]
  hookwatch site discover [--json]
  hookwatch site rm DOMAIN [--force]
  hookwatch goal add DOMAIN (--event NAME | --page PATH) [--json]
  hookwatch goal list [DOMAIN] [--json]
  hookwatch goal rm ID
  hookwatch webhook add DOMAIN URL [--events traffic.spike,traffic.drop,goal.completed]
            [--spike-threshold N] [--drop-threshold N] [--goals NAME,...] [--secret whsec_...]
            [--allow-private] [--cooldown 12h] [--send-resolved] [--format standard|slack|discord]
            [--header 'Name: value']... [--digest 15m] [--json]
  hookwatch webhook list [DOMAIN] [--json]
  hookwatch webhook edit ID [--url URL] [the flags of add]
  hookwatch webhook enable ID | disable ID | rm ID
  hookwatch webhook rotate-secret ID [--json]
  hookwatch webhook test ID [--json]
  hookwatch webhook backtest ID [--days 1..28] [--json]
  hookwatch traffic DOMAIN [--range 24h|7d|28d] [--json]
  hookwatch backtest DOMAIN [--spike-threshold N] [--drop-threshold N] [--cooldown D]
            [--days 1..28] [--json]
  hookwatch deliveries [--webhook ID] [--status S] [--limit N] [--json]
  hookwatch redeliver DELIVERY_ID
  hookwatch status [--json]
  hookwatch version
`

// usageError is a mistake in how a command was typed.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return &usageError{fmt.Sprintf(format, args...)} }

// cli carries what every command needs.
type cli struct {
	cfg    Config
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	main   *Main
	// flagErr is the field error of the last flag that refused its value;
	// the flag package flattens parser errors to text, losing the field.
	flagErr *core.Error
}

// run is the whole program minus process exit, so tests can drive it.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	c := &cli{stdin: stdin, stdout: stdout, stderr: stderr}
	err := c.dispatch(ctx, args)
	if c.main != nil {
		if cerr := c.main.Close(); err == nil && cerr != nil {
			err = cerr
		}
	}
	return c.exit(err)
}

func (c *cli) exit(err error) int {
	if err == nil {
		return exitOK
	}
	var ue *usageError
	var code exitError
	switch {
	case errors.Is(err, flag.ErrHelp):
		fmt.Fprint(c.stdout, usageText)
		return exitOK
	case errors.As(err, &ue):
		fmt.Fprintf(c.stderr, "hookwatch: %s\n\n%s", ue.msg, usageText)
		return exitUsage
	case errors.As(err, &code):
		if code.msg != "" {
			fmt.Fprintf(c.stderr, "hookwatch: %s\n", code.msg)
		}
		return code.code
	}
	fmt.Fprintf(c.stderr, "hookwatch: %s\n", core.ErrorMessage(err))
	if core.ErrorCode(err) == core.EINTERNAL {
		return exitRuntime
	}
	return exitUsage
}

// exitError ends a command with a given code, such as a failed test-send.
type exitError struct {
	code int
	msg  string
}

func (e exitError) Error() string { return e.msg }

func (c *cli) dispatch(ctx context.Context, args []string) error {
	fs := newFlagSet("hookwatch")
	fs.StringVar(&c.cfg.DBPath, "db", "", "database `path` (env "+EnvDB+")")
	fs.StringVar(&c.cfg.ClickHouseDSN, "clickhouse", "", "ClickHouse `DSN` (env "+EnvClickHouse+")")
	fs.BoolVar(&c.cfg.Headless, "headless", false, "run the engine without a window")
	fs.DurationVar(&c.cfg.PollInterval, "poll-interval", 0, "how often to poll ClickHouse (default 10s)")
	fs.DurationVar(&c.cfg.SettleDelay, "settle-delay", 0, "how far goal windows stay behind ClickHouse's now() (default 10s)")
	fs.StringVar(&c.cfg.Listen, "listen", "", "serve /healthz and /metrics on `ADDR`")
	fs.StringVar(&c.cfg.LogFormat, "log-format", "text", "log format: text or json")
	fs.StringVar(&c.cfg.LogLevel, "log-level", "info", "log level: debug, info, warn, error")
	fs.DurationVar(&c.cfg.DrainTimeout, "drain-timeout", 10*time.Second, "how long shutdown waits for attempts in flight")
	fs.StringVar(&c.cfg.Screenshots, "screenshots", "", "capture every screen of the window into `DIR`, then quit (hidden)")
	fs.DurationVar(&c.cfg.ScreenshotsAfter, "screenshots-after", 45*time.Second, "how long the window runs before --screenshots")
	fs.StringVar(&c.cfg.CPUProfile, "cpuprofile", "", "write a CPU profile of the engine to `FILE` (hidden)")
	fs.DurationVar(&c.cfg.KeepAttempts, "keep-attempts", 0, "how long to keep the attempt log (default 720h)")
	c.retryFlags(fs, &c.cfg.Retry)
	help := fs.Bool("help", false, "show usage")
	fs.BoolVar(help, "h", false, "show usage")
	if err := fs.Parse(args); err != nil {
		return c.flagError(err)
	}
	if *help {
		return flag.ErrHelp
	}
	if c.cfg.LogFormat != "text" && c.cfg.LogFormat != "json" {
		return core.FieldErrorf("log-format", "must be text or json")
	}
	if c.cfg.PollInterval < 0 || (c.cfg.PollInterval > 0 && c.cfg.PollInterval < 100*time.Millisecond) {
		return core.FieldErrorf("poll-interval", "must be at least 100ms")
	}
	rest := fs.Args()
	if len(rest) == 0 {
		if c.cfg.Headless {
			return c.runHeadless(ctx)
		}
		return c.runWindow(ctx)
	}
	if c.cfg.Headless {
		return usagef("--headless takes no subcommand")
	}
	cmd, rest := rest[0], rest[1:]
	switch cmd {
	case "site":
		return c.siteCmd(ctx, rest)
	case "goal":
		return c.goalCmd(ctx, rest)
	case "webhook":
		return c.webhookCmd(ctx, rest)
	case "deliveries":
		return c.deliveriesCmd(ctx, rest)
	case "redeliver":
		return c.redeliverCmd(ctx, rest)
	case "status":
		return c.statusCmd(ctx, rest)
	case "traffic":
		return c.trafficCmd(ctx, rest)
	case "backtest":
		return c.backtestCmd(ctx, rest)
	case "version":
		fmt.Fprintf(c.stdout, "hookwatch %s\n", version)
		return nil
	case "help":
		return flag.ErrHelp
	}
	return usagef("unknown command %q", cmd)
}

// open returns the Main with its database open; commands share it.
func (c *cli) open(ctx context.Context) (*Main, error) {
	if c.main == nil {
		m := NewMain()
		m.Config = c.cfg
		m.Stderr = c.stderr
		if err := m.Open(ctx); err != nil {
			return nil, err
		}
		c.main = m
	}
	return c.main, nil
}

func newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

// parseArgs parses fs over args where flags may come before, between or
// after the positional arguments, as users type them, and returns the
// positional arguments. want bounds how many there may be.
func (c *cli) parseArgs(fs *flag.FlagSet, args []string, minPos, maxPos int) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, c.flagError(err)
		}
		rest := fs.Args()
		if len(rest) == 0 {
			break
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
	switch {
	case len(pos) < minPos:
		return nil, usagef("%s: missing argument", fs.Name())
	case len(pos) > maxPos:
		return nil, usagef("%s: unexpected argument %q", fs.Name(), pos[maxPos])
	}
	return pos, nil
}

// flagError keeps a field error raised by a flag's own parser, and turns the
// flag package's other errors into usage errors.
func (c *cli) flagError(err error) error {
	if c.flagErr != nil {
		return c.flagErr
	}
	if errors.Is(err, flag.ErrHelp) {
		return err
	}
	return usagef("%s", err.Error())
}

// flagField is how a flag is named in error messages: the snake_case field.
func flagField(name string) string { return strings.ReplaceAll(name, "-", "_") }

// positiveIntFlag defines an integer flag that must be ≥ 1.
func (c *cli) positiveIntFlag(fs *flag.FlagSet, name, usage string) *int {
	v := new(int)
	fs.Func(name, usage, func(s string) error {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			return c.refuse(core.FieldErrorf(flagField(name), "must be an integer ≥ 1, not %q", s))
		}
		*v = n
		return nil
	})
	return v
}

// durationFlag defines a duration flag whose bad values name the field.
func (c *cli) durationFlag(fs *flag.FlagSet, name, usage string) *time.Duration {
	v := new(time.Duration)
	fs.Func(name, usage, func(s string) error {
		d, err := time.ParseDuration(strings.TrimSpace(s))
		if err != nil || d < 0 {
			return c.refuse(core.FieldErrorf(flagField(name), "must be a duration such as 90s, 15m or 12h, not %q", s))
		}
		*v = d
		return nil
	})
	return v
}

func (c *cli) refuse(e *core.Error) error {
	c.flagErr = e
	return e
}

// idArg parses a positional id.
func idArg(field, s string) (int64, error) {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id < 1 {
		return 0, core.FieldErrorf(field, "must be a positive integer id, not %q", s)
	}
	return id, nil
}

// flagsSet returns the names of the flags given on the command line.
func flagsSet(fs *flag.FlagSet) map[string]bool {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	return set
}

func (c *cli) printJSON(v any) error {
	enc := json.NewEncoder(c.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}

// listArgs parses the flags and optional DOMAIN of a list command and opens
// the database; siteID is 0 when no DOMAIN narrows the list.
func (c *cli) listArgs(ctx context.Context, name string, args []string) (m *Main, siteID int64, asJSON bool, err error) {
	fs := newFlagSet(name)
	j := fs.Bool("json", false, "print JSON")
	pos, err := c.parseArgs(fs, args, 0, 1)
	if err != nil {
		return nil, 0, false, err
	}
	if m, err = c.open(ctx); err != nil {
		return nil, 0, false, err
	}
	if len(pos) == 1 {
		site, err := m.Sites.FindSiteByDomain(ctx, pos[0])
		if err != nil {
			return nil, 0, false, err
		}
		siteID = site.ID
	}
	return m, siteID, *j, nil
}

// jsonArgs parses a command that takes no arguments but --json, and opens
// the database.
func (c *cli) jsonArgs(ctx context.Context, name string, args []string) (m *Main, asJSON bool, err error) {
	fs := newFlagSet(name)
	j := fs.Bool("json", false, "print JSON")
	if _, err := c.parseArgs(fs, args, 0, 0); err != nil {
		return nil, false, err
	}
	if m, err = c.open(ctx); err != nil {
		return nil, false, err
	}
	return m, *j, nil
}
