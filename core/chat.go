package core

// renderSlack and renderDiscord are filled in by the chat-formats work; until
// then chat webhooks receive the standard envelope.
func renderSlack(e *Event) ([]byte, error)   { return e.Payload() }
func renderDiscord(e *Event) ([]byte, error) { return e.Payload() }
