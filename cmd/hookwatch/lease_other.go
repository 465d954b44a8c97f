//go:build !unix

package main

// staleHolder cannot tell a dead process here; a crashed engine's lease
// lapses after its time-to-live instead.
func staleHolder(string) bool { return false }
