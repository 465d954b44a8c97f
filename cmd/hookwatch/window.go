//go:build !nogui

package main

import (
	"context"
	"os"
	"runtime"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"

	"github.com/hookwatch/hookwatch/assets"
	"github.com/hookwatch/hookwatch/core"
	"github.com/hookwatch/hookwatch/storage/sqlite"
	"github.com/hookwatch/hookwatch/ui"
)

// appID is the desktop application id; FyneApp.toml carries the same.
const appID = "io.github.hookwatch"

// runWindow opens the window with the engine running in the same process.
// If another engine already holds the database, the window still opens to
// edit it, and says that the other engine does the watching.
func (c *cli) runWindow(ctx context.Context) error {
	if err := displayAvailable(); err != nil {
		return err
	}
	m, err := c.open(ctx)
	if err != nil {
		return err
	}
	engineNote := ""
	if err := m.Run(ctx); err != nil {
		if core.ErrorCode(err) != core.ECONFLICT {
			return err
		}
		engineNote = core.ErrorMessage(err)
		m.Logger.Warn("window opens without its own engine", "reason", engineNote)
	} else {
		m.Logger.Info("hookwatch started", m.Startup(ctx)...)
	}
	hist, err := m.HistoryReader(ctx)
	if err != nil {
		// The window still opens, to fix the DSN in its settings.
		m.Logger.Warn("the window shows no history", "err", err)
	}
	a := app.NewWithID(appID)
	// The packaged app gets its icon from FyneApp.toml; `go build` and
	// `make run` binaries need it set here for the window and the tray.
	a.SetIcon(fyne.NewStaticResource("hookwatch.png", assets.Icon))
	ch := m.ClickHouseService()
	u := ui.New(a, ui.Services{
		Sites:           m.Sites,
		Goals:           m.Goals,
		Webhooks:        m.Webhooks,
		Deliveries:      m.Deliveries,
		Triggers:        m.Triggers,
		Baselines:       m.Baselines,
		Settings:        settingsNotifier{m.Settings, m.applySettings},
		SendTest:        m.Engine.SendTest,
		TestConnection:  ch.TestClickHouse,
		ClickHouse:      ch,
		History:         hist,
		Alerts:          sqlite.NewTriggerStore(m.DB),
		Wake:            m.Engine.Notify,
		Version:         version,
		DBPath:          m.Config.DBPath,
		EngineNote:      engineNote,
		ClickHouseInUse: m.ClickHouseSource(ctx),
	})
	go func() {
		// A signal or a failed background part closes the window as Quit would.
		select {
		case <-ctx.Done():
		case err := <-m.Errors():
			m.Logger.Error("engine stopped", "err", err)
		}
		u.Quit()
	}()
	shots, err := c.startScreenshots(u, m.Logger)
	if err != nil {
		return err
	}
	u.ShowAndRun(func() {})
	return shots()
}

// displayAvailable says, instead of letting the toolkit panic, when a
// Linux or BSD session has no display to open the window on: the usual
// case on a server, where --headless is what the user wants.
func displayAvailable() error {
	switch runtime.GOOS {
	case "darwin", "windows", "android", "ios":
		return nil
	}
	if os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" {
		return exitError{code: exitUsage, msg: "no display to open the window on (DISPLAY and WAYLAND_DISPLAY are unset); run `hookwatch --headless` to watch without a window"}
	}
	return nil
}

// settingsNotifier is the SettingsService the window saves through: the
// window's own commits are invisible to watchOthers, which sees other
// processes' only, so each save applies the settings itself.
type settingsNotifier struct {
	core.SettingsService
	changed func(ctx context.Context)
}

func (s settingsNotifier) SetSetting(ctx context.Context, key, value string) error {
	err := s.SettingsService.SetSetting(ctx, key, value)
	if err == nil {
		s.changed(ctx)
	}
	return err
}
