package core_test

import (
	"strings"
	"testing"

	"github.com/hookwatch/hookwatch/core"
)

func TestParseSecret(t *testing.T) {
	for _, tc := range []struct {
		name, secret, wantErr string
		wantLen               int
	}{
		{"accepts the spec's example secret", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "", 24},
		{"accepts a generated secret", core.GenerateSecret(), "", 32},
		{"refuses a missing prefix", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "must start with whsec_", 0},
		{"refuses bad base64", "whsec_!!!", "valid standard base64", 0},
		{"refuses a short key", "whsec_YWJjZA==", "24–64 bytes, not 4", 0},
		{"refuses a long key", "whsec_" + strings.Repeat("QUFB", 22), "24–64 bytes, not 66", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			key, err := core.ParseSecret(tc.secret)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || core.ErrorField(err) != "secret" {
					t.Fatalf("err %v, want field secret and %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || len(key) != tc.wantLen {
				t.Fatalf("key of %d bytes, err %v; want %d bytes", len(key), err, tc.wantLen)
			}
		})
	}
	t.Run("generates a different secret each time", func(t *testing.T) {
		if a, b := core.GenerateSecret(), core.GenerateSecret(); a == b {
			t.Error("two generated secrets are equal")
		}
	})
}

func FuzzParseSecret(f *testing.F) {
	f.Add("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	f.Add("whsec_")
	f.Add("whsec_====")
	f.Fuzz(func(t *testing.T, s string) {
		key, err := core.ParseSecret(s)
		if err == nil && (len(key) < 24 || len(key) > 64) {
			t.Fatalf("accepted a %d-byte key", len(key))
		}
		if err != nil && core.ErrorCode(err) != core.EINVALID {
			t.Fatalf("error %v is not EINVALID", err)
		}
	})
}
