//go:build unix

package main

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// staleHolder reports whether a lease holder named "pid N on HOST" is a
// process of this machine that no longer exists: a crashed engine.
func staleHolder(holder string) bool {
	var pid int
	var host string
	if _, err := fmt.Sscanf(holder, "pid %d on %s", &pid, &host); err != nil || pid <= 0 {
		return false
	}
	if me, _ := os.Hostname(); host != me || pid == os.Getpid() {
		return false
	}
	return errors.Is(syscall.Kill(pid, 0), syscall.ESRCH)
}
