package ui

import (
	"fmt"
	"image/png"
	"os"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/hookwatch/hookwatch/core"
	"github.com/hookwatch/hookwatch/storage/clickhouse/chtest"
)

func shot(e *env, name string) {
	img := e.ui.Window().Canvas().Capture()
	f, _ := os.Create("/tmp/fr_" + name + ".png")
	png.Encode(f, img)
	f.Close()
}

func TestZZShot(t *testing.T) {
	srv, db := chtest.EventsDB(t)
	now, _ := srv.Query("SELECT toUnixTimestamp(now())")
	var sec int64
	fmt.Sscan(now, &sec)
	srv.InsertEvents(db, firstRunEvents(time.Unix(sec, 0).UTC()))
	e := newEnv(t, withClickHouse)
	e.ui.Window().Resize(fyne.NewSize(1280, 800))
	c := e.ui.first.connect
	c.port.SetText("")
	test.Type(c.port, "1")
	e.tap(c.test)
	shot(e, "connect_err")
	e.svc.Settings.SetSetting(t.Context(), core.SettingClickHouseDSN, srv.DSN(db))
	e.act(func() { e.ui.ShowScreen(ScreenAddSite) })
	shot(e, "addsite")
	test.Type(e.ui.sites.form.picker.search, "shop")
	e.act(func() { e.ui.sites.form.picker.table.Select(tableCell(0)) })
	shot(e, "addsite_picked")
	e.tap(e.ui.sites.form.dlg.confirm)
	e.act(func() { e.ui.ShowScreen(ScreenGoals) })
	e.tap(e.ui.goals.addEv)
	shot(e, "addgoal_ev")
	e.act(func() { e.ui.escape() })
	e.tap(e.ui.goals.addPage)
	shot(e, "addgoal_page")
	e.act(func() { e.ui.escape() })
	e.act(func() { e.ui.ShowScreen(ScreenConnect) })
	shot(e, "connect_forced")
}
