package main

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/hookwatch/hookwatch/core"
)

// rotateOverlap is how long the old secret keeps signing after a rotation,
// so receivers can switch without dropping a delivery.
const rotateOverlap = 24 * time.Hour

// chatDigest is the goal digest interval a chat webhook gets unless told.
const chatDigest = 15 * time.Minute

func (c *cli) webhookCmd(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return usagef("webhook: missing subcommand (add, list, edit, enable, disable, rm, rotate-secret, test, backtest)")
	}
	rest := args[1:]
	switch args[0] {
	case "add":
		return c.webhookAdd(ctx, rest)
	case "list", "ls":
		return c.webhookList(ctx, rest)
	case "edit":
		return c.webhookEdit(ctx, rest)
	case "enable":
		return c.webhookSetEnabled(ctx, rest, true)
	case "disable":
		return c.webhookSetEnabled(ctx, rest, false)
	case "rm", "remove":
		return c.webhookRm(ctx, rest)
	case "rotate-secret":
		return c.webhookRotate(ctx, rest)
	case "test":
		return c.webhookTest(ctx, rest)
	case "backtest":
		return c.webhookBacktestCmd(ctx, rest)
	}
	return usagef("webhook: unknown subcommand %q", args[0])
}

// webhookFlags are the flags that add and edit share.
type webhookFlags struct {
	fs           *flag.FlagSet
	events       *string
	spike, drop  *int
	goals        *string
	allowPrivate *bool
	cooldown     *time.Duration
	sendResolved *bool
	format       *string
	headers      []string
	digest       *time.Duration
	asJSON       *bool
}

func (c *cli) newWebhookFlags(name string) *webhookFlags {
	fs := newFlagSet(name)
	f := &webhookFlags{fs: fs}
	f.events = fs.String("events", "", "comma-separated event types: traffic.spike, traffic.drop, goal.completed")
	f.spike = c.positiveIntFlag(fs, "spike-threshold", "current visitors at which traffic.spike fires")
	f.drop = c.positiveIntFlag(fs, "drop-threshold", "12 h visitors under which traffic.drop fires")
	f.goals = fs.String("goals", "", "comma-separated goal names this webhook takes (default all)")
	f.allowPrivate = fs.Bool("allow-private", false, "allow private and loopback addresses (LAN services)")
	f.cooldown = c.durationFlag(fs, "cooldown", "least time between two firings of a traffic alert (default 12h)")
	f.sendResolved = fs.Bool("send-resolved", false, "also send traffic.*.resolved when an alert clears")
	f.format = fs.String("format", "", "body format: standard, slack or discord")
	fs.Func("header", "custom header 'Name: value' (repeatable; 'Name:' removes it on edit)", func(s string) error {
		f.headers = append(f.headers, s)
		return nil
	})
	f.digest = c.durationFlag(fs, "digest", "gather goal completions into one message per goal per interval (0 = off)")
	f.asJSON = fs.Bool("json", false, "print JSON")
	return f
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

func (c *cli) webhookAdd(ctx context.Context, args []string) error {
	f := c.newWebhookFlags("webhook add")
	secret := f.fs.String("secret", "", "signing secret whsec_… (default: generated)")
	pos, err := c.parseArgs(f.fs, args, 2, 2)
	if err != nil {
		return err
	}
	set := flagsSet(f.fs)
	w := &core.Webhook{
		Site: pos[0], URL: pos[1], Secret: *secret,
		SpikeThreshold: *f.spike, DropThreshold: *f.drop,
		AllowPrivate: *f.allowPrivate, Cooldown: *f.cooldown, SendResolved: *f.sendResolved,
		Format: core.Format(*f.format), Goals: splitList(*f.goals),
	}
	if set["secret"] {
		if _, err := core.ParseSecret(*secret); err != nil {
			return err
		}
	}
	if set["events"] {
		if w.Events, err = core.ParseEventTypes(*f.events); err != nil {
			return err
		}
	} else {
		w.Events = core.DefaultEvents(w.SpikeThreshold, w.DropThreshold)
	}
	if w.Headers, err = applyHeaders(nil, f.headers); err != nil {
		return err
	}
	if set["digest"] {
		w.DigestInterval = *f.digest
	} else if w.Format == core.FormatSlack || w.Format == core.FormatDiscord {
		w.DigestInterval = chatDigest
	}
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
	if *f.asJSON {
		return c.printJSON(newWebhookView(w, true))
	}
	fmt.Fprintf(c.stdout, "webhook %d added for %s → %s\nevents: %s\nsecret: %s\n(the secret is shown only now; receivers use it to verify the webhook-signature header)\n",
		w.ID, w.Site, w.URL, eventList(w.Events), w.Secret)
	return nil
}

func (c *cli) webhookEdit(ctx context.Context, args []string) error {
	f := c.newWebhookFlags("webhook edit")
	url := f.fs.String("url", "", "new endpoint URL")
	pos, err := c.parseArgs(f.fs, args, 1, 1)
	if err != nil {
		return err
	}
	id, err := idArg("id", pos[0])
	if err != nil {
		return err
	}
	set := flagsSet(f.fs)
	if len(set) == 0 || (len(set) == 1 && set["json"]) {
		return usagef("webhook edit: give at least one flag to change")
	}
	m, err := c.open(ctx)
	if err != nil {
		return err
	}
	cur, err := m.Webhooks.FindWebhookByID(ctx, id)
	if err != nil {
		return err
	}
	var upd core.WebhookUpdate
	if set["url"] {
		upd.URL = url
	}
	if set["events"] {
		ev, err := core.ParseEventTypes(*f.events)
		if err != nil {
			return err
		}
		upd.Events = &ev
	}
	if set["spike-threshold"] {
		upd.SpikeThreshold = f.spike
	}
	if set["drop-threshold"] {
		upd.DropThreshold = f.drop
	}
	if set["goals"] {
		g := splitList(*f.goals)
		upd.Goals = &g
	}
	if set["allow-private"] {
		upd.AllowPrivate = f.allowPrivate
	}
	if set["cooldown"] {
		upd.Cooldown = f.cooldown
	}
	if set["send-resolved"] {
		upd.SendResolved = f.sendResolved
	}
	if set["format"] {
		fm := core.Format(*f.format)
		upd.Format = &fm
	}
	if set["header"] {
		h, err := applyHeaders(cur.Headers, f.headers)
		if err != nil {
			return err
		}
		upd.Headers = &h
	}
	if set["digest"] {
		upd.DigestInterval = f.digest
	}
	w, err := m.Webhooks.UpdateWebhook(ctx, id, upd)
	if err != nil {
		return err
	}
	if *f.asJSON {
		return c.printJSON(newWebhookView(w, false))
	}
	fmt.Fprintf(c.stdout, "webhook %d updated\n", w.ID)
	return nil
}

func (c *cli) webhookIDCmd(ctx context.Context, name string, args []string) (*Main, int64, *bool, error) {
	fs := newFlagSet(name)
	asJSON := fs.Bool("json", false, "print JSON")
	pos, err := c.parseArgs(fs, args, 1, 1)
	if err != nil {
		return nil, 0, nil, err
	}
	id, err := idArg("id", pos[0])
	if err != nil {
		return nil, 0, nil, err
	}
	m, err := c.open(ctx)
	if err != nil {
		return nil, 0, nil, err
	}
	return m, id, asJSON, nil
}

func (c *cli) webhookSetEnabled(ctx context.Context, args []string, enabled bool) error {
	verb := map[bool]string{true: "enable", false: "disable"}[enabled]
	m, id, asJSON, err := c.webhookIDCmd(ctx, "webhook "+verb, args)
	if err != nil {
		return err
	}
	// A webhook the user disables carries no reason: reasons are for what
	// hookwatch decided, and the window notifies about those.
	w, err := m.Webhooks.SetWebhookEnabled(ctx, id, enabled, "")
	if err != nil {
		return err
	}
	if *asJSON {
		return c.printJSON(newWebhookView(w, false))
	}
	fmt.Fprintf(c.stdout, "webhook %d %sd\n", id, verb)
	return nil
}

func (c *cli) webhookRm(ctx context.Context, args []string) error {
	m, id, _, err := c.webhookIDCmd(ctx, "webhook rm", args)
	if err != nil {
		return err
	}
	if err := m.Webhooks.DeleteWebhook(ctx, id); err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "webhook %d removed\n", id)
	return nil
}

func (c *cli) webhookRotate(ctx context.Context, args []string) error {
	m, id, asJSON, err := c.webhookIDCmd(ctx, "webhook rotate-secret", args)
	if err != nil {
		return err
	}
	w, err := m.Webhooks.RotateSecret(ctx, id, core.GenerateSecret(), rotateOverlap)
	if err != nil {
		return err
	}
	if *asJSON {
		return c.printJSON(newWebhookView(w, true))
	}
	fmt.Fprintf(c.stdout, "webhook %d has a new secret: %s\nthe old secret also signs until %s\n", id, w.Secret, fmtTime(w.PrevSecretUntil))
	return nil
}

func (c *cli) webhookList(ctx context.Context, args []string) error {
	m, siteID, asJSON, err := c.listArgs(ctx, "webhook list", args)
	if err != nil {
		return err
	}
	hooks, err := m.Webhooks.FindWebhooks(ctx, core.WebhookFilter{SiteID: siteID})
	if err != nil {
		return err
	}
	if asJSON {
		out := make([]webhookView, 0, len(hooks))
		for _, w := range hooks {
			out = append(out, newWebhookView(w, false))
		}
		return c.printJSON(out)
	}
	if len(hooks) == 0 {
		fmt.Fprintln(c.stdout, "no webhooks")
		return nil
	}
	tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSITE\tURL\tEVENTS\tFORMAT\tSTATE")
	for _, w := range hooks {
		state := "enabled"
		if !w.Enabled {
			state = "disabled"
			if w.DisabledReason != "" {
				state += ": " + w.DisabledReason
			}
		} else if !w.FailingSince.IsZero() {
			state = "failing since " + fmtTime(w.FailingSince)
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", w.ID, w.Site, w.URL, eventList(w.Events), w.Format, state)
	}
	return tw.Flush()
}

func eventList(ev []core.EventType) string {
	s := make([]string, len(ev))
	for i, e := range ev {
		s[i] = string(e)
	}
	return strings.Join(s, ",")
}

// webhookView is a webhook as the CLI prints it: durations as text, header
// names without their values, and the secret only when it was just made.
type webhookView struct {
	*core.Webhook
	Cooldown       string   `json:"cooldown"`
	DigestInterval string   `json:"digest_interval"`
	Headers        []string `json:"headers"`
	Secret         string   `json:"secret,omitempty"`
}

func newWebhookView(w *core.Webhook, withSecret bool) webhookView {
	v := webhookView{Webhook: w, Cooldown: w.Cooldown.String(), DigestInterval: w.DigestInterval.String(), Headers: w.HeaderNames()}
	if w.Goals == nil {
		w.Goals = []string{}
	}
	if withSecret {
		v.Secret = w.Secret
	}
	return v
}
