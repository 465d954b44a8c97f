package main

import (
	"fmt"
	"os"
	"runtime"
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

// writeMemProfile writes a heap profile to path, if set, after a garbage
// collection, so that its in-use figures are the live heap of the moment.
func (m *Main) writeMemProfile(path string) error {
	if path == "" {
		return nil
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("writing the heap profile: %w", err)
	}
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	// The runtime's own figures beside it: the profile has only the heap.
	_ = os.WriteFile(path+".stats", fmt.Appendf(nil, "heap_alloc %d\nheap_sys %d\nheap_released %d\nstack_sys %d\nsys %d\nnum_gc %d\n",
		ms.HeapAlloc, ms.HeapSys, ms.HeapReleased, ms.StackSys, ms.Sys, ms.NumGC), 0o644)
	err = pprof.Lookup("heap").WriteTo(f, 0)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("writing the heap profile: %w", err)
	}
	return nil
}
