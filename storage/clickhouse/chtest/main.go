package chtest

import (
	"os"
	"testing"
)

// Main is a TestMain body: it runs the tests, stops the shared instance
// and exits with the tests' code.
func Main(m *testing.M) {
	os.Exit(Run(m))
}
