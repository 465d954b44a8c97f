//go:build unix && !linux

package chserver

import (
	"os"
	"syscall"
)

// sysProcAttr puts the server in its own process group, so that Stop can
// kill it with any children. Without Pdeathsig outside Linux, a test
// binary that dies without Stop leaves the server running.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}

func killGroup(p *os.Process) {
	_ = syscall.Kill(-p.Pid, syscall.SIGKILL)
	_ = p.Kill()
}

// alive reports whether process pid exists.
func alive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || err == syscall.EPERM
}
