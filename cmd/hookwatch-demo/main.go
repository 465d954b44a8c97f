// Command hookwatch-demo is `make demo`: a first minute with hookwatch on a
// machine with no Plausible. It starts a private ClickHouse on loopback,
// feeds it synthetic Plausible traffic (goal completions and one spike),
// starts a receiver that prints what it gets, and opens the hookwatch window
// on a demo database pointed at both. Closing the window stops everything
// the demo started.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/hookwatch/hookwatch/storage/clickhouse/chserver"
)

func main() {
	bin := flag.String("hookwatch", "bin/hookwatch", "the hookwatch binary to open")
	headless := flag.Bool("headless", false, "run hookwatch --headless instead of the window (for machines without a display)")
	shots := flag.String("screenshots", "", "have the window capture every screen into `DIR` and quit (make screenshots)")
	shotsAfter := flag.Duration("screenshots-after", 45*time.Second, "how long the demo runs before the screenshots")
	flag.Parse()
	var extra []string
	if *shots != "" {
		extra = []string{"--screenshots", *shots, "--screenshots-after", shotsAfter.String()}
	}
	if err := run(*bin, *headless, extra); err != nil {
		fmt.Fprintln(os.Stderr, "hookwatch-demo:", err)
		os.Exit(1)
	}
}

// run runs the demo; extra are more flags for hookwatch.
func run(bin string, headless bool, extra []string) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	dir, err := os.MkdirTemp("", "hookwatch-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	say("starting a private ClickHouse on loopback…")
	ch, err := chserver.StartServer()
	if err != nil {
		return fmt.Errorf("start ClickHouse (is clickhouse-server installed? `make demo` installs it): %w", err)
	}
	defer ch.Stop()
	const chdb = "plausible_events_db"
	if err := ch.CreateDatabase(chdb); err != nil {
		return err
	}
	if err := ch.CreateEventsTable(chdb); err != nil {
		return err
	}
	if err := seedOtherSites(ch, chdb); err != nil {
		return err
	}

	if err := seedHistory(ch, chdb, time.Now().UTC()); err != nil {
		return err
	}

	rc, err := startReceiver()
	if err != nil {
		return err
	}
	defer rc.Close()
	say("receiver listening on %s; what it gets is printed here", rc.URL)

	db := filepath.Join(dir, "demo.db")
	if err := setUpDatabase(ctx, db, rc); err != nil {
		return err
	}

	gen := &traffic{srv: ch, db: chdb}
	genCtx, stopGen := context.WithCancel(ctx)
	defer stopGen()
	go gen.run(genCtx)

	args := []string{"--db", db, "--clickhouse", ch.DSN(chdb), "--poll-interval", "2s"}
	if headless {
		args = append(args, "--headless")
	}
	args = append(args, extra...)
	say("opening hookwatch (site demo.example, goals Signup and /thanks/*, a webhook with a spike threshold of %d and one relative to normal)", spikeThreshold)
	say("within a minute: goal.completed deliveries, then a traffic.spike from each webhook; see them in the Deliveries tab")
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	cmd.Env = append(os.Environ(), "LANG=en_US.UTF-8")
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s (run `make demo`, which builds it): %w", bin, err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err = <-done:
	case <-ctx.Done():
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case err = <-done:
		case <-time.After(20 * time.Second):
			_ = cmd.Process.Kill()
			err = <-done
		}
	}
	say("hookwatch closed; stopping the demo's ClickHouse and receiver (%d requests received)", rc.count())
	return err
}

func say(format string, args ...any) {
	fmt.Printf("demo: "+format+"\n", args...)
}
