package ui

import (
	"context"
	"time"

	"github.com/hookwatch/hookwatch/core"
)

// Services are what the window reads and changes. Every field is required
// except the function values, whose buttons are disabled when nil.
type Services struct {
	Sites      core.SiteService
	Goals      core.GoalService
	Webhooks   core.WebhookService
	Deliveries core.DeliveryService
	Triggers   core.TriggerStore // PollStatus and TrafficSamples, for the status bar and chart
	Settings   core.SettingsService
	History    core.HistoryReader // the sites' past, for the Traffic tab and the form's backtest; optional
	Alerts     core.AlertLog      // the alerts sent, marked on the chart; optional
	// Baselines, if set, tells the webhooks screen which anomaly rules
	// are still learning their site's history.
	Baselines core.BaselineStore

	// SendTest performs one signed webhook.test attempt now and logs it.
	SendTest func(ctx context.Context, webhookID int64) (*core.Delivery, *core.Attempt, error)
	// TestConnection checks a ClickHouse DSN and returns the server version.
	TestConnection func(ctx context.Context, dsn string) (string, error)
	// ClickHouse, when set, gives the first run its connect form and the
	// add dialogs the sites and goals found in ClickHouse.
	ClickHouse core.ClickHouseService
	// Wake asks the running engine to look for due deliveries now.
	Wake func()

	// Version and DBPath are shown in the status bar and settings.
	Version, DBPath string
	// ClickHouseInUse names the ClickHouse this run reads and where that
	// came from (flag, environment, settings or default), password hidden.
	ClickHouseInUse string
	// EngineNote, when set, says why this window runs without its own
	// engine (another process holds the database); the status bar shows it.
	EngineNote string
}

// tickInterval is how often the status bar and the screens reload.
const tickInterval = 2 * time.Second
