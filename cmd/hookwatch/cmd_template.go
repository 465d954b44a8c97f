package main

import (
	"io"
	"os"
	"strings"

	"github.com/hookwatch/hookwatch/core"
)

// readTemplate reads a template file, or standard input for "-".
func (c *cli) readTemplate(path string) (string, error) {
	var b []byte
	var err error
	if path == "-" {
		b, err = io.ReadAll(io.LimitReader(c.stdin, core.MaxTemplateSize+1))
	} else {
		b, err = os.ReadFile(path)
	}
	if err != nil {
		return "", core.FieldErrorf("template", "cannot read %s: %v", path, err)
	}
	return string(b), nil
}

// templateFlags sets a new webhook's template and content type from the
// flags. --template alone implies the template format.
func (c *cli) templateFlags(o *webhookOptions, w *core.Webhook) error {
	set := o.set
	if set["template"] {
		tpl, err := c.readTemplate(o.template)
		if err != nil {
			return err
		}
		w.Template = tpl
		if !set["format"] {
			w.Format = core.FormatTemplate
		}
	}
	if set["content-type"] {
		w.TemplateContentType = strings.TrimSpace(o.contentType)
	}
	return nil
}

// templateEdit adds the template flags to an edit. Moving a webhook to
// another format drops its template and content type, which only the
// template format takes.
func (c *cli) templateEdit(o *webhookOptions, upd *core.WebhookUpdate) error {
	set := o.set
	if set["template"] {
		tpl, err := c.readTemplate(o.template)
		if err != nil {
			return err
		}
		upd.Template = &tpl
		if upd.Format == nil {
			tf := core.FormatTemplate
			upd.Format = &tf
		}
	}
	if set["content-type"] {
		ct := strings.TrimSpace(o.contentType)
		upd.ContentType = &ct
	}
	if upd.Format != nil && *upd.Format != core.FormatTemplate {
		empty := ""
		if upd.Template == nil {
			upd.Template = &empty
		}
		if upd.ContentType == nil {
			upd.ContentType = &empty
		}
	}
	return nil
}
