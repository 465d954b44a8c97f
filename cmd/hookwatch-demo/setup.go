package main

import (
	"context"

	"github.com/hookwatch/hookwatch/core"
	"github.com/hookwatch/hookwatch/storage/sqlite"
)

// spikeThreshold is low enough for the demo's burst to cross it and high
// enough for its steady trickle not to.
const spikeThreshold = 100

// setUpDatabase creates the demo database: one site, two goals and two
// webhooks to the receiver, one with a fixed spike threshold and one
// relative to normal, whose band the Traffic tab draws over the seeded
// history.
func setUpDatabase(ctx context.Context, path string, rc *receiver) error {
	db, err := sqlite.Open(path)
	if err != nil {
		return err
	}
	defer db.Close()
	site := &core.Site{Domain: "demo.example", PlausibleID: demoSiteID}
	if err := sqlite.NewSiteService(db).CreateSite(ctx, site); err != nil {
		return err
	}
	goals := sqlite.NewGoalService(db)
	for _, g := range []*core.Goal{{SiteID: site.ID, EventName: "Signup"}, {SiteID: site.ID, PagePath: "/thanks/*"}} {
		if err := goals.CreateGoal(ctx, g); err != nil {
			return err
		}
	}
	w := &core.Webhook{SiteID: site.ID, URL: rc.URL, AllowPrivate: true, SendResolved: true,
		Events:         []core.EventType{core.EventGoal, core.EventSpike},
		SpikeThreshold: spikeThreshold}
	if err := sqlite.NewWebhookService(db).CreateWebhook(ctx, w); err != nil {
		return err
	}
	rc.setSecret(w.Secret)
	// The same secret, so that the receiver checks both signatures.
	normal := &core.Webhook{SiteID: site.ID, URL: rc.URL + "-normal", Secret: w.Secret, AllowPrivate: true,
		Events:       []core.EventType{core.EventSpike, core.EventDrop},
		SpikeAnomaly: true, DropAnomaly: true}
	return sqlite.NewWebhookService(db).CreateWebhook(ctx, normal)
}
