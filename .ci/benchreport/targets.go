package main

import "fmt"

// target is one row of the targets table.
type target struct {
	what     string
	value    string // the judged figure alone, for the per-run columns
	measured string
	baseline string
	goal     string
	verdict  string // met, MISSED, not measured, or informational
}

// check is one target before it is judged: value, in unit, must be
// ≤ limit (atMost) or ≥ limit; ok says whether the run measured it.
type check struct {
	what     string
	value    float64
	ok       bool
	unit     string
	atMost   bool
	limit    float64
	goal     string
	baseline string
}

// judge builds the check's row of the targets table.
func (c check) judge() target {
	t := target{what: c.what, goal: c.goal, baseline: c.baseline}
	if !c.ok {
		t.measured, t.baseline, t.verdict = "—", "—", "not measured"
		return t
	}
	t.measured = num(c.value) + " " + c.unit
	t.value = t.measured
	met := c.value >= c.limit
	if c.atMost {
		met = c.value <= c.limit
	}
	t.verdict = "met"
	if !met {
		t.verdict = "**MISSED**"
	}
	return t
}

// targets are the rows of the targets table, in the report's order.
func (rn *run) targets() []target {
	var ts []target
	ts = append(ts, rn.throughputTargets()...)
	ts = append(ts, rn.latencyTargets()...)
	ts = append(ts, rn.pollTargets()...)
	ts = append(ts, rn.anomalyTargets()...)
	ts = append(ts, rn.memoryTargets()...)
	ts = append(ts, rn.startupTarget())
	return append(ts, rn.historyTargets()...)
}

// throughputTargets: delivery throughput ≥ 50% of a raw POST loop's in
// process, ≥ 45% for the binary (issue 16).
func (rn *run) throughputTargets() []target {
	var ts []target
	for _, c := range []struct {
		bench, what, rate, base, goal string
		limit                         float64
	}{
		{"BenchmarkEngineThroughput", "Delivery throughput: engine in process, 20,000 deliveries over 2,000 webhooks (core/deliver)", "deliveries/s", "baseline_req/s", "≥ 50 % of baseline", 50},
		{"BenchmarkMemory", "Delivery throughput: the `hookwatch --headless` binary, 20,000 deliveries over 10,000 webhooks, median of three drains, each beside the loops before and after it (cmd/hookwatch)", "deliveries/s", "baseline-req/s", "≥ 45 % of baseline (50 % the stretch)", 45},
	} {
		ratio, ok := rn.get(c.bench, "ratio")
		rate, _ := rn.get(c.bench, c.rate)
		base, _ := rn.get(c.bench, c.base)
		t := check{what: c.what, value: ratio * 100, ok: ok, unit: "% of baseline", limit: c.limit, goal: c.goal,
			baseline: fmt.Sprintf("%s req/s, plain net/http POST loop, same payload and 16 workers", num(base))}.judge()
		if ok {
			t.measured = fmt.Sprintf("%s deliveries/s = %s %% of baseline", num(rate), num(ratio*100))
		}
		ts = append(ts, t)
	}
	if r, ok := rn.get("BenchmarkMemory", "apart-ratio"); ok {
		base, _ := rn.get("BenchmarkMemory", "apart-baseline-req/s")
		hw, _ := rn.get("BenchmarkMemory", "hookwatch-cpu-us/delivery")
		rc, _ := rn.get("BenchmarkMemory", "receiver-cpu-us/delivery")
		v := fmt.Sprintf("%s %% of the loop apart; CPU per delivery: hookwatch %s µs, receiver %s µs", num(r*100), num(hw), num(rc))
		if lr, ok := rn.get("BenchmarkMemory", "apart-receiver-cpu-us/req"); ok {
			sr, _ := rn.get("BenchmarkMemory", "apart-signed-receiver-cpu-us/req")
			sc, _ := rn.get("BenchmarkMemory", "apart-signed-client-cpu-us/req")
			v += fmt.Sprintf("; the receiver's CPU per request from the loop apart %s µs, and %s µs when the loop's requests have hookwatch's shape (signed, with its headers; the loop's own CPU then %s µs)",
				num(lr), num(sr), num(sc))
		}
		ts = append(ts, target{what: "The same binary run beside a loop in a process of its own, as hookwatch is (cmd/hookwatch)",
			value: v, measured: v, baseline: num(base) + " req/s, the same loop from a second process", goal: "—", verdict: "informational"})
	}
	if r, ok := rn.get("BenchmarkMemory", "first-drain-ratio"); ok {
		v := num(r*100) + " % of baseline"
		ts = append(ts, target{what: "The same binary's first drain alone, right after its start (cmd/hookwatch)",
			value: v, measured: v, baseline: "the loops before and after that drain", goal: "—", verdict: "informational"})
	}
	return ts
}

// latencyTargets: end-to-end p99 ≤ 2,500 ms at a 1 s poll, ≤ poll
// interval + 1.5 s at the default.
func (rn *run) latencyTargets() []target {
	var ts []target
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
		ts = append(ts, check{what: c.what, value: p99, ok: ok && lok, unit: "ms", atMost: true, limit: limit, goal: goal,
			baseline: fmt.Sprintf("%s ms: p99 of the floor, each event's INSERT to the end of the first poll that started after it", num(floor))}.judge())
	}
	return ts
}

// pollTargets: the poll at 1,000 sites costs at most 2.4 times one grouped
// visitors query of the same run (2 times is the stretch goal); the drop
// check beside it is informational.
func (rn *run) pollTargets() []target {
	poll, _ := rn.get("BenchmarkPollCycle/sites=1000", "ms/poll")
	base, _ := rn.get("BenchmarkPollCycle/sites=1000", "baseline-ms")
	ratio, ok := rn.get("BenchmarkPollCycle/sites=1000", pollRatio)
	t := check{what: "Poll cycle, 1,000 sites over 5 M events, recounting the late horizon's goal buckets (core/poll); the ratio is the median of the runs' own",
		value: ratio, ok: ok, unit: "× baseline", atMost: true, limit: 2.4, goal: "≤ 2.4 × baseline (stretch 2 ×), as measured on 2026-11-23 over the schema before Plausible CE's",
		baseline: fmt.Sprintf("%s ms: ClickHouse's now() plus one grouped visitors query over the same sites", num(base))}.judge()
	if ok {
		t.measured = fmt.Sprintf("%s × baseline (median poll %s ms)", num(ratio), num(poll))
	}
	ts := []target{t, rn.pollBeforeTarget(ratio, ok)}
	if f, ok := rn.get("BenchmarkPollCycle/sites=1000", "pathname-floor-ms"); ok && f > 0 {
		v := fmt.Sprintf("%s × the pathname floor", num(poll/f))
		ts = append(ts, target{what: "The same poll beside the least read of the `pathname` column its page goal needs",
			value: v, measured: v, baseline: num(f) + " ms: ClickHouse's now() plus the grouped top-pages query over the same sites and window", goal: "—", verdict: "informational"})
	}
	if v, ok := rn.get("BenchmarkPollCycle/sites=1000/live-parts", "ms/poll"); ok {
		b, _ := rn.get("BenchmarkPollCycle/sites=1000/live-parts", "baseline-ms")
		m := num(v) + " ms"
		if r, ok := rn.get("BenchmarkPollCycle/sites=1000/live-parts", pollRatio); ok {
			m += fmt.Sprintf(" = %s × its baseline", num(r))
		}
		ts = append(ts, target{what: "The same poll over a live server's layout: the history merged, the last 15 minutes in parts of their own",
			value: m, measured: m, baseline: num(b) + " ms: the same baseline over that layout", goal: "—", verdict: "informational"})
	}
	if v, ok := rn.get("BenchmarkPollCycle/sites=1000/drop-check", "ms/poll"); ok {
		b, _ := rn.get("BenchmarkPollCycle/sites=1000/drop-check", "baseline-ms")
		ts = append(ts, target{what: "Poll cycle with the 12 h drop count, 1,000 sites (runs once a minute, not every poll)",
			value: num(v) + " ms", measured: num(v) + " ms", baseline: num(b) + " ms", goal: "—", verdict: "informational"})
	}
	return ts
}

// pollBeforeTarget: today's poll ratio must not grow past that of the
// poller before revisable buckets (issue 12), run by .ci/pollbefore over
// the same data in the same make bench.
func (rn *run) pollBeforeTarget(ratio float64, ok bool) target {
	const bench = "BenchmarkPollCycleBeforeBuckets/sites=1000"
	before, bok := rn.get(bench, pollRatio)
	bp, _ := rn.get(bench, "ms/poll")
	bb, _ := rn.get(bench, "baseline-ms")
	t := check{what: "The same poll beside the poller before revisable buckets (commit a43cadc, .ci/pollbefore), over the same data in the same run",
		value: ratio, ok: ok && bok, unit: "× baseline", atMost: true, limit: before,
		goal:     fmt.Sprintf("≤ that poller's ratio, %s ×", num(before)),
		baseline: fmt.Sprintf("that poller's poll over its baseline (medians %s and %s ms)", num(bp), num(bb))}.judge()
	if !ok || !bok {
		t.goal = "≤ that poller's ratio"
		return t
	}
	t.value = fmt.Sprintf("%s × against %s ×", num(ratio), num(before))
	t.measured = t.value
	return t
}

// memoryTargets: peak RSS at 1,000 sites, and at 10,000 (issue 16) beside
// the 1,000-site case.
func (rn *run) memoryTargets() []target {
	rss, ok := rn.get("BenchmarkMemory", "peak-rss-MB")
	idle, _ := rn.get("BenchmarkMemory", "baseline-rss-MB")
	big, bok := rn.get("BenchmarkScale/sites=10000", "peak-rss-MB")
	small, _ := rn.get("BenchmarkScale/sites=1000", "peak-rss-MB")
	return []target{
		check{what: "Peak RSS of `hookwatch --headless`, 1,000 sites × 10 webhooks, during three drains of 20,000 deliveries",
			value: rss, ok: ok, unit: "MB", atMost: true, limit: 100, goal: "≤ 100 MB",
			baseline: fmt.Sprintf("%s MB: idle `hookwatch --headless` on an empty database", num(idle))}.judge(),
		check{what: "Peak RSS of `hookwatch --headless`, 10,000 sites × 10 webhooks over 20 M events, while 100,000 deliveries drain",
			value: big, ok: bok, unit: "MB", atMost: true, limit: 250, goal: "≤ 250 MB",
			baseline: fmt.Sprintf("%s MB: the same at 1,000 sites (see Scale)", num(small))}.judge(),
	}
}

// startupTarget: exec to the first completed poll.
func (rn *run) startupTarget() target {
	st, ok := rn.get("BenchmarkStartup", "startup-ms")
	ver, _ := rn.get("BenchmarkStartup", "baseline-version-ms")
	return check{what: "Start-up: exec of `hookwatch --headless` to its first completed poll (median of 5)",
		value: st, ok: ok, unit: "ms", atMost: true, limit: 500, goal: "≤ 500 ms",
		baseline: fmt.Sprintf("%s ms: exec to exit of `hookwatch version`", num(ver))}.judge()
}

// historyTargets: the history read (informational) and one rule's backtest.
func (rn *run) historyTargets() []target {
	var ts []target
	if v, ok := rn.get("BenchmarkHistory", "read-5m-28d-ms"); ok {
		b, _ := rn.get("BenchmarkHistory", "baseline-count-ms")
		ts = append(ts, target{what: "History read: one site's 28 days of 5-minute buckets over 5 M events on 1,000 sites (storage/clickhouse)",
			measured: num(v) + " ms", baseline: num(b) + " ms: a plain count of the site's events over the same range", goal: "—", verdict: "informational"})
	}
	rp, ok := rn.get("BenchmarkReplay", "replay-ms")
	loop, _ := rn.get("BenchmarkReplay", "baseline-loop-ms")
	return append(ts, check{what: "Backtest of one rule over 8,064 five-minute buckets (core/backtest)",
		value: rp, ok: ok, unit: "ms", atMost: true, limit: 50, goal: "≤ 50 ms",
		baseline: fmt.Sprintf("%s ms: a plain loop deciding the same rule on the same values", num(loop))}.judge())
}
