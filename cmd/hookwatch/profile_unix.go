//go:build unix

package main

import (
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

// watchMemProfile writes a heap profile to Config.MemProfile + ".N" at
// every SIGUSR1 while the process runs, N counting from 1, so that a
// benchmark can see the heap at the moments it chooses (before a drain,
// during it) as well as at the stop.
func (m *Main) watchMemProfile() {
	if m.Config.MemProfile == "" {
		return
	}
	c := make(chan os.Signal, 1)
	signal.Notify(c, syscall.SIGUSR1)
	go func() {
		for n := 1; ; n++ {
			<-c
			if err := m.writeMemProfile(fmt.Sprintf("%s.%d", m.Config.MemProfile, n)); err != nil {
				m.Logger.Error("cannot write the heap profile", "error", err)
			} else {
				m.Logger.Info("wrote a heap profile", "n", n)
			}
		}
	}()
}
