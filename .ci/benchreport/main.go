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
	"math"
	"os"
	"strconv"
	"strings"
)

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
