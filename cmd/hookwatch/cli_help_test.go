package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// runArgs runs the CLI in-process with exactly args (no --db added).
func runArgs(args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = run(context.Background(), args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

// findCommand returns the command at path in a fresh tree.
func findCommand(t *testing.T, path ...string) *cobra.Command {
	t.Helper()
	cmd, rest, err := (&cli{}).rootCommand().Find(path)
	if err != nil || len(rest) != 0 {
		t.Fatalf("no command %q: %v (left %q)", path, err, rest)
	}
	return cmd
}

func TestHelp(t *testing.T) {
	t.Run("webhook add --help and help webhook add describe every flag of add", func(t *testing.T) {
		code, viaFlag, errs := runArgs("webhook", "add", "--help")
		if code != 0 || errs != "" {
			t.Fatalf("exit %d, stderr %q", code, errs)
		}
		code, viaHelp, _ := runArgs("help", "webhook", "add")
		if code != 0 || viaHelp != viaFlag {
			t.Errorf("help webhook add (exit %d) differs from webhook add --help:\n%s\n---\n%s", code, viaHelp, viaFlag)
		}
		n := 0
		findCommand(t, "webhook", "add").NonInheritedFlags().VisitAll(func(f *pflag.Flag) {
			n++
			if f.Usage == "" || !strings.Contains(viaFlag, "--"+f.Name) {
				t.Errorf("--%s is not described", f.Name)
			}
		})
		for _, flag := range []string{"--cooldown", "--digest", "--allow-private", "--spike-threshold", "--secret", "--header"} {
			if !strings.Contains(viaFlag, flag) {
				t.Errorf("help lacks %s", flag)
			}
		}
		if n < 12 || strings.Contains(viaFlag, "rotate-secret ID") {
			t.Errorf("%d flags, or the help is the global usage:\n%s", n, viaFlag)
		}
	})
	t.Run("every command and every visible flag has a description", func(t *testing.T) {
		var walk func(*cobra.Command)
		walk = func(cmd *cobra.Command) {
			if cmd.Short == "" {
				t.Errorf("%s has no short description", cmd.CommandPath())
			}
			cmd.LocalFlags().VisitAll(func(f *pflag.Flag) {
				if !f.Hidden && strings.TrimSpace(f.Usage) == "" {
					t.Errorf("%s --%s has no description", cmd.CommandPath(), f.Name)
				}
			})
			for _, sub := range cmd.Commands() {
				walk(sub)
			}
		}
		walk((&cli{}).rootCommand())
	})
	t.Run("--log-level is documented in the root help", func(t *testing.T) {
		code, out, _ := runArgs("--help")
		if code != 0 || !strings.Contains(out, "--log-level") || !strings.Contains(out, "debug|info|warn|error") {
			t.Errorf("exit %d, help:\n%s", code, out)
		}
	})
}

func TestGlobalFlagsAnywhere(t *testing.T) {
	db := filepath.Join(t.TempDir(), "hw.db")
	for _, args := range [][]string{
		{"--db", db, "site", "add", "a.example", "--site-id", "1"},
		{"site", "--db", db, "add", "b.example", "--site-id", "2"},
		{"site", "add", "c.example", "--site-id", "3", "--db", db},
		{"site", "add", "--db=" + db, "d.example", "--site-id=4"},
	} {
		if code, _, errs := runArgs(args...); code != 0 {
			t.Errorf("%q: exit %d: %s", args, code, errs)
		}
	}
	code, out, errs := runArgs("site", "list", "--json", "--db", db)
	if code != 0 || strings.Count(out, `"domain"`) != 4 {
		t.Errorf("exit %d, %d sites in %s%s", code, strings.Count(out, `"domain"`), out, errs)
	}
}

func TestUsageErrors(t *testing.T) {
	db := filepath.Join(t.TempDir(), "hw.db")
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"unknown subcommand", []string{"webhook", "frob"}, `webhook: unknown subcommand "frob"`},
		{"group alone", []string{"goal"}, "goal: missing subcommand (add, list, rm)"},
		{"too many arguments", []string{"goal", "rm", "1", "2"}, `goal rm: unexpected argument "2"`},
		{"edit with no change", []string{"webhook", "edit", "1", "--json", "--log-level", "debug"}, "webhook edit: give at least one flag to change"},
		{"headless with a subcommand", []string{"--headless", "status"}, "--headless takes no subcommand"},
		{"bad log format", []string{"--log-format", "xml", "status"}, `log_format: must be text or json, not "xml"`},
		{"bad log level", []string{"--log-level", "loud", "status"}, `log_level: must be debug, info, warn or error`},
		{"bad poll interval", []string{"--poll-interval", "10ms", "status"}, "poll_interval: must be at least 100ms"},
		{"bad limit", []string{"deliveries", "--limit", "0"}, `limit: must be an integer ≥ 1, not "0"`},
		{"bad webhook id", []string{"deliveries", "--webhook", "x"}, `webhook: must be a positive integer id, not "x"`},
		{"misspelt command", []string{"stauts"}, `did you mean "status"?`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errs := hw(t, db, tc.args...)
			if code != 2 || !strings.Contains(errs, tc.want) {
				t.Errorf("exit %d, stderr %q; want 2 and %q", code, errs, tc.want)
			}
		})
	}
}
