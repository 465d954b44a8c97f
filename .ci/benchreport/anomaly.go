package main

import "fmt"

// anomalyTargets are the rows of the anomaly rules (issue 14): the slot
// refresh beside a plain count of the same history, and the steady poll
// with anomaly rules beside the same poll with fixed thresholds.
func (rn *run) anomalyTargets() []target {
	const bench = "BenchmarkBaselineRefresh"
	var ts []target
	if v, ok := rn.get(bench, "refresh-ms"); ok {
		base, _ := rn.get(bench, "count-4w-ms")
		t := target{what: "Slot refresh of the anomaly baselines, 1,000 sites over 4 weeks (at start and once an hour, not every poll)",
			measured: num(v) + " ms", goal: "—", verdict: "informational",
			baseline: fmt.Sprintf("%s ms: a plain count of the same sites' events over the same 4 weeks", num(base))}
		if b, ok := rn.get("BenchmarkBaselineReads", "scan-ms"); ok {
			t.baseline += fmt.Sprintf("; %s ms: a count of the slot hours' visits it reads (storage/clickhouse)", num(b))
		}
		ts = append(ts, t)
	}
	poll, ok := rn.get(bench, "ms/poll")
	fixed, fok := rn.get(bench, "threshold-ms")
	t := check{what: "Steady poll with a spike and a drop anomaly rule per site, 1,000 sites (core/poll)",
		value: 100 * poll / fixed, ok: ok && fok && fixed > 0, unit: "% of the same poll with thresholds", atMost: true, limit: 125,
		goal:     "≤ 125 % (no slower, within a loaded machine's noise)",
		baseline: fmt.Sprintf("%s ms: the same poll with fixed thresholds, polled in turns with it", num(fixed))}.judge()
	if ok && fok {
		t.measured = fmt.Sprintf("%s ms = %s %% of the threshold poll", num(poll), num(100*poll/fixed))
	}
	return append(ts, t)
}
