//go:build !nogui

package main

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver"

	"github.com/hookwatch/hookwatch/ui"
)

// screenshotSettle is how long a screen gets to load and render before it
// is captured: a background refresh and a few frames.
const screenshotSettle = 2 * time.Second

// screens is what a screenshot run needs of the window: ui.UI's screen
// drivers, so that the capture code sees no more of the window than that.
type screens interface {
	ShowScreen(name string)
	Loading() bool
	Window() fyne.Window
	Quit()
}

// startScreenshots, when --screenshots names a folder, captures every
// screen of the running window into it once the delay has passed, writing
// <screen>.png each, and then quits the window. It is for `make
// screenshots`; the caller must run the window and then call the returned
// function for the outcome.
func (c *cli) startScreenshots(u screens, logger *slog.Logger) (func() error, error) {
	dir := c.cfg.Screenshots
	if dir == "" {
		return func() error { return nil }, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	delay := c.cfg.ScreenshotsAfter
	if delay <= 0 {
		delay = 45 * time.Second
	}
	done := make(chan error, 1)
	go func() {
		logger.Info("screenshots: waiting for the window to fill", "delay", delay, "dir", dir)
		time.Sleep(delay)
		err := captureScreens(u, dir, logger)
		done <- err
		u.Quit()
	}()
	return func() error {
		select {
		case err := <-done:
			return err
		default:
			return fmt.Errorf("screenshots: the window closed before they were taken")
		}
	}, nil
}

// captureScreens shows each screen in turn and writes what the window
// shows.
func captureScreens(u screens, dir string, logger *slog.Logger) error {
	for _, name := range ui.Screens {
		fyne.DoAndWait(func() { u.ShowScreen(name) })
		waitLoaded(u)
		time.Sleep(screenshotSettle)
		img, err := capture(u.Window())
		if err != nil {
			return fmt.Errorf("screenshots: %s: %w", name, err)
		}
		path := filepath.Join(dir, name+".png")
		if err := writePNG(path, img); err != nil {
			return err
		}
		logger.Info("screenshot written", "path", path, "size", img.Bounds().Size())
	}
	return nil
}

// waitLoaded waits, up to a minute, for the screen shown to finish
// reading what it draws; a slow machine takes seconds to read history.
func waitLoaded(u screens) {
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		var busy bool
		fyne.DoAndWait(func() { busy = u.Loading() })
		if !busy {
			return
		}
	}
}

// capture returns what win shows. Fyne's Capture reads OpenGL's front
// buffer, which Mesa's software renderer under Xvfb leaves black; then the
// window is read from the X server with ImageMagick's import instead.
func capture(win fyne.Window) (image.Image, error) {
	var img image.Image
	var xid uintptr
	fyne.DoAndWait(func() {
		img = win.Canvas().Capture()
		if nw, ok := win.(driver.NativeWindow); ok {
			nw.RunNative(func(ctx any) {
				if x, ok := ctx.(driver.X11WindowContext); ok {
					xid = x.WindowHandle
				}
			})
		}
	})
	if img != nil && !blank(img) {
		return img, nil
	}
	if xid == 0 {
		return nil, fmt.Errorf("the window gave a blank image and is not an X11 window")
	}
	out, err := exec.Command("import", "-window", fmt.Sprintf("0x%x", xid), "png:-").Output()
	if err != nil {
		return nil, fmt.Errorf("the window gave a blank image, and import -window failed (install imagemagick): %w", err)
	}
	return png.Decode(bytes.NewReader(out))
}

// blank reports whether every pixel of img is the same, as an unrendered
// buffer is.
func blank(img image.Image) bool {
	b := img.Bounds()
	first := img.At(b.Min.X, b.Min.Y)
	for y := b.Min.Y; y < b.Max.Y; y += 7 {
		for x := b.Min.X; x < b.Max.X; x += 7 {
			if img.At(x, y) != first {
				return false
			}
		}
	}
	return true
}

func writePNG(path string, img image.Image) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
