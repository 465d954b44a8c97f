package shape

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// linksTesting runs `go list -deps` over pkgs with the given build tags
// and returns, per package, whether the package `testing` is among its
// dependencies.
func linksTesting(t *testing.T, tags string, pkgs ...string) map[string]bool {
	t.Helper()
	args := []string{"list", "-tags", tags, "-f", `{{.ImportPath}} {{join .Deps " "}}`}
	cmd := exec.Command("go", append(args, pkgs...)...)
	cmd.Dir = "../.."
	out, err := cmd.Output()
	if err != nil {
		msg := ""
		if ee, ok := err.(*exec.ExitError); ok {
			msg = string(ee.Stderr)
		}
		t.Fatalf("go %s: %v\n%s", strings.Join(cmd.Args[1:], " "), err, msg)
	}
	got := map[string]bool{}
	for line := range strings.Lines(string(out)) {
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		got[fields[0]] = slices.Contains(fields[1:], "testing")
	}
	return got
}

// TestNoCommandLinksTesting: test helpers (chtest, httptest receivers)
// must never end up in a shipped binary, in either build.
func TestNoCommandLinksTesting(t *testing.T) {
	for _, tags := range []string{"", "nogui"} {
		cmds := linksTesting(t, tags, "./cmd/...")
		if len(cmds) == 0 {
			t.Fatalf("tags %q: go list found no commands under ./cmd", tags)
		}
		for pkg, links := range cmds {
			if links {
				t.Errorf("tags %q: %s links the package testing; move what it needs out of the test helper", tags, pkg)
			}
		}
	}
}

// TestLinksTestingDetects keeps the check above honest: the test helper
// chtest does import testing, and the check must say so.
func TestLinksTestingDetects(t *testing.T) {
	const helper = "github.com/hookwatch/hookwatch/storage/clickhouse/chtest"
	const runner = "github.com/hookwatch/hookwatch/storage/clickhouse/chserver"
	got := linksTesting(t, "", helper, runner)
	if !got[helper] {
		t.Errorf("%s: want testing among its deps, go list says no", helper)
	}
	if got[runner] {
		t.Errorf("%s links testing; binaries import it", runner)
	}
}
