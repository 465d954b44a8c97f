package core_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/hookwatch/hookwatch/core"
)

func TestErrorUnwrap(t *testing.T) {
	tests := []struct {
		name       string
		err        error
		wantCancel bool
		wantCode   string
		wantMsg    string
	}{
		{
			name:       "Errorf with %w keeps the cause",
			err:        core.Errorf(core.EINTERNAL, "database: begin: %w", context.Canceled),
			wantCancel: true, wantCode: core.EINTERNAL, wantMsg: "database: begin: context canceled",
		},
		{
			name:       "a cause wrapped again outside the *Error",
			err:        fmt.Errorf("poll: %w", core.Errorf(core.EINTERNAL, "read: %w", fmt.Errorf("scan: %w", context.Canceled))),
			wantCancel: true, wantCode: core.EINTERNAL, wantMsg: "read: scan: context canceled",
		},
		{
			name:       "FieldErrorf with %w",
			err:        core.FieldErrorf("url", "cannot reach it: %w", context.Canceled),
			wantCancel: true, wantCode: core.EINVALID, wantMsg: "url: cannot reach it: context canceled",
		},
		{
			name:       "Err set in a literal",
			err:        &core.Error{Code: core.ECONFLICT, Message: "busy", Err: context.Canceled},
			wantCancel: true, wantCode: core.ECONFLICT, wantMsg: "busy",
		},
		{
			name:       "%v formats the cause but does not wrap it",
			err:        core.Errorf(core.EINTERNAL, "database: %v", context.Canceled),
			wantCancel: false, wantCode: core.EINTERNAL, wantMsg: "database: context canceled",
		},
		{
			name:       "no cause",
			err:        core.FieldErrorf("name", "must not be empty"),
			wantCancel: false, wantCode: core.EINVALID, wantMsg: "name: must not be empty",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := errors.Is(tt.err, context.Canceled); got != tt.wantCancel {
				t.Errorf("errors.Is(%q, context.Canceled) = %v, want %v", tt.err, got, tt.wantCancel)
			}
			if got := core.ErrorCode(tt.err); got != tt.wantCode {
				t.Errorf("ErrorCode = %q, want %q", got, tt.wantCode)
			}
			if got := core.ErrorMessage(tt.err); got != tt.wantMsg {
				t.Errorf("ErrorMessage = %q, want %q", got, tt.wantMsg)
			}
		})
	}
}
