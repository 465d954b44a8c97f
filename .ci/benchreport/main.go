// Command benchreport turns the output of `go test -bench` into the
// benchmark report docs/benchmarks.md (stdout): the targets of issues 6 and
// 16, each judged met or missed beside its same-run baseline, every figure,
// and the machine it ran on. Given the files of several runs (the last
// three of `make bench`, kept in docs/bench-runs), it shows each target in
// every run and judges the median; with no file it reads one run from
// stdin. `make bench` runs it:
//
//	go test -run '^$' -bench . -benchtime 1x ./... | tee bench.out
//	go run ./.ci/benchreport -notes .ci/benchreport/analysis.md docs/bench-runs/*.out > docs/benchmarks.md
//
// Lines "bench-env: key=value" anywhere in the input (benchmarks log them;
// the Makefile echoes the load average at the start) are facts about the
// run. It uses the standard library only, and never fails on a figure it
// does not find: a missing figure is reported as not measured.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"
)

// result is one benchmark's line of output.
type result struct {
	pkg     string
	name    string // without the -GOMAXPROCS suffix
	metrics map[string]float64
	units   []string // in output order
}

// run is everything read from the input.
type run struct {
	results  []*result
	byName   map[string]*result
	env      map[string]string
	envKeys  []string
	failures []string
	pkgTimes []string
	cpu      string
	raw      []string
	source   string // the file it was read from
}

var (
	resultRE = regexp.MustCompile(`^(Benchmark\S+?)(-\d+)?\s+(\d+)\s+(.*)$`)
	envRE    = regexp.MustCompile(`bench-env: (\S+)=([^=]*)$`) // the key may hold "=" (sub-benchmark names)
)

func parse(r io.Reader) (*run, error) {
	rn := &run{byName: map[string]*result{}, env: map[string]string{}}
	pkg := ""
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	for sc.Scan() {
		line := sc.Text()
		trimmed := strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(line, "pkg: "):
			pkg = strings.TrimPrefix(line, "pkg: ")
			rn.raw = append(rn.raw, line)
		case strings.HasPrefix(line, "cpu: "):
			rn.cpu = strings.TrimPrefix(line, "cpu: ")
		case strings.HasPrefix(line, "ok  \t") || strings.HasPrefix(line, "FAIL\t"):
			rn.pkgTimes = append(rn.pkgTimes, strings.Join(strings.Fields(line), " "))
			if strings.HasPrefix(line, "FAIL") {
				rn.failures = append(rn.failures, line)
			}
		case strings.HasPrefix(trimmed, "--- FAIL") || strings.HasPrefix(trimmed, "panic:") ||
			strings.Contains(line, "[build failed]") || strings.Contains(line, "[setup failed]"):
			rn.failures = append(rn.failures, trimmed)
		}
		if m := envRE.FindStringSubmatch(line); m != nil {
			if _, ok := rn.env[m[1]]; !ok {
				rn.envKeys = append(rn.envKeys, m[1])
			}
			rn.env[m[1]] = strings.TrimSpace(m[2])
			continue
		}
		m := resultRE.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		res := &result{pkg: pkg, name: m[1], metrics: map[string]float64{}}
		f := strings.Fields(m[4])
		for i := 0; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				break
			}
			if f[i+1] == "ns/op" && v == 0 {
				continue // a benchmark's way of saying its time is elsewhere
			}
			res.metrics[f[i+1]] = v
			res.units = append(res.units, f[i+1])
		}
		rn.results = append(rn.results, res)
		rn.byName[res.name] = res
		rn.raw = append(rn.raw, line)
	}
	return rn, sc.Err()
}

// get returns a figure, if the run has it.
func (rn *run) get(bench, unit string) (float64, bool) {
	r := rn.byName[bench]
	if r == nil {
		return 0, false
	}
	v, ok := r.metrics[unit]
	return v, ok
}

// target is one row of the targets table.
type target struct {
	what     string
	value    string // the judged figure alone, for the per-run columns
	measured string
	baseline string
	goal     string
	verdict  string // met, MISSED, not measured, or informational
}

// judge builds a row: value must be ≤ limit (atMost) or ≥ limit.
func judge(what string, value float64, ok bool, unit string, atMost bool, limit float64, goal, baseline string) target {
	t := target{what: what, goal: goal, baseline: baseline}
	if !ok {
		t.measured, t.baseline, t.verdict = "—", "—", "not measured"
		return t
	}
	t.measured = num(value) + " " + unit
	t.value = t.measured
	met := value >= limit
	if atMost {
		met = value <= limit
	}
	t.verdict = "met"
	if !met {
		t.verdict = "**MISSED**"
	}
	return t
}

func (rn *run) targets() []target {
	var ts []target

	// Delivery throughput: ≥ 50% of a raw POST loop's in process, ≥ 45%
	// for the binary (issue 16).
	for _, c := range []struct {
		bench, what, rate, base, goal string
		limit                         float64
	}{
		{"BenchmarkEngineThroughput", "Delivery throughput: engine in process, 20,000 deliveries over 2,000 webhooks (core/deliver)", "deliveries/s", "baseline_req/s", "≥ 50 % of baseline", 50},
		{"BenchmarkMemory", "Delivery throughput: the `hookwatch --headless` binary, 20,000 deliveries over 10,000 webhooks (cmd/hookwatch)", "deliveries/s", "baseline-req/s", "≥ 45 % of baseline (50 % the stretch)", 45},
	} {
		ratio, ok := rn.get(c.bench, "ratio")
		rate, _ := rn.get(c.bench, c.rate)
		base, _ := rn.get(c.bench, c.base)
		t := judge(c.what, ratio*100, ok, "% of baseline", false, c.limit, c.goal,
			fmt.Sprintf("%s req/s, plain net/http POST loop, same payload and 16 workers", num(base)))
		if ok {
			t.measured = fmt.Sprintf("%s deliveries/s = %s %% of baseline", num(rate), num(ratio*100))
		}
		ts = append(ts, t)
	}

	// End-to-end latency: p99 ≤ 2,500 ms at a 1 s poll, ≤ poll interval +
	// 1.5 s at the default.
	for _, c := range []struct{ sub, what string }{
		{"poll=1s", "End-to-end p99 latency, `--poll-interval 1s`, 100 sites"},
		{"poll=default", "End-to-end p99 latency, default poll interval (10 s), 100 sites"},
	} {
		name := "BenchmarkEndToEndLatency/" + c.sub
		p99, ok := rn.get(name, "p99-ms")
		limit, lok := rn.get(name, "target-ms")
		floor, _ := rn.get(name, "floor-p99-ms")
		goal := "≤ poll interval + 1.5 s"
		if c.sub == "poll=1s" {
			goal = "≤ 2,500 ms"
		}
		if lok {
			goal = fmt.Sprintf("≤ %s ms", num(limit))
		}
		t := judge(c.what, p99, ok && lok, "ms", true, limit, goal,
			fmt.Sprintf("%s ms: p99 of the floor, each event's INSERT to the end of the first poll that started after it", num(floor)))
		ts = append(ts, t)
	}

	// Poll cost at 1,000 sites: at most 2.4 times one grouped visitors
	// query of the same run (2 times is the stretch goal).
	poll, ok := rn.get("BenchmarkPollCycle/sites=1000", "ms/poll")
	base, bok := rn.get("BenchmarkPollCycle/sites=1000", "baseline-ms")
	t := judge("Poll cycle, 1,000 sites over 5 M events, recounting the late horizon's goal buckets (core/poll)", poll/base, ok && bok && base > 0,
		"× baseline", true, 2.4, "≤ 2.4 × baseline (stretch 2 ×)",
		fmt.Sprintf("%s ms: ClickHouse's now() plus one grouped visitors query over the same sites", num(base)))
	if ok && bok && base > 0 {
		t.measured = fmt.Sprintf("%s ms = %s × baseline", num(poll), num(poll/base))
	}
	ts = append(ts, t)
	if v, ok := rn.get("BenchmarkPollCycle/sites=1000/drop-check", "ms/poll"); ok {
		b, _ := rn.get("BenchmarkPollCycle/sites=1000/drop-check", "baseline-ms")
		ts = append(ts, target{what: "Poll cycle with the 12 h drop count, 1,000 sites (runs once a minute, not every poll)",
			value: num(v) + " ms", measured: num(v) + " ms", baseline: num(b) + " ms", goal: "—", verdict: "informational"})
	}

	// Memory.
	rss, ok := rn.get("BenchmarkMemory", "peak-rss-MB")
	idle, _ := rn.get("BenchmarkMemory", "baseline-rss-MB")
	ts = append(ts, judge("Peak RSS of `hookwatch --headless`, 1,000 sites × 10 webhooks, during the 20,000-delivery run", rss, ok, "MB", true, 100, "≤ 100 MB",
		fmt.Sprintf("%s MB: idle `hookwatch --headless` on an empty database", num(idle))))

	// Memory at 10,000 sites (issue 16), beside the 1,000-site case.
	rss, ok = rn.get("BenchmarkScale/sites=10000", "peak-rss-MB")
	small, _ := rn.get("BenchmarkScale/sites=1000", "peak-rss-MB")
	ts = append(ts, judge("Peak RSS of `hookwatch --headless`, 10,000 sites × 10 webhooks over 20 M events, while 100,000 deliveries drain", rss, ok, "MB", true, 250, "≤ 250 MB",
		fmt.Sprintf("%s MB: the same at 1,000 sites (see Scale)", num(small))))

	// Start-up.
	st, ok := rn.get("BenchmarkStartup", "startup-ms")
	ver, _ := rn.get("BenchmarkStartup", "baseline-version-ms")
	ts = append(ts, judge("Start-up: exec of `hookwatch --headless` to its first completed poll (median of 5)", st, ok, "ms", true, 500, "≤ 500 ms",
		fmt.Sprintf("%s ms: exec to exit of `hookwatch version`", num(ver))))

	// History and backtests.
	if v, ok := rn.get("BenchmarkHistory", "read-5m-28d-ms"); ok {
		b, _ := rn.get("BenchmarkHistory", "baseline-count-ms")
		ts = append(ts, target{what: "History read: one site's 28 days of 5-minute buckets over 5 M events on 1,000 sites (storage/clickhouse)",
			measured: num(v) + " ms", baseline: num(b) + " ms: a plain count of the site's events over the same range", goal: "—", verdict: "informational"})
	}
	rp, ok := rn.get("BenchmarkReplay", "replay-ms")
	loop, _ := rn.get("BenchmarkReplay", "baseline-loop-ms")
	ts = append(ts, judge("Backtest of one rule over 8,064 five-minute buckets (core/backtest)", rp, ok, "ms", true, 50, "≤ 50 ms",
		fmt.Sprintf("%s ms: a plain loop deciding the same rule on the same values", num(loop))))
	return ts
}

func main() {
	notes := flag.String("notes", "", "a Markdown `file` of profiling notes on missed targets, included as written")
	flag.Parse()
	runs, err := readRuns(flag.Args())
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchreport:", err)
		os.Exit(1)
	}
	w := bufio.NewWriter(os.Stdout)
	defer w.Flush()
	write(w, runs, readFile(*notes))
}

// write writes the report of runs, judged on their medians.
func write(w io.Writer, runs []*run, notes string) {
	rn := median(runs)
	p := func(format string, args ...any) { fmt.Fprintf(w, format+"\n", args...) }
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
	writeRuns(p, runs)
	if len(rn.failures) > 0 {
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

// machine describes where the run happened.
func machine(rn *run) [][2]string {
	var out [][2]string
	add := func(k, v string) {
		if v == "" {
			v = "unknown"
		}
		out = append(out, [2]string{k, v})
	}
	add("CPUs (nproc)", strconv.Itoa(runtime.NumCPU()))
	model := field("/proc/cpuinfo", "model name")
	if model == "" {
		model = rn.cpu
	}
	add("CPU", model)
	if kb := field("/proc/meminfo", "MemTotal"); kb != "" {
		if v, err := strconv.ParseFloat(strings.Fields(kb)[0], 64); err == nil {
			add("Memory", fmt.Sprintf("%.1f GiB", v/(1<<20)))
		}
	}
	add("Kernel", strings.TrimSpace(readFile("/proc/sys/kernel/ostype")+" "+readFile("/proc/sys/kernel/osrelease")))
	add("Go", runtime.Version()+" "+runtime.GOOS+"/"+runtime.GOARCH)
	add("ClickHouse", rn.env["clickhouse_version"])
	add("SQLite durability", sqliteSettings())
	var loads []string
	for _, k := range rn.envKeys {
		if name, ok := strings.CutPrefix(k, "loadavg_"); ok {
			loads = append(loads, fmt.Sprintf("%s: %s", name, rn.env[k]))
		}
	}
	if l := strings.Fields(readFile("/proc/loadavg")); len(l) >= 3 {
		loads = append(loads, "end: "+strings.Join(l[:3], " "))
	}
	add("Load average (1, 5, 15 min)", strings.Join(loads, "; ")+
		" — the machine was shared with other work; a load above the CPU count slows every figure, baselines included")
	for _, k := range rn.envKeys {
		switch {
		case k == "started":
			add("Run started", rn.env[k])
		case !strings.HasPrefix(k, "loadavg_") && k != "clickhouse_version":
			add(k, rn.env[k])
		}
	}
	add("Report written", time.Now().UTC().Format("2006-01-02 15:04 MST"))
	return out
}

// sqliteSettings reads the durability settings from the store's source, so
// that the report says what the figures hold for.
func sqliteSettings() string {
	src := readFile("storage/sqlite/db.go")
	var parts []string
	if m := regexp.MustCompile(`journal_mode\((\w+)\)`).FindStringSubmatch(src); m != nil {
		parts = append(parts, "journal_mode="+m[1])
	}
	if m := regexp.MustCompile(`synchronous\((\w+)\)`).FindStringSubmatch(src); m != nil {
		s := "synchronous=" + m[1]
		if strings.EqualFold(m[1], "NORMAL") {
			s += " (a commit survives a crash of the process, not necessarily a power cut)"
		}
		parts = append(parts, s)
	}
	if len(parts) == 0 {
		return ""
	}
	return "modernc.org/sqlite, " + strings.Join(parts, ", ")
}

func readFile(path string) string {
	if path == "" {
		return ""
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// field returns the value of the first "key : value" line of a /proc file.
func field(path, key string) string {
	for _, line := range strings.Split(readFile(path), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if ok && strings.TrimSpace(k) == key {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// num formats a figure for reading: thousands separated, three significant
// digits below 100.
func num(v float64) string {
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		return fmt.Sprint(v)
	case math.Abs(v) >= 100:
		s := strconv.FormatInt(int64(math.Round(v)), 10)
		neg := strings.HasPrefix(s, "-")
		s = strings.TrimPrefix(s, "-")
		for i := len(s) - 3; i > 0; i -= 3 {
			s = s[:i] + "," + s[i:]
		}
		if neg {
			s = "-" + s
		}
		return s
	case v == math.Trunc(v):
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'g', 3, 64)
}
