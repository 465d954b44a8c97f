package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestCompletion(t *testing.T) {
	t.Run("bash -n accepts the bash script", func(t *testing.T) {
		code, out, errs := runArgs("completion", "bash")
		if code != 0 || !strings.Contains(out, "__complete") {
			t.Fatalf("exit %d, stderr %q, script %d bytes", code, errs, len(out))
		}
		script := filepath.Join(t.TempDir(), "hookwatch.bash")
		if err := os.WriteFile(script, []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
		if msg, err := exec.Command("bash", "-n", script).CombinedOutput(); err != nil {
			t.Errorf("bash -n: %v\n%s", err, msg)
		}
	})
	t.Run("prints a script for zsh, fish and powershell, and refuses another shell", func(t *testing.T) {
		for _, sh := range []string{"zsh", "fish", "powershell"} {
			if code, out, _ := runArgs("completion", sh); code != 0 || !strings.Contains(out, "hookwatch") {
				t.Errorf("%s: exit %d, %d bytes", sh, code, len(out))
			}
		}
		if code, _, errs := runArgs("completion", "tcsh"); code != 2 || !strings.Contains(errs, `unknown subcommand "tcsh"`) {
			t.Errorf("tcsh: exit %d, stderr %q", code, errs)
		}
	})

	db := newDB(t)
	mustHW(t, db, "site", "add", "shop.example", "--site-id", "7")
	mustHW(t, db, "webhook", "add", "shop.example", "https://hooks.example.com/a")
	mustHW(t, db, "goal", "add", "example.com", "--event", "Signup")
	complete := func(args ...string) []string {
		t.Helper()
		out := mustHW(t, db, append([]string{"__complete"}, args...)...)
		var got []string
		for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
			if !strings.HasPrefix(line, ":") {
				got = append(got, line)
			}
		}
		return got
	}
	for _, tc := range []struct {
		name string
		args []string
		want []string
	}{
		{"site domains for DOMAIN", []string{"webhook", "add", ""}, []string{"example.com\tsite_id 1", "shop.example\tsite_id 7"}},
		{"domains by prefix", []string{"goal", "list", "sh"}, []string{"shop.example\tsite_id 7"}},
		{"nothing for URL", []string{"webhook", "add", "shop.example", ""}, nil},
		{"webhook ids for ID", []string{"webhook", "rm", ""}, []string{"1\tshop.example → https://hooks.example.com/a"}},
		{"webhook ids for --webhook", []string{"deliveries", "--webhook", ""}, []string{"1\tshop.example → https://hooks.example.com/a"}},
		{"goal ids", []string{"goal", "rm", ""}, []string{"1\texample.com event \"Signup\""}},
		{"formats", []string{"webhook", "edit", "1", "--format", ""}, []string{"standard", "slack", "discord"}},
	} {
		t.Run("completes "+tc.name, func(t *testing.T) {
			if got := complete(tc.args...); strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
	t.Run("does not create a database that does not exist", func(t *testing.T) {
		missing := filepath.Join(t.TempDir(), "none.db")
		if code, _, errs := hw(t, missing, "__complete", "site", "rm", ""); code != 0 {
			t.Fatalf("exit %d: %s", code, errs)
		}
		if _, err := os.Stat(missing); !os.IsNotExist(err) {
			t.Errorf("completion created %s", missing)
		}
	})
}
