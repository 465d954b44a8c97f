package main

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hookwatch/hookwatch/core"
)

// previewOptions are the parsed arguments of `webhook preview`.
type previewOptions struct {
	id    int64
	event core.EventType // "": the webhook's first subscribed type
}

func (c *cli) webhookPreviewCommand() *cobra.Command {
	var event string
	cmd := &cobra.Command{
		Use:   "preview ID",
		Short: "Print the headers and the body a webhook would be sent",
		Long: `Print the request a webhook would be sent for a sample event: its headers
(custom header values as [hidden]), a blank line, then the body, rendered in
the webhook's format. A template that fails says why and where, and exits 2.`,
		Example: "  hookwatch webhook preview 1\n  hookwatch webhook preview 1 --event traffic.spike",
		Args:    argsBetween(1, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := idArg("id", args[0])
			if err != nil {
				return err
			}
			return c.webhookPreview(cmd.Context(), previewOptions{id: id, event: core.EventType(event)})
		},
	}
	cmd.Flags().StringVar(&event, "event", "", "event `type` to preview (default: the webhook's first subscribed type)")
	return cmd
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
