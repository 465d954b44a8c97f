//go:build !unix

package main

// watchMemProfile does nothing here: there is no SIGUSR1. The profile at
// the stop is still written.
func (m *Main) watchMemProfile() {}
