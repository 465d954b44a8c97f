package core

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Summary is an event told as a sentence, for chat formats: Title is the
// one line that notifications show, and Fields carry the details.
type Summary struct {
	Title  string
	Fields []SummaryField
	Color  int // for Discord embeds: red for alerts, green for good news
}

// SummaryField is one labelled detail of a Summary.
type SummaryField struct {
	Name, Value string
}

const (
	colorAlert = 0xE5484D
	colorGood  = 0x30A46C
	colorInfo  = 0x5850EC
)

// Summarize tells e in words.
func Summarize(e *Event) Summary {
	data := e.Data
	switch p := data.(type) {
	case *SpikeData:
		data = *p
	case *DropData:
		data = *p
	case *GoalData:
		data = *p
	case *TestData:
		data = *p
	}
	switch d := data.(type) {
	case SpikeData:
		if d.Normal != nil {
			return spikeNormalSummary(e, d)
		}
		if e.Type == EventSpikeResolved {
			return Summary{Title: fmt.Sprintf("%s: traffic is back under the spike threshold: %d current visitors (threshold %d)", d.Site, d.CurrentVisitors, d.Threshold), Color: colorGood}
		}
		return withTops(Summary{Title: fmt.Sprintf("%s: %d current visitors (threshold %d)", d.Site, d.CurrentVisitors, d.Threshold), Color: colorAlert}, d)
	case DropData:
		if d.Normal != nil {
			return dropNormalSummary(e, d)
		}
		if e.Type == EventDropResolved {
			return Summary{Title: fmt.Sprintf("%s: traffic has recovered: %d visitors in the last 12 h (threshold %d)", d.Site, d.Visitors, d.Threshold), Color: colorGood}
		}
		return Summary{Title: fmt.Sprintf("%s: only %d visitors in the last 12 h (threshold %d)", d.Site, d.Visitors, d.Threshold), Color: colorAlert}
	case GoalData:
		times := "times"
		if d.Completions == 1 {
			times = "time"
		}
		return Summary{
			Title: fmt.Sprintf("%s: goal %s completed %d %s by %d visitors", d.Site, d.Goal.Name, d.Completions, times, d.UniqueVisitors),
			Fields: []SummaryField{{"Period", fmt.Sprintf("%s – %s UTC",
				d.PeriodStart.UTC().Format("2006-01-02 15:04:05"), d.PeriodEnd.UTC().Format("15:04:05"))}},
			Color: colorGood,
		}
	case TestData:
		return Summary{Title: fmt.Sprintf("%s: test message from hookwatch (webhook %d)", d.Site, d.WebhookID), Color: colorInfo}
	}
	return Summary{Title: fmt.Sprintf("hookwatch: %s", e.Type), Color: colorInfo}
}

// withTops adds a spike's top sources and pages to s.
func withTops(s Summary, d SpikeData) Summary {
	if len(d.TopSources) > 0 {
		var parts []string
		for _, r := range d.TopSources {
			parts = append(parts, fmt.Sprintf("%s (%d)", r.Source, r.Visitors))
		}
		s.Fields = append(s.Fields, SummaryField{"Top sources", strings.Join(parts, ", ")})
	}
	if len(d.TopPages) > 0 {
		var parts []string
		for _, r := range d.TopPages {
			parts = append(parts, fmt.Sprintf("%s (%d)", r.Page, r.Visitors))
		}
		s.Fields = append(s.Fields, SummaryField{"Top pages", strings.Join(parts, ", ")})
	}
	return s
}

// slackMessage is a Slack incoming-webhook body.
type slackMessage struct {
	Text   string       `json:"text"`
	Blocks []slackBlock `json:"blocks"`
}

type slackBlock struct {
	Type     string      `json:"type"`
	Text     *slackText  `json:"text,omitempty"`
	Fields   []slackText `json:"fields,omitempty"`
	Elements []slackText `json:"elements,omitempty"`
}

type slackText struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

// renderSlack returns a Slack message: the sentence as text (what
// notifications show), a section with it in bold, the details as fields,
// and a context line with the event type and time.
func renderSlack(e *Event) ([]byte, error) {
	s := Summarize(e)
	msg := slackMessage{Text: slackEscape(s.Title), Blocks: []slackBlock{
		{Type: "section", Text: &slackText{Type: "mrkdwn", Text: "*" + slackEscape(s.Title) + "*"}},
	}}
	if len(s.Fields) > 0 {
		b := slackBlock{Type: "section"}
		for _, f := range s.Fields {
			b.Fields = append(b.Fields, slackText{Type: "mrkdwn", Text: "*" + slackEscape(f.Name) + "*\n" + slackEscape(f.Value)})
		}
		msg.Blocks = append(msg.Blocks, b)
	}
	msg.Blocks = append(msg.Blocks, slackBlock{Type: "context", Elements: []slackText{
		{Type: "mrkdwn", Text: fmt.Sprintf("%s · %s · hookwatch", e.Type, e.Timestamp.UTC().Format(time.RFC3339))},
	}})
	return json.Marshal(msg)
}

// slackEscape escapes the three characters Slack's mrkdwn reserves.
func slackEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

type discordMessage struct {
	Content string         `json:"content"`
	Embeds  []discordEmbed `json:"embeds"`
}

type discordEmbed struct {
	Title       string         `json:"title"`
	Description string         `json:"description,omitempty"`
	Color       int            `json:"color"`
	Fields      []discordField `json:"fields,omitempty"`
	Timestamp   string         `json:"timestamp"`
	Footer      *discordFooter `json:"footer,omitempty"`
}

type discordField struct {
	Name   string `json:"name"`
	Value  string `json:"value"`
	Inline bool   `json:"inline"`
}

type discordFooter struct {
	Text string `json:"text"`
}

// renderDiscord returns a Discord webhook message: the sentence as content
// and one embed with the details.
func renderDiscord(e *Event) ([]byte, error) {
	s := Summarize(e)
	em := discordEmbed{Title: truncate(s.Title, 256), Color: s.Color,
		Timestamp: e.Timestamp.UTC().Format(time.RFC3339), Footer: &discordFooter{Text: "hookwatch · " + string(e.Type)}}
	for _, f := range s.Fields {
		em.Fields = append(em.Fields, discordField{Name: truncate(f.Name, 256), Value: truncate(f.Value, 1024), Inline: true})
	}
	return json.Marshal(discordMessage{Content: truncate(s.Title, 2000), Embeds: []discordEmbed{em}})
}

// truncate keeps s within Discord's limit of n characters.
func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
