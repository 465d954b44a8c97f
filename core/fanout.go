package core

// FanOut turns one event into a delivery for each webhook that takes it:
// enabled, of the event's site, subscribed to its type, and, for a goal
// event, with a goal filter that lets goal through (goal may be nil for
// other types). Each body is rendered in the webhook's format.
func FanOut(e *Event, goal *Goal, hooks []*Webhook) ([]NewDelivery, error) {
	var out []NewDelivery
	for _, w := range hooks {
		if !w.Enabled || w.SiteID != e.SiteID || !w.Subscribes(e.Type) {
			continue
		}
		if goal != nil && !w.WantsGoal(goal) {
			continue
		}
		body, err := Render(w, e)
		if err != nil {
			return nil, err
		}
		out = append(out, NewDelivery{WebhookID: w.ID, EventKey: e.Key, EventType: e.Type, Payload: body})
	}
	return out, nil
}

// Render returns the body webhook w receives for event e.
func Render(w *Webhook, e *Event) ([]byte, error) {
	switch w.Format {
	case FormatSlack:
		return renderSlack(e)
	case FormatDiscord:
		return renderDiscord(e)
	}
	return e.Payload()
}
