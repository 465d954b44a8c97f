package sqlite

import (
	"encoding/json"
	"slices"
	"strings"
)

// headersJSON encodes an attempt's headers for the attempt log: the JSON
// object of arrays json.Marshal writes, or NULL when there are none.
func headersJSON(h map[string][]string) (any, error) {
	if len(h) == 0 {
		return nil, nil
	}
	if s, ok := plainHeadersJSON(h); ok {
		return s, nil
	}
	b, err := json.Marshal(h)
	if err != nil {
		return nil, dbError("encode headers", err)
	}
	return string(b), nil
}

// plainHeadersJSON writes the same bytes as json.Marshal of h when every
// key and value is printable ASCII that JSON does not escape, as webhook
// and most response headers are, and reports false otherwise. It is the
// common path: json.Marshal's reflection cost a measurable share of every
// recorded attempt.
func plainHeadersJSON(h map[string][]string) (string, bool) {
	keys := make([]string, 0, len(h))
	n := 2
	for k, vs := range h {
		if vs == nil || !plainJSON(k) {
			return "", false // nil encodes as null, and escapes take json.Marshal
		}
		keys = append(keys, k)
		n += len(k) + 6
		for _, v := range vs {
			if !plainJSON(v) {
				return "", false
			}
			n += len(v) + 3
		}
	}
	slices.Sort(keys) // json.Marshal sorts a map's keys
	var sb strings.Builder
	sb.Grow(n)
	sb.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			sb.WriteByte(',')
		}
		sb.WriteByte('"')
		sb.WriteString(k)
		sb.WriteString(`":[`)
		for j, v := range h[k] {
			if j > 0 {
				sb.WriteByte(',')
			}
			sb.WriteByte('"')
			sb.WriteString(v)
			sb.WriteByte('"')
		}
		sb.WriteByte(']')
	}
	sb.WriteByte('}')
	return sb.String(), true
}

// plainJSON reports whether s goes into a JSON string as it is, without
// any of the escapes json.Marshal writes (HTML characters included).
func plainJSON(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x20, c >= 0x7f, c == '"', c == '\\', c == '<', c == '>', c == '&':
			return false
		}
	}
	return true
}
