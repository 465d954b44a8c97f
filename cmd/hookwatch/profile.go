package main

import (
	"fmt"
	"os"
	"runtime/pprof"
)

// startCPUProfile starts writing a CPU profile to Config.CPUProfile (the
// hidden --cpuprofile flag), if set; stopCPUProfile, which Close calls,
// finishes it. A profile that cannot start is logged, not fatal: it is a
// diagnostic, and the engine runs the same without it.
func (m *Main) startCPUProfile() {
	if m.Config.CPUProfile == "" || m.profile != nil {
		return
	}
	f, err := os.Create(m.Config.CPUProfile)
	if err == nil {
		if err = pprof.StartCPUProfile(f); err != nil {
			f.Close()
		}
	}
	if err != nil {
		m.Logger.Error("cannot write the CPU profile", "path", m.Config.CPUProfile, "error", err)
		return
	}
	m.profile = f
}

// stopCPUProfile finishes the profile startCPUProfile began, if any.
func (m *Main) stopCPUProfile() error {
	if m.profile == nil {
		return nil
	}
	pprof.StopCPUProfile()
	err := m.profile.Close()
	m.profile = nil
	if err != nil {
		return fmt.Errorf("writing the CPU profile: %w", err)
	}
	return nil
}
