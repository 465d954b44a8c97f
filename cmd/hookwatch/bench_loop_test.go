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

	"github.com/hookwatch/hookwatch/core"
)

// loopURLEnv, when set, makes the test binary a client process: it runs the
// raw POST loop against that URL and prints its rate and CPU, then exits
// (see TestMain). BenchmarkMemory uses it for a baseline that pays, as the
// hookwatch binary does, for a client in a process apart from the receiver.
const loopURLEnv = "HOOKWATCH_BENCH_LOOP_URL"

// rawPosts sends n POSTs of payload from workers goroutines through a plain
// net/http client and returns requests/s and this process's CPU µs per
// request. With signed, each request has the shape of hookwatch's: a path
// of its own, and the Standard Webhooks headers with a fresh webhook-id and
// a signature made per request, so that the receiver does for it what it
// does for hookwatch's.
func rawPosts(url string, payload []byte, n, workers int, signed bool) (rate, cpuPerReq float64, err error) {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	defer client.CloseIdleConnections()
	var next atomic.Int64
	var wg sync.WaitGroup
	var once sync.Once
	t0, c0 := time.Now(), selfCPU()
	for range workers {
		wg.Go(func() {
			for i := next.Add(1); i <= int64(n); i = next.Add(1) {
				if perr := postOne(client, url, payload, i, signed); perr != nil {
					once.Do(func() { err = perr })
					return
				}
			}
		})
	}
	wg.Wait()
	return float64(n) / time.Since(t0).Seconds(), float64((selfCPU() - c0).Microseconds()) / float64(n), err
}

// loopSecret signs the requests of a signed loop.
var loopSecret = []byte("bench-loop-secret-of-32-bytes...")

// postOne sends request i of a loop (see rawPosts) and reads its answer.
func postOne(client *http.Client, url string, payload []byte, i int64, signed bool) error {
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(payload))
	if err != nil {
		return err
	}
	req.Header["Content-Type"] = []string{"application/json"}
	if signed {
		req.URL.Path = "/loop/signed"
		id, ts := "msg_loop_"+strconv.FormatInt(i, 10), time.Now().Unix()
		req.Header["User-Agent"] = []string{"hookwatch/bench-loop"}
		req.Header["Webhook-Id"] = []string{id}
		req.Header["Webhook-Timestamp"] = []string{strconv.FormatInt(ts, 10)}
		req.Header["Webhook-Signature"] = []string{core.Sign(id, ts, payload, loopSecret)}
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return nil
}

// benchRawPosts is the throughput baseline in this process, which also
// holds the receiver: rawPosts, failing tb on an error.
func benchRawPosts(tb testing.TB, url string, payload []byte, n, workers int) (rate, cpuPerReq float64) {
	rate, cpu, err := rawPosts(url, payload, n, workers, false)
	if err != nil {
		tb.Fatal(err)
	}
	return rate, cpu
}

// loopApart is what benchRawPostsApart measured: the loop's requests/s,
// and the CPU µs per request of its process (client) and of this one
// (receiver).
type loopApart struct{ rate, client, receiver float64 }

// benchRawPostsApart runs the same loop (signed: of requests shaped as
// hookwatch's, see rawPosts) from a second process, this test binary started
// again with loopURLEnv.
func benchRawPostsApart(tb testing.TB, url string, n, workers int, signed bool) loopApart {
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), loopURLEnv+"="+url, "HOOKWATCH_BENCH_LOOP_N="+strconv.Itoa(n),
		"HOOKWATCH_BENCH_LOOP_WORKERS="+strconv.Itoa(workers), "HOOKWATCH_BENCH_LOOP_SIGNED="+strconv.FormatBool(signed))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	self0 := selfCPU()
	out, err := cmd.Output()
	if err != nil {
		tb.Fatalf("loop process: %v\n%s", err, stderr.Bytes())
	}
	m := loopApart{receiver: float64((selfCPU() - self0).Microseconds()) / float64(n)}
	if _, err := fmt.Sscanf(string(out), "%g %g", &m.rate, &m.client); err != nil {
		tb.Fatalf("loop process printed %q: %v", out, err)
	}
	return m
}

// loopMain is the client process of benchRawPostsApart; it returns the exit
// code.
func loopMain(url string) int {
	n, err1 := strconv.Atoi(os.Getenv("HOOKWATCH_BENCH_LOOP_N"))
	workers, err2 := strconv.Atoi(os.Getenv("HOOKWATCH_BENCH_LOOP_WORKERS"))
	signed, err3 := strconv.ParseBool(os.Getenv("HOOKWATCH_BENCH_LOOP_SIGNED"))
	if err1 != nil || err2 != nil || err3 != nil {
		fmt.Fprintln(os.Stderr, "loop: HOOKWATCH_BENCH_LOOP_N and HOOKWATCH_BENCH_LOOP_WORKERS must be integers, HOOKWATCH_BENCH_LOOP_SIGNED a boolean")
		return 2
	}
	rate, cpu, err := rawPosts(url, benchPayload(), n, workers, signed)
	if err != nil {
		fmt.Fprintln(os.Stderr, "loop:", err)
		return 1
	}
	fmt.Printf("%g %g\n", rate, cpu)
	return 0
}
