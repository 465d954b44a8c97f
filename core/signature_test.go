package core_test

import (
	"testing"

	"github.com/hookwatch/hookwatch/core"
)

// The Standard Webhooks spec publishes one signed example; a signer that
// disagrees with it cannot be verified by any conforming receiver.
func TestSign(t *testing.T) {
	const (
		secret    = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
		msgID     = "msg_p5jXN8AQM9LWM0D4loKWxJek"
		timestamp = 1614265330
		payload   = `{"test": 2432232314}`
		want      = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
	)
	key, err := core.ParseSecret(secret)
	if err != nil {
		t.Fatal(err)
	}
	other, err := core.ParseSecret(core.GenerateSecret())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		keys [][]byte
		want string
	}{
		{"matches the spec's test vector", [][]byte{key}, want},
		{"lists each key's signature space-separated", [][]byte{key, key}, want + " " + want},
		{"differs with another key", [][]byte{other}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := core.Sign(msgID, timestamp, []byte(payload), tt.keys...)
			if tt.want == "" {
				if got == want || len(got) != len(want) {
					t.Fatalf("Sign with another key = %q; want a different v1 signature", got)
				}
				return
			}
			if got != tt.want {
				t.Fatalf("Sign = %q; want %q", got, tt.want)
			}
		})
	}
}
