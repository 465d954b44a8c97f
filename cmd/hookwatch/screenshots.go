//go:build !nogui

package main

import (
	"fmt"
	"image"
	"image/png"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"fyne.io/fyne/v2"

	"github.com/hookwatch/hookwatch/ui"
)

// screenshotSettle is how long a screen gets to load and render before it
// is captured: a background refresh and a few frames.
const screenshotSettle = 2 * time.Second

// startScreenshots, when --screenshots names a folder, captures every
// screen of the running window into it once the delay has passed, writing
// <screen>.png each, and then quits the window. It is for `make
// screenshots`; the caller must run the window and then call the returned
// function for the outcome.
func (c *cli) startScreenshots(u *ui.UI, logger *slog.Logger) (func() error, error) {
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
func captureScreens(u *ui.UI, dir string, logger *slog.Logger) error {
	for _, name := range ui.Screens {
		fyne.DoAndWait(func() { u.ShowScreen(name) })
		time.Sleep(screenshotSettle)
		var img image.Image
		fyne.DoAndWait(func() { img = u.Window().Canvas().Capture() })
		if img == nil {
			return fmt.Errorf("screenshots: the window gave no image of %s", name)
		}
		path := filepath.Join(dir, name+".png")
		if err := writePNG(path, img); err != nil {
			return err
		}
		logger.Info("screenshot written", "path", path, "size", img.Bounds().Size())
	}
	return nil
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
