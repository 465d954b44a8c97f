package ui

import (
	"image/png"
	"os"
	"testing"

	"fyne.io/fyne/v2"
)

func TestZZShot(t *testing.T) {
	e := newEnv(t, withClickHouse)
	e.ui.Window().Resize(fyne.NewSize(1280, 800))
	e.tap(e.ui.first.connect.help)
	img := e.ui.Window().Canvas().Capture()
	f, _ := os.Create("/tmp/fr_help.png")
	png.Encode(f, img)
	f.Close()
	e.act(func() { e.ui.escape() })
	img = e.ui.Window().Canvas().Capture()
	f, _ = os.Create("/tmp/fr_connect.png")
	png.Encode(f, img)
	f.Close()
}
