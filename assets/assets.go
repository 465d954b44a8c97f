// Package assets holds the files hookwatch ships inside its binary.
package assets

import _ "embed"

// Icon is hookwatch's application icon, 512×512 PNG.
//
//go:embed icon.png
var Icon []byte
