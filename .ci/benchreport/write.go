package main

import (
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
)

// write writes the report of runs, judged on their medians.
func write(w io.Writer, runs []*run, notes string) {
	rn := median(runs)
	p := func(format string, args ...any) { fmt.Fprintf(w, format+"\n", args...) }
	writeIntro(p, runs)
	writeRuns(p, runs)
	writeFailures(p, rn)
	writeTargets(p, runs, rn)
	if notes != "" {
		p("## What was profiled, fixed and left")
		p("")
		p("%s", notes)
		p("")
	}
	writeLatency(p, rn)
	writePollGrowth(p, rn)
	writeScale(p, rn)
	writeFigures(p, runs, rn)
	writeRaw(p, runs)
}

// writeIntro writes the title, what the report is, and the machine.
func writeIntro(p func(string, ...any), runs []*run) {
	p("# Benchmarks")
	p("")
	if len(runs) == 1 {
		p("Results of one `make bench` run, written by `.ci/benchreport` from the output of `go test -bench`. ")
	} else {
		p("Results of the last %d `make bench` runs, written by `.ci/benchreport` from the output of `go test -bench`; "+
			"each target is shown in every run and judged on the median. ", len(runs))
	}
	p("Each figure stands beside a baseline measured in the same run, on the same machine, so that the " +
		"comparison holds even where the machine's speed does not. The targets are judged here and never " +
		"asserted by tests. Regenerate with `make bench`.")
	p("")
	p("## Machine")
	p("")
	p("| | |")
	p("|---|---|")
	for _, kv := range machine(runs[len(runs)-1]) {
		p("| %s | %s |", kv[0], kv[1])
	}
	p("")
}

// writeFailures lists the benchmarks that failed, if any did.
func writeFailures(p func(string, ...any), rn *run) {
	if len(rn.failures) == 0 {
		return
	}
	p("## Failures")
	p("")
	p("Some benchmarks failed or did not build; their figures are missing below.")
	p("")
	p("```")
	for _, f := range rn.failures {
		p("%s", f)
	}
	p("```")
	p("")
}

// writeFigures writes every figure of the median run, by package.
func writeFigures(p func(string, ...any), runs []*run, rn *run) {
	p("## Every figure")
	p("")
	if len(runs) > 1 {
		p("The median of each figure over the %d runs. ", len(runs))
	}
	p("Grouped by package, in the order they ran; units are the benchmarks' own " +
		"(`-ms` milliseconds, `-MB` mebibytes, `/s` per second, `baseline…` the same-run baseline).")
	p("")
	pkg := ""
	for _, r := range rn.results {
		if r.pkg != pkg {
			pkg = r.pkg
			p("### %s", pkg)
			p("")
		}
		p("**%s**", r.name)
		p("")
		p("| Figure | Value |")
		p("|---|---:|")
		for _, u := range r.units {
			p("| %s | %s |", u, num(r.metrics[u]))
		}
		p("")
	}
	if len(rn.pkgTimes) > 0 {
		p("Package run times: %s.", strings.Join(rn.pkgTimes, "; "))
		p("")
	}
}

// writeRaw writes each run's result lines as go test printed them.
func writeRaw(p func(string, ...any), runs []*run) {
	p("## Raw output")
	p("")
	p("The result lines as `go test` printed them, for `benchstat`.")
	p("")
	for i, r := range runs {
		if len(runs) > 1 {
			p("Run %d:", i+1)
			p("")
		}
		p("```")
		for _, l := range r.raw {
			p("%s", l)
		}
		p("```")
		p("")
	}
}

func writeLatency(p func(string, ...any), rn *run) {
	subs := []string{"poll=1s", "poll=default"}
	if rn.byName["BenchmarkEndToEndLatency/"+subs[0]] == nil && rn.byName["BenchmarkEndToEndLatency/"+subs[1]] == nil {
		return
	}
	p("## End-to-end latency")
	p("")
	p("Goal events inserted into ClickHouse at 100 a second over 100 sites for 30 s; the latency of an event " +
		"is the receipt of the goal.completed delivery that counts it minus the return of its INSERT. " +
		"Goal buckets stay open for the late horizon (2 min, the default), so every poll reports what reached " +
		"ClickHouse since the last one, late events included. The floor (baseline) is, per event, the time from its " +
		"INSERT to the end of the first poll that started after it: the least any poller at this interval could do.")
	p("")
	p("| Poll interval | p50 ms | p95 ms | p99 ms | max ms | floor p50 ms | floor p99 ms (baseline) | target ms | hookwatch poll p50 ms | events |")
	p("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, s := range subs {
		r := rn.byName["BenchmarkEndToEndLatency/"+s]
		if r == nil {
			continue
		}
		label := "1 s"
		if s == "poll=default" {
			label = "10 s (default)"
		}
		m := r.metrics
		p("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |", label, num(m["p50-ms"]), num(m["p95-ms"]), num(m["p99-ms"]), num(m["max-ms"]),
			num(m["floor-p50-ms"]), num(m["floor-p99-ms"]), num(m["target-ms"]), num(m["poll-p50-ms"]), num(m["events"]))
	}
	p("")
}

func writePollGrowth(p func(string, ...any), rn *run) {
	var sites []int
	for _, r := range rn.results {
		if n, ok := strings.CutPrefix(r.name, "BenchmarkPollCycle/sites="); ok {
			if v, err := strconv.Atoi(n); err == nil {
				sites = append(sites, v)
			}
		}
	}
	if len(sites) == 0 {
		return
	}
	sort.Ints(sites)
	p("## Poll cost by site count")
	p("")
	p("One steady-state poll cycle (core/poll, 5 M events over 1,000 sites in ClickHouse; each site has two goals, " +
		"a spike webhook and a drop webhook). The drop-check column adds the 12 h count, which runs once a minute. " +
		"The baseline is ClickHouse's now() plus one grouped visitors query over the same sites, measured beside each poll. " +
		"Per-query times are from storage/clickhouse's BenchmarkPollQueries, where present.")
	p("")
	p("| Sites | ms/poll | × 10 sites | baseline ms | with drop check ms | ClickHouse ms | load ms | commit ms | queries of a poll, ms (storage/clickhouse) |")
	p("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	first, _ := rn.get(fmt.Sprintf("BenchmarkPollCycle/sites=%d", sites[0]), "ms/poll")
	for _, n := range sites {
		name := fmt.Sprintf("BenchmarkPollCycle/sites=%d", n)
		m := rn.byName[name].metrics
		drop := "—"
		if v, ok := rn.get(name+"/drop-check", "ms/poll"); ok {
			drop = num(v)
		}
		q := "—"
		if v, ok := rn.get(fmt.Sprintf("BenchmarkPollQueries/sites=%d", n), "poll-ms"); ok {
			q = num(v)
		}
		growth := "—"
		if first > 0 {
			growth = num(m["ms/poll"]/first) + "×"
		}
		p("| %s | %s | %s | %s | %s | %s | %s | %s | %s |", num(float64(n)), num(m["ms/poll"]), growth, num(m["baseline-ms"]), drop,
			num(m["clickhouse-ms"]), num(m["load-ms"]), num(m["commit-ms"]), q)
	}
	p("")
}
