package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hookwatch/hookwatch/internal/testutil"
	"github.com/hookwatch/hookwatch/storage/clickhouse/chtest"
)

// hwBin is the hookwatch binary the end-to-end tests run as a user would:
// the pure-Go headless build. `make test` builds it once and passes it in
// HOOKWATCH_BIN; a plain `go test` builds it here.
var hwBin string

func TestMain(m *testing.M) {
	if url := os.Getenv(loopURLEnv); url != "" {
		os.Exit(loopMain(url))
	}
	os.Exit(func() int {
		hwBin = os.Getenv("HOOKWATCH_BIN")
		if hwBin == "" {
			dir, err := os.MkdirTemp("", "hookwatch-bin")
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
				return 1
			}
			defer os.RemoveAll(dir)
			hwBin = filepath.Join(dir, "hookwatch")
			cmd := exec.Command("go", "build", "-tags", "nogui", "-o", hwBin, ".")
			cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
			if out, err := cmd.CombinedOutput(); err != nil {
				fmt.Fprintf(os.Stderr, "building hookwatch: %v\n%s", err, out)
				return 1
			}
		}
		return chtest.Run(m)
	}())
}

// bin runs the hookwatch binary to completion.
func bin(t *testing.T, db string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	cmd := exec.Command(hwBin, append([]string{"--db", db}, args...)...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode(), out.String(), errb.String()
	} else if err != nil {
		t.Fatal(err)
	}
	return 0, out.String(), errb.String()
}

func mustBin(t *testing.T, db string, args ...string) string {
	t.Helper()
	code, out, errs := bin(t, db, args...)
	if code != 0 {
		t.Fatalf("hookwatch %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errs)
	}
	return out
}

// proc is a hookwatch process a test or benchmark started.
type proc struct {
	tb   testing.TB
	cmd  *exec.Cmd
	done chan struct{} // closed once the process has exited and been reaped
}

// stop sends SIGTERM and waits; it returns the exit code.
func (p *proc) stop() int {
	if p.running() {
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(30 * time.Second):
			_ = p.cmd.Process.Kill()
			<-p.done
			p.tb.Error("hookwatch did not stop within 30 s of SIGTERM")
		}
	}
	return p.cmd.ProcessState.ExitCode()
}

// kill ends the process with SIGKILL, as a crash would.
func (p *proc) kill() {
	_ = p.cmd.Process.Kill()
	<-p.done
}

func (p *proc) running() bool {
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

// engine is a `hookwatch --headless` process with its log in memory.
type engine struct {
	proc
	logs *syncBuffer
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startEngine starts hookwatch --headless and stops it (SIGTERM) when the
// test ends, if it is still running.
func startEngine(t *testing.T, db string, args ...string) *engine {
	t.Helper()
	full := append([]string{"--db", db, "--headless", "--log-format", "json"}, args...)
	e := &engine{proc: proc{tb: t, cmd: exec.Command(hwBin, full...), done: make(chan struct{})}, logs: &syncBuffer{}}
	e.cmd.Stdout, e.cmd.Stderr = e.logs, e.logs
	if err := e.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = e.cmd.Wait(); close(e.done) }()
	t.Cleanup(func() {
		e.stop()
		if t.Failed() {
			t.Logf("hookwatch log:\n%s", e.logs.String())
		}
	})
	return e
}

// eventually is the module's one wait on a condition, under the name these
// tests have always called it by.
var eventually = testutil.Eventually

// statusJSON reads `hookwatch status --json`.
func statusJSON(t *testing.T, db string) statusView {
	t.Helper()
	var v statusView
	if err := json.Unmarshal([]byte(mustBin(t, db, "status", "--json")), &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// logLines returns the engine's JSON log records whose msg is msg.
func (e *engine) logLines(msg string) []map[string]any {
	var out []map[string]any
	sc := bufio.NewScanner(strings.NewReader(e.logs.String()))
	for sc.Scan() {
		var rec map[string]any
		if json.Unmarshal(sc.Bytes(), &rec) == nil && rec["msg"] == msg {
			out = append(out, rec)
		}
	}
	return out
}

var _ = context.Background
