// Command benchreport turns the output of `go test -bench` (stdin) into the
// benchmark report docs/benchmarks.md (stdout): the targets of issue 6, each
// judged met or missed beside its same-run baseline, every figure of the
// run, and the machine it ran on. `make bench` runs it:
//
//	go test -run '^$' -bench . -benchtime 1x ./... | tee bench.out
//	go run ./.ci/benchreport -notes .ci/benchreport/analysis.md < bench.out > docs/benchmarks.md
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
	"os"
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

func main() {
	notes := flag.String("notes", "", "a Markdown `file` of profiling notes on missed targets, included as written")
	flag.Parse()
	rn, err := parse(os.Stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchreport:", err)
		os.Exit(1)
	}
	if len(rn.results) == 0 {
		fmt.Fprintln(os.Stderr, "benchreport: no benchmark results on stdin")
		os.Exit(1)
	}
	w := bufio.NewWriter(os.Stdout)
	defer w.Flush()
	write(w, rn, readFile(*notes))
}
