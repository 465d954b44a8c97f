// Package testutil holds the helpers that the module's tests share. It
// imports testing, so only _test.go files may import it: a binary that
// linked it would carry the test framework (internal/shape checks that no
// command does).
package testutil
