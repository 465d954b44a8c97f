package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/hookwatch/hookwatch/core"
)

// Exit codes.
const (
	exitOK      = 0
	exitRuntime = 1 // something failed that the user's input did not cause
	exitUsage   = 2 // usage, validation, not found or conflict
)

// usageError is a mistake in how a command was typed.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return &usageError{fmt.Sprintf(format, args...)} }

// cli carries what every command needs: the global configuration the flags
// fill, the streams, and the Main that the first command to need the
// database opens (run closes it).
type cli struct {
	cfg    Config
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	main   *Main
}

// run is the whole program minus process exit, so tests can drive it.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	c := &cli{stdin: stdin, stdout: stdout, stderr: stderr}
	root := c.rootCommand()
	if args == nil {
		args = []string{} // nil would make cobra read os.Args
	}
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	cmd, err := root.ExecuteContextC(ctx)
	if c.main != nil {
		if cerr := c.main.Close(); err == nil && cerr != nil {
			err = cerr
		}
	}
	return c.exit(cmd, err)
}

// exit prints err, if any, and returns the exit code it calls for. cmd is
// the command that failed, named in the pointer to its help.
func (c *cli) exit(cmd *cobra.Command, err error) int {
	if err == nil {
		return exitOK
	}
	var ue *usageError
	var code exitError
	switch {
	case errors.As(err, &ue):
		path := "hookwatch"
		if cmd != nil {
			path = cmd.CommandPath()
		}
		fmt.Fprintf(c.stderr, "hookwatch: %s\nRun '%s --help' for usage.\n", ue.msg, path)
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

// idArg parses a positional id.
func idArg(field, s string) (int64, error) {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id < 1 {
		return 0, core.FieldErrorf(field, "must be a positive integer id, not %q", s)
	}
	return id, nil
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

// siteIDOf returns the id of the site named domain, or 0 when domain is
// empty: the optional DOMAIN that narrows a list.
func siteIDOf(ctx context.Context, m *Main, domain string) (int64, error) {
	if domain == "" {
		return 0, nil
	}
	site, err := m.Sites.FindSiteByDomain(ctx, domain)
	if err != nil {
		return 0, err
	}
	return site.ID, nil
}
