package core_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	"github.com/hookwatch/hookwatch/core"
)

// exampleHook is the webhook the format examples render for.
func exampleHook(f core.Format) *core.Webhook {
	return &core.Webhook{ID: 3, Site: "example.com", Events: []core.EventType{core.EventSpike}, SpikeThreshold: 200, Format: f}
}

// printBody prints the headers a format sets and its body, JSON indented.
func printBody(w *core.Webhook, t core.EventType) {
	h := core.MessageHeaders(w, t)
	for _, k := range slices.Sorted(maps.Keys(h)) {
		fmt.Printf("%s: %s\n", k, h[k])
	}
	body, err := core.Preview(w, t)
	if err != nil {
		fmt.Println(err)
		return
	}
	var buf bytes.Buffer
	if json.Indent(&buf, body, "", "  ") != nil {
		buf.Reset()
		buf.Write(body)
	}
	fmt.Printf("\n%s\n", buf.String())
}

func ExamplePreview_teams() {
	printBody(exampleHook(core.FormatTeams), core.EventSpike)
	// Output:
	// Content-Type: application/json
	//
	// {
	//   "type": "message",
	//   "attachments": [
	//     {
	//       "contentType": "application/vnd.microsoft.card.adaptive",
	//       "content": {
	//         "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
	//         "type": "AdaptiveCard",
	//         "version": "1.4",
	//         "body": [
	//           {
	//             "type": "TextBlock",
	//             "text": "example.com: 312 current visitors (threshold 200)",
	//             "weight": "Bolder",
	//             "size": "Medium",
	//             "color": "Attention",
	//             "wrap": true
	//           },
	//           {
	//             "type": "FactSet",
	//             "facts": [
	//               {
	//                 "title": "Top sources",
	//                 "value": "Google (141), news.ycombinator.com (96), Direct / None (40)"
	//               },
	//               {
	//                 "title": "Top pages",
	//                 "value": "/blog/launch (180), / (77), /pricing (31)"
	//               }
	//             ]
	//           },
	//           {
	//             "type": "TextBlock",
	//             "text": "traffic.spike · 2025-03-01T12:00:00Z · hookwatch",
	//             "size": "Small",
	//             "isSubtle": true,
	//             "wrap": true
	//           }
	//         ],
	//         "msteams": {
	//           "width": "Full"
	//         }
	//       }
	//     }
	//   ]
	// }
}

func ExamplePreview_googlechat() {
	printBody(exampleHook(core.FormatGoogleChat), core.EventSpike)
	// Output:
	// Content-Type: application/json; charset=UTF-8
	//
	// {
	//   "text": "example.com: 312 current visitors (threshold 200)",
	//   "cardsV2": [
	//     {
	//       "cardId": "traffic-spike",
	//       "card": {
	//         "header": {
	//           "title": "Traffic spike on example.com",
	//           "subtitle": "312 current visitors (threshold 200)"
	//         },
	//         "sections": [
	//           {
	//             "widgets": [
	//               {
	//                 "decoratedText": {
	//                   "topLabel": "Top sources",
	//                   "text": "Google (141), news.ycombinator.com (96), Direct / None (40)",
	//                   "wrapText": true
	//                 }
	//               },
	//               {
	//                 "decoratedText": {
	//                   "topLabel": "Top pages",
	//                   "text": "/blog/launch (180), / (77), /pricing (31)",
	//                   "wrapText": true
	//                 }
	//               }
	//             ]
	//           }
	//         ]
	//       }
	//     }
	//   ]
	// }
}

func ExamplePreview_ntfy() {
	w := exampleHook(core.FormatNtfy)
	w.Site = "bücher.example"
	printBody(w, core.EventSpike)
	// Output:
	// Content-Type: text/plain; charset=utf-8
	// Priority: 4
	// Tags: chart_with_upwards_trend,traffic.spike
	// Title: =?UTF-8?q?b=C3=BCcher.example:_traffic_spike?=
	//
	// bücher.example: 312 current visitors (threshold 200)
	// Top sources: Google (141), news.ycombinator.com (96), Direct / None (40)
	// Top pages: /blog/launch (180), / (77), /pricing (31)
	//
	// traffic.spike · 2025-03-01T12:00:00Z · hookwatch
}

func ExamplePreview_template() {
	w := exampleHook(core.FormatTemplate)
	w.Template = `{
  "summary": {{json (sentence .)}},
  "site": {{json .data.site}},
  "visitors": {{.data.current_visitors}},
  "top_source": {{with .data.top_sources}}{{json (index . 0).source}}{{else}}null{{end}},
  "at": {{json (date "2006-01-02 15:04" .timestamp)}}
}`
	printBody(w, core.EventSpike)
	// Output:
	// Content-Type: application/json
	//
	// {
	//   "summary": "example.com: 312 current visitors (threshold 200)",
	//   "site": "example.com",
	//   "visitors": 312,
	//   "top_source": "Google",
	//   "at": "2025-03-01 12:00"
	// }
}
