package main

import (
	"bufio"
	"io"
	"regexp"
	"strconv"
	"strings"
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
		res.addPollRatio()
		rn.results = append(rn.results, res)
		rn.byName[res.name] = res
		rn.raw = append(rn.raw, line)
	}
	return rn, sc.Err()
}

// pollRatio is the unit of a poll benchmark's ms/poll over its baseline-ms,
// worked out per run: the median of a ratio over runs must be of same-run
// ratios, since the median poll and the median baseline may come from
// different runs, and only figures of the same run compare.
const pollRatio = "x-baseline"

// addPollRatio adds r's pollRatio when r has a poll and its baseline.
func (r *result) addPollRatio() {
	poll, ok := r.metrics["ms/poll"]
	base, bok := r.metrics["baseline-ms"]
	if ok && bok && base > 0 {
		r.metrics[pollRatio] = poll / base
		r.units = append(r.units, pollRatio)
	}
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
