//go:build !(linux || freebsd || openbsd || netbsd)

package ui

// trayAvailable reports whether a system tray host is running; Windows and
// macOS always have one.
func trayAvailable() bool { return true }
