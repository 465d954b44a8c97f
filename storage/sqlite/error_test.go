package sqlite_test

import (
	"context"
	"errors"
	"testing"

	"github.com/hookwatch/hookwatch/core"
	"github.com/hookwatch/hookwatch/storage/sqlite"
)

// TestCancelledCallSaysSo: a call whose context is gone fails with an
// internal core.Error through which errors.Is still finds
// context.Canceled, so that a shutdown is not reported as a fault.
func TestCancelledCallSaysSo(t *testing.T) {
	db, _ := mustOpen(t)
	settings := sqlite.NewSettingsService(db)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := settings.SetSetting(ctx, "poll_interval", "5m")
	if err == nil {
		t.Fatal("SetSetting on a cancelled context: no error")
	}
	var ce *core.Error
	if !errors.As(err, &ce) || ce.Code != core.EINTERNAL {
		t.Errorf("err = %#v, want an EINTERNAL *core.Error", err)
	}
	if !errors.Is(err, context.Canceled) {
		t.Errorf("errors.Is(%q, context.Canceled) = false, want true", err)
	}
	if _, set, err := settings.Setting(context.Background(), "poll_interval"); err != nil || set {
		t.Errorf("after the cancelled write: set=%v err=%v, want nothing saved", set, err)
	}
}
