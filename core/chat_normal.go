package core

import (
	"fmt"
	"math"
)

// The sentences of anomaly rules say what is normal, in the hour of the
// week the rule compared with: "demo.example: 27 current visitors; about 5
// are normal on Tuesdays at 03:00 UTC".

func spikeNormalSummary(e *Event, d SpikeData) Summary {
	normal := normalPhrase(e, d.Normal)
	if e.Type == EventSpikeResolved {
		return Summary{Title: fmt.Sprintf("%s: traffic is back to normal: %d current visitors; %s", d.Site, d.CurrentVisitors, normal), Color: colorGood}
	}
	s := Summary{Title: fmt.Sprintf("%s: %d current visitors; %s", d.Site, d.CurrentVisitors, normal), Color: colorAlert}
	s.Fields = append(s.Fields, normalField(d.Normal))
	return withTops(s, d)
}

func dropNormalSummary(e *Event, d DropData) Summary {
	normal := normalPhrase(e, d.Normal)
	if e.Type == EventDropResolved {
		return Summary{Title: fmt.Sprintf("%s: traffic has recovered: %d visitors in the last 60 min; %s", d.Site, d.Visitors, normal), Color: colorGood}
	}
	return Summary{Title: fmt.Sprintf("%s: only %d visitors in the last 60 min; %s", d.Site, d.Visitors, normal),
		Fields: []SummaryField{normalField(d.Normal)}, Color: colorAlert}
}

// normalPhrase is "about 5 are normal on Tuesdays at 03:00 UTC".
func normalPhrase(e *Event, n *Normal) string {
	verb := "are"
	if math.Round(n.Expected) == 1 {
		verb = "is"
	}
	return fmt.Sprintf("about %.0f %s normal on %s", math.Round(n.Expected), verb, SlotOf(e.Timestamp))
}

// normalField gives the band and what drew it.
func normalField(n *Normal) SummaryField {
	return SummaryField{"Normal range", fmt.Sprintf("%.0f–%.0f (last %d weeks, %s sensitivity)",
		max(n.Lower, 0), n.Upper, n.BaselineWeeks, n.Sensitivity)}
}
