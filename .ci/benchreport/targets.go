package main

import (
	"fmt"
	"strings"
)

// target is one row of the targets table.
type target struct {
	what     string
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

	// Delivery throughput: ≥ 50% of a raw POST loop's.
	for _, c := range []struct{ bench, what, rate, base string }{
		{"BenchmarkEngineThroughput", "Delivery throughput: engine in process, 20,000 deliveries over 2,000 webhooks (core/deliver)", "deliveries/s", "baseline_req/s"},
		{"BenchmarkMemory", "Delivery throughput: the `hookwatch --headless` binary, 20,000 deliveries over 10,000 webhooks (cmd/hookwatch)", "deliveries/s", "baseline-req/s"},
	} {
		ratio, ok := rn.get(c.bench, "ratio")
		rate, _ := rn.get(c.bench, c.rate)
		base, _ := rn.get(c.bench, c.base)
		t := judge(c.what, ratio*100, ok, "% of baseline", false, 50, "≥ 50 % of baseline",
			fmt.Sprintf("%s req/s, plain net/http POST loop, same payload and 16 workers", num(base)))
		if ok {
			t.measured = fmt.Sprintf("%s deliveries/s = %s %% of baseline", num(rate), num(ratio*100))
		}
		ts = append(ts, t)
	}

	// End-to-end latency: p99 ≤ poll interval + settle delay + 2 s.
	for _, c := range []struct{ sub, what string }{
		{"poll=1s", "End-to-end p99 latency, `--poll-interval 1s`, 100 sites"},
		{"poll=default", "End-to-end p99 latency, default poll interval (10 s), 100 sites"},
	} {
		name := "BenchmarkEndToEndLatency/" + c.sub
		p99, ok := rn.get(name, "p99-ms")
		limit, lok := rn.get(name, "target-ms")
		floor, _ := rn.get(name, "floor-p50-ms")
		goal := "≤ poll interval + settle delay + 2 s"
		if lok {
			goal = fmt.Sprintf("≤ %s ms (%s)", num(limit), strings.TrimPrefix(goal, "≤ "))
		}
		t := judge(c.what, p99, ok && lok, "ms", true, limit, goal,
			fmt.Sprintf("%s ms: p50 of the least any poller with a 10 s settle delay could do for the same events", num(floor)))
		ts = append(ts, t)
	}

	// Poll cost at 1,000 sites.
	poll, ok := rn.get("BenchmarkPollCycle/sites=1000", "ms/poll")
	base, _ := rn.get("BenchmarkPollCycle/sites=1000", "baseline-ms")
	ts = append(ts, judge("Poll cycle, 1,000 sites over 5 M events (core/poll)", poll, ok, "ms", true, 200, "≤ 200 ms",
		fmt.Sprintf("%s ms: ClickHouse's now() plus one grouped visitors query over the same sites", num(base))))
	if v, ok := rn.get("BenchmarkPollCycle/sites=1000/drop-check", "ms/poll"); ok {
		b, _ := rn.get("BenchmarkPollCycle/sites=1000/drop-check", "baseline-ms")
		ts = append(ts, target{what: "Poll cycle with the 12 h drop count, 1,000 sites (runs once a minute, not every poll)",
			measured: num(v) + " ms", baseline: num(b) + " ms", goal: "—", verdict: "informational"})
	}

	// Memory.
	rss, ok := rn.get("BenchmarkMemory", "peak-rss-MB")
	idle, _ := rn.get("BenchmarkMemory", "baseline-rss-MB")
	ts = append(ts, judge("Peak RSS of `hookwatch --headless`, 1,000 sites × 10 webhooks, during the 20,000-delivery run", rss, ok, "MB", true, 100, "≤ 100 MB",
		fmt.Sprintf("%s MB: idle `hookwatch --headless` on an empty database", num(idle))))

	// Start-up.
	st, ok := rn.get("BenchmarkStartup", "startup-ms")
	ver, _ := rn.get("BenchmarkStartup", "baseline-version-ms")
	ts = append(ts, judge("Start-up: exec of `hookwatch --headless` to its first completed poll (median of 5)", st, ok, "ms", true, 500, "≤ 500 ms",
		fmt.Sprintf("%s ms: exec to exit of `hookwatch version`", num(ver))))
	return ts
}
