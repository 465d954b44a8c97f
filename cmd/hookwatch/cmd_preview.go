package main

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/hookwatch/hookwatch/core"
)

// previewOptions are the parsed arguments of `webhook preview`.
type previewOptions struct {
	id    int64
	event core.EventType // "": the webhook's first subscribed type
}

// webhookPreviewCmd parses `webhook preview ID [--event TYPE]`.
func (c *cli) webhookPreviewCmd(ctx context.Context, args []string) error {
	fs := newFlagSet("webhook preview")
	event := fs.String("event", "", "event type to preview (default: the webhook's first)")
	pos, err := c.parseArgs(fs, args, 1, 1)
	if err != nil {
		return err
	}
	id, err := idArg("id", pos[0])
	if err != nil {
		return err
	}
	return c.webhookPreview(ctx, previewOptions{id: id, event: core.EventType(*event)})
}

// webhookPreview prints what webhook o.id would be sent for a sample event
// of type o.event: the request's headers, custom header values hidden, a
// blank line, then the body. A template that fails is an EINVALID error.
func (c *cli) webhookPreview(ctx context.Context, o previewOptions) error {
	m, err := c.open(ctx)
	if err != nil {
		return err
	}
	w, err := m.Webhooks.FindWebhookByID(ctx, o.id)
	if err != nil {
		return err
	}
	t := o.event
	if t == "" {
		t = w.EventTypes()[0]
	} else if !slices.Contains(core.AllEventTypes, t) {
		return core.FieldErrorf("event", "unknown event type %q (choose from %s)", t, joinTypes(core.AllEventTypes))
	}
	h, body, err := m.Engine.Preview(w, t)
	if err != nil {
		return err
	}
	for _, k := range slices.Sorted(maps.Keys(h)) {
		for _, v := range h[k] {
			fmt.Fprintf(c.stdout, "%s: %s\n", k, v)
		}
	}
	fmt.Fprintf(c.stdout, "\n%s", body)
	if len(body) > 0 && body[len(body)-1] != '\n' {
		fmt.Fprintln(c.stdout)
	}
	return nil
}

func joinTypes(ts []core.EventType) string {
	s := make([]string, len(ts))
	for i, t := range ts {
		s[i] = string(t)
	}
	return strings.Join(s, ", ")
}
