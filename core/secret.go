package core

import (
	"crypto/rand"
	"encoding/base64"
	"strings"
	"time"
)

// SecretPrefix marks a Standard Webhooks signing secret.
const SecretPrefix = "whsec_"

// RotationOverlap is how long the old secret keeps signing after a
// rotation (WebhookService.RotateSecret), so that receivers can switch
// without dropping a delivery.
const RotationOverlap = 24 * time.Hour

// GenerateSecret returns a new secret: SecretPrefix and the base64 of 32
// random bytes.
func GenerateSecret() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic("hookwatch: no randomness for a secret: " + err.Error())
	}
	return SecretPrefix + base64.StdEncoding.EncodeToString(b)
}

// ParseSecret returns the key bytes of a secret written as SecretPrefix and
// standard base64 of 24 to 64 bytes.
func ParseSecret(s string) ([]byte, error) {
	if !strings.HasPrefix(s, SecretPrefix) {
		return nil, FieldErrorf("secret", "must start with %s followed by base64", SecretPrefix)
	}
	b, err := base64.StdEncoding.DecodeString(s[len(SecretPrefix):])
	if err != nil {
		return nil, FieldErrorf("secret", "must be %s followed by valid standard base64", SecretPrefix)
	}
	if len(b) < 24 || len(b) > 64 {
		return nil, FieldErrorf("secret", "must decode to 24–64 bytes, not %d", len(b))
	}
	return b, nil
}
