package core

import (
	"mime"
	"strings"
	"time"
)

// More formats a webhook can send; see Format.
const (
	FormatTeams      Format = "teams"      // Microsoft Teams Workflows message with an Adaptive Card
	FormatGoogleChat Format = "googlechat" // Google Chat incoming-webhook message
	FormatNtfy       Format = "ntfy"       // ntfy plain-text notification with its headers
	FormatTemplate   Format = "template"   // the user's own text/template over the standard payload
)

// Formats lists every format, in the order the window and the usage text
// offer them.
var Formats = []Format{FormatStandard, FormatSlack, FormatDiscord, FormatTeams, FormatGoogleChat, FormatNtfy, FormatTemplate}

// DefaultChatDigest is the goal digest interval a chat webhook (Format.Chat)
// gets unless the user sets one, so that a busy goal does not flood a
// channel or a phone.
const DefaultChatDigest = 15 * time.Minute

// DefaultContentType is the Content-Type of a template webhook that names
// none.
const DefaultContentType = "application/json"

// Chat reports whether f posts messages that people read in a chat or as
// push notifications, rather than data for a program.
func (f Format) Chat() bool {
	switch f {
	case FormatSlack, FormatDiscord, FormatTeams, FormatGoogleChat, FormatNtfy:
		return true
	}
	return false
}

// DefaultDigest is the digest interval a new webhook of format f starts
// with: DefaultChatDigest for chat formats, none otherwise.
func (f Format) DefaultDigest() time.Duration {
	if f.Chat() {
		return DefaultChatDigest
	}
	return 0
}

// NewDigest is the digest interval a webhook of format f gets as the user
// adds it: chosen when the user chose one (chose: a flag given, or a form's
// input the user set), else f's DefaultDigest.
func (f Format) NewDigest(chosen time.Duration, chose bool) time.Duration {
	if chose {
		return chosen
	}
	return f.DefaultDigest()
}

// MaxRate is the most requests per second the service behind f accepts for
// one webhook, or 0 when it states no limit lower than the engine's own.
// Google Chat allows 60 writes a minute per space.
func (f Format) MaxRate() float64 {
	if f == FormatGoogleChat {
		return 1
	}
	return 0
}

// ContentType is the Content-Type of w's requests.
func (w *Webhook) ContentType() string {
	switch w.Format {
	case FormatGoogleChat:
		return "application/json; charset=UTF-8"
	case FormatNtfy:
		return "text/plain; charset=utf-8"
	case FormatTemplate:
		if w.TemplateContentType != "" {
			return w.TemplateContentType
		}
		return DefaultContentType
	}
	return "application/json"
}

// IsJSON reports whether the media type ct names JSON: application/json
// or any type with the +json suffix.
func IsJSON(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return false
	}
	return mt == "application/json" || strings.HasSuffix(mt, "+json")
}

func formatNames() string {
	s := make([]string, len(Formats))
	for i, f := range Formats {
		s[i] = string(f)
	}
	return strings.Join(s, ", ")
}

// validateFormat checks the format and the fields that only the template
// format takes, and fills the template format's default content type.
func (w *Webhook) validateFormat() error {
	if w.Format == "" {
		w.Format = FormatStandard
	}
	known := false
	for _, f := range Formats {
		known = known || f == w.Format
	}
	if !known {
		return FieldErrorf("format", "unknown format %q (choose from %s)", w.Format, formatNames())
	}
	if w.Format != FormatTemplate {
		if w.Template != "" {
			return FieldErrorf("template", "only the template format takes a template; this webhook's format is %s", w.Format)
		}
		if w.TemplateContentType != "" {
			return FieldErrorf("content_type", "only the template format takes a content type; %s sends %s", w.Format, w.ContentType())
		}
		return nil
	}
	if w.TemplateContentType == "" {
		w.TemplateContentType = DefaultContentType
	}
	if err := validateContentType(w.TemplateContentType); err != nil {
		return err
	}
	return CheckTemplate(w)
}

func validateContentType(ct string) error {
	if strings.ContainsAny(ct, "\r\n\x00") {
		return FieldErrorf("content_type", "must be one line")
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil || !strings.Contains(mt, "/") {
		return FieldErrorf("content_type", "must be a media type such as application/json or text/plain; charset=utf-8, not %q", ct)
	}
	return nil
}
