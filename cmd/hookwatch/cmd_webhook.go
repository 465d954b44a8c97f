package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/hookwatch/hookwatch/core"
)

func (c *cli) webhookCommand() *cobra.Command {
	return groupCommand("webhook", "Add, change, list, test and remove the webhooks that receive events", "",
		c.webhookAddCommand(), c.webhookListCommand(), c.webhookEditCommand(),
		c.webhookEnableCommand(true), c.webhookEnableCommand(false), c.webhookRmCommand(),
		c.webhookRotateCommand(), c.webhookTestCommand(), c.webhookPreviewCommand(), c.webhookBacktestCommand())
}

// webhookOptions are the flags that add and edit share. set names the flags
// given on the command line: edit changes only those, and add tells an
// unset flag from one set to its zero value.
type webhookOptions struct {
	events       string
	spike, drop  int
	goals        string
	allowPrivate bool
	cooldown     time.Duration
	sendResolved bool
	format       string
	template     string
	contentType  string
	headers      []string
	digest       time.Duration
	json         bool
	set          map[string]bool
	anomalyOptions
}

func (o *webhookOptions) addFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.events, "events", "", "comma-separated event `types` to send: traffic.spike, traffic.drop, goal.completed\n"+
		"(default goal.completed, plus each traffic alert whose rule is given)")
	positiveIntFlag(fs, &o.spike, "spike-threshold", "traffic.spike fires when a site has at least this many current visitors")
	positiveIntFlag(fs, &o.drop, "drop-threshold", "traffic.drop fires when a site has fewer than this many visitors in 12 h")
	fs.StringVar(&o.goals, "goals", "", "comma-separated goal `names` this webhook takes (default: every goal of the site)")
	fs.BoolVar(&o.allowPrivate, "allow-private", false, "allow a URL on a private, loopback or link-local address, for\n"+
		"services on your own network (refused by default, so a webhook cannot probe it)")
	durationFlag(fs, &o.cooldown, "cooldown", "least time between two firings of the same traffic alert, "+core.CooldownRange.String()+"\n"+
		"(default: the default_cooldown setting, else "+core.ShortDuration(core.DefaultCooldown)+")")
	fs.BoolVar(&o.sendResolved, "send-resolved", false, "also send traffic.spike.resolved / traffic.drop.resolved when an alert clears")
	fs.StringVar(&o.format, "format", "", "body `format`: standard (Standard Webhooks JSON), slack, discord, teams,\n"+
		"googlechat, ntfy, or template (your own; see --template) (default standard)")
	fs.StringVar(&o.template, "template", "", "text/template `FILE` of the body, or - for standard input (the template format;\n"+
		"alone it implies --format template)")
	fs.StringVar(&o.contentType, "content-type", "", "`Content-Type` of a template's body (default "+core.DefaultContentType+"; a JSON type must render valid JSON)")
	fs.StringArrayVar(&o.headers, "header", nil, "custom request `header` 'Name: value'; repeatable; on edit, 'Name:' removes it")
	durationFlag(fs, &o.digest, "digest", "gather a goal's completions into one message per interval, "+core.DigestRange.String()+";\n"+
		"0 sends each one at once (default 0, or "+core.ShortDuration(core.DefaultChatDigest)+" for the chat formats)")
	o.anomalyOptions.addFlags(fs)
	fs.BoolVar(&o.json, "json", false, "print the webhook as JSON")
}

// flagsSet returns the names of cmd's own flags given on the command line;
// global flags such as --db are left out.
func flagsSet(cmd *cobra.Command) map[string]bool {
	set := map[string]bool{}
	cmd.LocalFlags().VisitAll(func(f *pflag.Flag) {
		if f.Changed {
			set[f.Name] = true
		}
	})
	return set
}

func splitList(s string) []string {
	out := []string{}
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// applyHeaders merges `Name: value` arguments into h; an empty value removes
// the header. Names match in any case, as HTTP's do: a header given in
// another case replaces the old one, which would otherwise be sent too,
// with the value picked at random.
func applyHeaders(h map[string]string, args []string) (map[string]string, error) {
	out := map[string]string{}
	for k, v := range h {
		out[k] = v
	}
	remove := func(name string) {
		for k := range out {
			if strings.EqualFold(k, name) {
				delete(out, k)
			}
		}
	}
	for _, a := range args {
		name, value, ok := strings.Cut(a, ":")
		name, value = strings.TrimSpace(name), strings.TrimSpace(value)
		if ok && value == "" && name != "" {
			remove(name)
			continue
		}
		name, value, err := core.ParseHeader(a)
		if err != nil {
			return nil, err
		}
		remove(name)
		out[name] = value
	}
	return out, nil
}

// webhookAddOptions is what `webhook add` was told.
type webhookAddOptions struct {
	webhookOptions
	site, url, secret string
}

func (c *cli) webhookAddCommand() *cobra.Command {
	var o webhookAddOptions
	cmd := &cobra.Command{
		Use:   "add DOMAIN URL",
		Short: "Add a webhook that receives a site's events",
		Long: `Add a webhook: URL receives the site's events as signed HTTP POSTs
(Standard Webhooks: webhook-id, webhook-timestamp, webhook-signature).
The signing secret is printed once, now; ` + "`webhook rotate-secret`" + ` makes a new one.`,
		Example: `  hookwatch webhook add example.com https://hooks.example.com/plausible --spike-threshold 200
  hookwatch webhook add example.com https://hooks.example.com/plausible --spike-anomaly --drop-anomaly --sensitivity high
  hookwatch webhook add example.com https://hooks.slack.com/services/T/B/X --format slack
  hookwatch webhook add example.com https://ntfy.sh/my-alerts --format ntfy
  hookwatch webhook add example.com https://hooks.example.com/in --template body.tmpl --content-type text/plain
  hookwatch webhook add example.com http://192.168.1.10:5678/webhook --allow-private --header 'Authorization: Bearer t0k3n'`,
		Args: argsBetween(2, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.site, o.url, o.set = args[0], args[1], flagsSet(cmd)
			return c.webhookAdd(cmd.Context(), o)
		},
	}
	o.addFlags(cmd.Flags())
	cmd.Flags().StringVar(&o.secret, "secret", "", "signing `secret`, whsec_ and base64 of 24–64 bytes (default: a new random one)")
	return cmd
}

func (c *cli) webhookAdd(ctx context.Context, o webhookAddOptions) error {
	set := o.set
	if err := checkRules(set); err != nil {
		return err
	}
	w := &core.Webhook{
		Site: o.site, URL: o.url, Secret: o.secret,
		SpikeThreshold: o.spike, DropThreshold: o.drop,
		AllowPrivate: o.allowPrivate, Cooldown: o.cooldown, SendResolved: o.sendResolved,
		Format: core.Format(o.format), Goals: splitList(o.goals),
	}
	o.applyNew(w)
	var err error
	if set["secret"] {
		if _, err := core.ParseSecret(o.secret); err != nil {
			return err
		}
	}
	if set["events"] {
		if w.Events, err = core.ParseEventTypes(o.events); err != nil {
			return err
		}
	} else {
		w.Events = core.DefaultEventsOf(w)
	}
	if w.Headers, err = applyHeaders(nil, o.headers); err != nil {
		return err
	}
	if err := c.templateFlags(&o.webhookOptions, w); err != nil {
		return err
	}
	w.DigestInterval = w.Format.NewDigest(o.digest, set["digest"])
	m, err := c.open(ctx)
	if err != nil {
		return err
	}
	if !set["cooldown"] {
		w.Cooldown = m.DefaultCooldown(ctx)
	}
	if err := m.Webhooks.CreateWebhook(ctx, w); err != nil {
		return err
	}
	if o.json {
		return c.printJSON(c.historyView(ctx, m, newWebhookView(w, true)))
	}
	fmt.Fprintf(c.stdout, "webhook %d added for %s → %s\nevents: %s\nsecret: %s\n(the secret is shown only now; receivers use it to verify the webhook-signature header)\n",
		w.ID, w.Site, w.DisplayURL(), eventList(w.Events), w.Secret)
	return nil
}

// webhookEditOptions is what `webhook edit` was told.
type webhookEditOptions struct {
	webhookOptions
	id  int64
	url string
}

func (c *cli) webhookEditCommand() *cobra.Command {
	var o webhookEditOptions
	cmd := &cobra.Command{
		Use:   "edit ID",
		Short: "Change a webhook; only the flags given change",
		Long: `Change a webhook: each flag given replaces that setting, and the others
stay. --header adds or replaces one header ('Name:' removes it) and keeps
the rest.`,
		Example: "  hookwatch webhook edit 1 --spike-threshold 300 --cooldown 6h",
		Args:    argsBetween(1, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := idArg("id", args[0])
			if err != nil {
				return err
			}
			o.id, o.set = id, flagsSet(cmd)
			return c.webhookEdit(cmd.Context(), o)
		},
	}
	cmd.Flags().StringVar(&o.url, "url", "", "new endpoint `URL`")
	o.addFlags(cmd.Flags())
	return cmd
}

func (c *cli) webhookEdit(ctx context.Context, o webhookEditOptions) error {
	set := o.set
	if len(set) == 0 || (len(set) == 1 && set["json"]) {
		return usagef("webhook edit: give at least one flag to change")
	}
	m, err := c.open(ctx)
	if err != nil {
		return err
	}
	cur, err := m.Webhooks.FindWebhookByID(ctx, o.id)
	if err != nil {
		return err
	}
	upd, err := o.update(cur)
	if err != nil {
		return err
	}
	if err := c.templateEdit(&o.webhookOptions, &upd); err != nil {
		return err
	}
	if set["url"] {
		// A URL copied from `webhook list` has its sig hidden: keep the stored one.
		u := core.UnredactURL(o.url, cur.URL)
		upd.URL = &u
	}
	w, err := m.Webhooks.UpdateWebhook(ctx, o.id, upd)
	if err != nil {
		return err
	}
	if o.json {
		return c.printJSON(c.historyView(ctx, m, newWebhookView(w, false)))
	}
	fmt.Fprintf(c.stdout, "webhook %d updated\n", w.ID)
	return nil
}

// update returns the change the flags given make to cur.
func (o *webhookOptions) update(cur *core.Webhook) (core.WebhookUpdate, error) {
	var upd core.WebhookUpdate
	set := o.set
	if err := checkRules(set); err != nil {
		return upd, err
	}
	o.applyEdit(set, &upd)
	if set["events"] {
		ev, err := core.ParseEventTypes(o.events)
		if err != nil {
			return upd, err
		}
		upd.Events = &ev
	}
	if set["spike-threshold"] {
		upd.SpikeThreshold = &o.spike
	}
	if set["drop-threshold"] {
		upd.DropThreshold = &o.drop
	}
	if set["goals"] {
		g := splitList(o.goals)
		upd.Goals = &g
	}
	if set["allow-private"] {
		upd.AllowPrivate = &o.allowPrivate
	}
	if set["cooldown"] {
		upd.Cooldown = &o.cooldown
	}
	if set["send-resolved"] {
		upd.SendResolved = &o.sendResolved
	}
	if set["format"] {
		fm := core.Format(o.format)
		upd.Format = &fm
	}
	if set["header"] {
		h, err := applyHeaders(cur.Headers, o.headers)
		if err != nil {
			return upd, err
		}
		upd.Headers = &h
	}
	if set["digest"] {
		upd.DigestInterval = &o.digest
	}
	return upd, nil
}
