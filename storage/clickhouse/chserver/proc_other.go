//go:build !unix

package chserver

import (
	"os"
	"syscall"
)

func sysProcAttr() *syscall.SysProcAttr { return nil }

func killGroup(p *os.Process) { _ = p.Kill() }

// alive says yes: without a cheap probe, stale folders are left alone.
func alive(int) bool { return true }
