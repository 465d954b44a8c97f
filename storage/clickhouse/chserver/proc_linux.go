package chserver

import (
	"os"
	"syscall"
)

// sysProcAttr puts the server in its own process group, so that Stop can
// kill it with any children, and asks the kernel to SIGKILL it when the
// test binary dies. Pdeathsig follows the thread that forked, which the Go
// runtime keeps alive for the process's life unless it was locked.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
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
