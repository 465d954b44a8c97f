package main

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// readRuns reads one run from each file in paths, in order, or one from
// stdin if there are none.
func readRuns(paths []string) ([]*run, error) {
	if len(paths) == 0 {
		rn, err := parse(os.Stdin)
		if err != nil {
			return nil, err
		}
		if len(rn.results) == 0 {
			return nil, fmt.Errorf("no benchmark results on stdin")
		}
		rn.source = "stdin"
		return []*run{rn}, nil
	}
	var runs []*run
	for _, path := range paths {
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		rn, err := parse(f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if len(rn.results) == 0 {
			return nil, fmt.Errorf("%s: no benchmark results", path)
		}
		rn.source = filepath.Base(path)
		runs = append(runs, rn)
	}
	return runs, nil
}

// median returns a run whose every figure is the median of that figure in
// the runs that have it, in the order of the last run; its failures are
// every run's, and the rest is the last run's.
func median(runs []*run) *run {
	last := runs[len(runs)-1]
	if len(runs) == 1 {
		return last
	}
	med := &run{byName: map[string]*result{}, env: last.env, envKeys: last.envKeys, pkgTimes: last.pkgTimes, cpu: last.cpu, raw: last.raw}
	for i, rn := range runs {
		for _, f := range rn.failures {
			med.failures = append(med.failures, fmt.Sprintf("run %d: %s", i+1, f))
		}
	}
	var order []*result
	seen := map[string]bool{}
	for i := len(runs) - 1; i >= 0; i-- {
		for _, r := range runs[i].results {
			if !seen[r.name] {
				seen[r.name] = true
				order = append(order, r)
			}
		}
	}
	for _, r := range order {
		m := &result{pkg: r.pkg, name: r.name, metrics: map[string]float64{}, units: r.units}
		for _, u := range r.units {
			var vs []float64
			for _, rn := range runs {
				if v, ok := rn.get(r.name, u); ok {
					vs = append(vs, v)
				}
			}
			sort.Float64s(vs)
			if n := len(vs); n%2 == 1 {
				m.metrics[u] = vs[n/2]
			} else {
				m.metrics[u] = (vs[n/2-1] + vs[n/2]) / 2
			}
		}
		med.results = append(med.results, m)
		med.byName[m.name] = m
	}
	return med
}

// writeRuns lists the runs with the load average at the start of each.
func writeRuns(p func(string, ...any), runs []*run) {
	if len(runs) == 1 {
		return
	}
	p("## Runs")
	p("")
	p("Consecutive `make bench` runs on this machine. The load average is the machine's as each run began " +
		"(2 CPUs, shared with other work: above 2, every figure is slowed, its baseline included).")
	p("")
	p("| Run | File | Started | Load average at start (1, 5, 15 min) | Benchmarks failed |")
	p("|---:|---|---|---|---:|")
	for i, rn := range runs {
		p("| %d | `%s` | %s | %s | %d |", i+1, rn.source, orDash(rn.env["started"]), orDash(rn.env["loadavg_start"]), len(rn.failures))
	}
	p("")
}

// writeTargets writes the targets table: each run's figure, the median,
// and the verdict on the median.
func writeTargets(p func(string, ...any), runs []*run, med *run) {
	p("## Targets")
	p("")
	ts := med.targets()
	if len(runs) == 1 {
		p("| What | Measured | Same-run baseline | Target | Verdict |")
		p("|---|---|---|---|---|")
		for _, t := range ts {
			p("| %s | %s | %s | %s | %s |", t.what, t.measured, t.baseline, t.goal, t.verdict)
		}
		p("")
		return
	}
	per := make([][]target, len(runs))
	for i, rn := range runs {
		per[i] = rn.targets()
	}
	head := "| What |"
	rule := "|---|"
	for i := range runs {
		head += fmt.Sprintf(" Run %d |", i+1)
		rule += "---|"
	}
	p("%s Median | Same-run baseline (median) | Target | Verdict on the median |", head)
	p("%s---|---|---|---|", rule)
	for j, t := range ts {
		row := "| " + t.what + " |"
		for i := range runs {
			v := "—"
			if j < len(per[i]) && per[i][j].what == t.what {
				v = orDash(per[i][j].value)
			}
			row += " " + v + " |"
		}
		p("%s %s | %s | %s | %s |", row, t.measured, t.baseline, t.goal, t.verdict)
	}
	p("")
}

// writeScale sets BenchmarkScale's sizes side by side, with the factor by
// which each figure grows from the smallest: the size grows tenfold, so a
// factor above 10 is a cost growing faster than linearly.
func writeScale(p func(string, ...any), rn *run) {
	var sizes []string
	for _, r := range rn.results {
		if n, ok := strings.CutPrefix(r.name, "BenchmarkScale/sites="); ok {
			sizes = append(sizes, n)
		}
	}
	if len(sizes) < 2 {
		return
	}
	p("## Scale")
	p("")
	p("`hookwatch --headless` at each size, the same shape throughout: per site an event goal, ten webhooks " +
		"and 2,000 events over 24 h in ClickHouse (cmd/hookwatch BenchmarkScale). Start-up is exec to the first " +
		"completed poll, which runs the 12 h drop count; the poll is the median steady poll after 20 s of live traffic; " +
		"the drain is one delivery per webhook, enqueued in one transaction. The last column is how much each figure " +
		"grows while the size grows tenfold: up to 10× is linear or better.")
	p("")
	head, rule := "| Figure |", "|---|"
	for _, s := range sizes {
		head += " " + num(atof(s)) + " sites |"
		rule += "---:|"
	}
	p("%s growth |", head)
	p("%s---:|", rule)
	for _, f := range []struct{ unit, label string }{
		{"webhooks", "webhooks"},
		{"events", "events in ClickHouse"},
		{"startup-ms", "start-up, ms"},
		{"poll-ms", "steady poll, ms"},
		{"poll-load-ms", "… of it loading sites, goals, webhooks and state from SQLite, ms"},
		{"poll-clickhouse-ms", "… of it ClickHouse queries, ms"},
		{"poll-commit-ms", "… of it the commit, ms"},
		{"idle-rss-MB", "peak RSS before the drain, MB"},
		{"peak-rss-MB", "peak RSS to the end of the drain, MB"},
		{"deliveries/s", "drain, deliveries/s"},
	} {
		row := "| " + f.label + " |"
		var first, lastV float64
		for i, s := range sizes {
			v, ok := rn.get("BenchmarkScale/sites="+s, f.unit)
			if !ok {
				row += " — |"
				continue
			}
			if i == 0 {
				first = v
			}
			lastV = v
			row += " " + num(v) + " |"
		}
		growth := "—"
		if first > 0 {
			growth = num(lastV/first) + "×"
		}
		p("%s %s |", row, growth)
	}
	p("")
}

func atof(s string) float64 {
	var v float64
	fmt.Sscan(s, &v)
	return v
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}
