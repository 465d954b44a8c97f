package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// loopURLEnv, when set, makes the test binary a client process: it runs the
// raw POST loop against that URL and prints its rate and CPU, then exits
// (see TestMain). BenchmarkMemory uses it for a baseline that pays, as the
// hookwatch binary does, for a client in a process apart from the receiver.
const loopURLEnv = "HOOKWATCH_BENCH_LOOP_URL"

// rawPosts sends n POSTs of payload from workers goroutines through a plain
// net/http client and returns requests/s and this process's CPU µs per
// request.
func rawPosts(url string, payload []byte, n, workers int) (rate, cpuPerReq float64, err error) {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	defer client.CloseIdleConnections()
	var next atomic.Int64
	var wg sync.WaitGroup
	var once sync.Once
	t0, c0 := time.Now(), selfCPU()
	for range workers {
		wg.Go(func() {
			for next.Add(1) <= int64(n) {
				resp, perr := client.Post(url, "application/json", bytes.NewReader(payload))
				if perr != nil {
					once.Do(func() { err = perr })
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		})
	}
	wg.Wait()
	return float64(n) / time.Since(t0).Seconds(), float64((selfCPU() - c0).Microseconds()) / float64(n), err
}

// benchRawPosts is the throughput baseline in this process, which also
// holds the receiver: rawPosts, failing tb on an error.
func benchRawPosts(tb testing.TB, url string, payload []byte, n, workers int) (rate, cpuPerReq float64) {
	rate, cpu, err := rawPosts(url, payload, n, workers)
	if err != nil {
		tb.Fatal(err)
	}
	return rate, cpu
}

// benchRawPostsApart runs the same loop from a second process, this test
// binary started again with loopURLEnv, and returns its requests/s and the
// CPU µs per request of both processes (the client's and this one's, the
// receiver's).
func benchRawPostsApart(tb testing.TB, url string, n, workers int) (rate, cpuPerReq float64) {
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), loopURLEnv+"="+url, "HOOKWATCH_BENCH_LOOP_N="+strconv.Itoa(n), "HOOKWATCH_BENCH_LOOP_WORKERS="+strconv.Itoa(workers))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	self0 := selfCPU()
	out, err := cmd.Output()
	if err != nil {
		tb.Fatalf("loop process: %v\n%s", err, stderr.Bytes())
	}
	receiver := float64((selfCPU() - self0).Microseconds()) / float64(n)
	var client float64
	if _, err := fmt.Sscanf(string(out), "%g %g", &rate, &client); err != nil {
		tb.Fatalf("loop process printed %q: %v", out, err)
	}
	return rate, client + receiver
}

// loopMain is the client process of benchRawPostsApart; it returns the exit
// code.
func loopMain(url string) int {
	n, err1 := strconv.Atoi(os.Getenv("HOOKWATCH_BENCH_LOOP_N"))
	workers, err2 := strconv.Atoi(os.Getenv("HOOKWATCH_BENCH_LOOP_WORKERS"))
	if err1 != nil || err2 != nil {
		fmt.Fprintln(os.Stderr, "loop: HOOKWATCH_BENCH_LOOP_N and HOOKWATCH_BENCH_LOOP_WORKERS must be integers")
		return 2
	}
	rate, cpu, err := rawPosts(url, benchPayload(), n, workers)
	if err != nil {
		fmt.Fprintln(os.Stderr, "loop:", err)
		return 1
	}
	fmt.Printf("%g %g\n", rate, cpu)
	return 0
}
