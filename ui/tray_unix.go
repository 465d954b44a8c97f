//go:build linux || freebsd || openbsd || netbsd

package ui

import (
	"github.com/godbus/dbus/v5"
)

// trayAvailable reports whether a system tray host is running. On these
// systems the tray is a D-Bus StatusNotifier item: without a watcher on the
// session bus the icon never appears, and a window hidden to it could not
// be brought back.
func trayAvailable() bool {
	conn, err := dbus.ConnectSessionBus()
	if err != nil {
		return false
	}
	defer conn.Close()
	var has bool
	err = conn.BusObject().Call("org.freedesktop.DBus.NameHasOwner", 0, "org.kde.StatusNotifierWatcher").Store(&has)
	return err == nil && has
}
