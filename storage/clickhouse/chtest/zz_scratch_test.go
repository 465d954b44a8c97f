package chtest_test

import (
	"os"
	"testing"
	"time"

	"github.com/hookwatch/hookwatch/storage/clickhouse/chtest"
)

func TestZZScratch(t *testing.T) {
	if os.Getenv("SCRATCH") == "" {
		t.Skip()
	}
	srv := chtest.Start(t)
	os.WriteFile("/tmp/chscratch", []byte(srv.HTTPAddr()+" "+srv.TCPAddr()), 0o644)
	time.Sleep(40 * time.Minute)
}
