package core_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strconv"
	"strings"
	"testing"

	"github.com/hookwatch/hookwatch/core"
)

// verifyStandard checks a webhook-signature header the way a receiver
// following the Standard Webhooks spec does, written from the spec rather
// than from core.Sign: any space-separated "v1,<base64>" entry whose
// decoded value equals HMAC-SHA256(key, "id.timestamp.body") passes;
// entries of other versions or with bad base64 are skipped.
func verifyStandard(key []byte, msgID string, timestamp int64, body []byte, header string) bool {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(msgID + "." + strconv.FormatInt(timestamp, 10) + "."))
	mac.Write(body)
	want := mac.Sum(nil)
	for _, entry := range strings.Fields(header) {
		version, sig, ok := strings.Cut(entry, ",")
		if !ok || version != "v1" {
			continue
		}
		if got, err := base64.StdEncoding.DecodeString(sig); err == nil && hmac.Equal(got, want) {
			return true
		}
	}
	return false
}

// fuzzKey turns fuzz bytes into a key a secret can hold (24 to 64 bytes),
// through the secret's own text form, as a webhook stores it.
func fuzzKey(t *testing.T, seed []byte) []byte {
	t.Helper()
	k := bytes.Repeat(append([]byte{0x5a}, seed...), 64)[:24+len(seed)%41]
	key, err := core.ParseSecret(core.SecretPrefix + base64.StdEncoding.EncodeToString(k))
	if err != nil || !bytes.Equal(key, k) {
		t.Fatalf("ParseSecret of a %d-byte key: %v", len(k), err)
	}
	return key
}

// FuzzSignVerify: whatever the id, timestamp, body and key, a receiver
// holding the key accepts what Sign produced, also beside a rotated-out key's
// signature, and rejects it under another key of the same length or for a
// body, id or timestamp changed in any way.
func FuzzSignVerify(f *testing.F) {
	f.Add("msg_p5jXN8AQM9LWM0D4loKWxJek", int64(1614265330), []byte(`{"test": 2432232314}`), []byte("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"), uint(0))
	f.Add("", int64(0), []byte{}, []byte{}, uint(7))
	f.Add("msg_ü.with.dots", int64(-1), []byte("a.b.c\x00\xff"), []byte{0, 0, 0}, uint(1<<20))
	f.Add("msg_x", int64(9223372036854775807), bytes.Repeat([]byte("x"), 5000), []byte("\xff"), uint(63))
	f.Fuzz(func(t *testing.T, msgID string, ts int64, body, keySeed []byte, pick uint) {
		key := fuzzKey(t, keySeed)
		sig := core.Sign(msgID, ts, body, key)
		if !verifyStandard(key, msgID, ts, body, sig) {
			t.Fatalf("the signing key rejects its own signature %q", sig)
		}
		// Rotation: a receiver with either key accepts the two-key header.
		old := fuzzKey(t, append([]byte("old"), keySeed...))
		if both := core.Sign(msgID, ts, body, old, key); !verifyStandard(key, msgID, ts, body, both) || !verifyStandard(old, msgID, ts, body, both) {
			t.Fatalf("a two-key signature %q fails one of its keys", both)
		}

		// Another key of the same length (HMAC treats keys that differ
		// only by trailing zero bytes, or a long key and its hash, as one).
		other := bytes.Clone(key)
		other[pick%uint(len(other))] ^= byte(1 + pick%255)
		if verifyStandard(other, msgID, ts, body, sig) {
			t.Fatalf("another key accepts the signature %q", sig)
		}
		// A changed body: one byte altered, or one appended.
		changed := append(bytes.Clone(body), 'x')
		if len(body) > 0 {
			changed = bytes.Clone(body)
			changed[pick%uint(len(body))] ^= byte(1 + pick%255)
		}
		if verifyStandard(key, msgID, ts, changed, sig) {
			t.Fatalf("a changed body %q verifies under the signature of %q", changed, body)
		}
		if verifyStandard(key, msgID+"x", ts, body, sig) {
			t.Fatal("a changed webhook-id verifies")
		}
		if verifyStandard(key, msgID, ts+1, body, sig) {
			t.Fatal("a changed timestamp verifies")
		}
		// The header is what the spec says: "v1," and standard base64 of
		// a 32-byte MAC, nothing else.
		v, b64, _ := strings.Cut(sig, ",")
		if raw, err := base64.StdEncoding.DecodeString(b64); v != "v1" || err != nil || len(raw) != sha256.Size {
			t.Fatalf("signature %q is not v1,<base64 of 32 bytes>", sig)
		}
	})
}
