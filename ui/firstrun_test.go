package ui

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/hookwatch/hookwatch/core"
	"github.com/hookwatch/hookwatch/storage/clickhouse"
	"github.com/hookwatch/hookwatch/storage/clickhouse/chtest"
)

func TestMain(m *testing.M) { chtest.Main(m) }

// unreachableDSN is the test window's ClickHouse until one is saved: a
// closed port, as a fresh install without Plausible's port published has.
const unreachableDSN = "clickhouse://127.0.0.1:1/plausible_events_db"

// clickHouseService is core.ClickHouseService as cmd/hookwatch wires it,
// less the engine: the real Explorer over the DSN saved in settings.
type clickHouseService struct {
	*clickhouse.Explorer
	settings core.SettingsService
}

func newClickHouseService(settings core.SettingsService) *clickHouseService {
	s := &clickHouseService{settings: settings}
	s.Explorer = &clickhouse.Explorer{DSN: func(ctx context.Context) string { dsn, _ := s.CurrentClickHouse(ctx); return dsn }}
	return s
}

func (s *clickHouseService) CurrentClickHouse(ctx context.Context) (string, string) {
	if v, ok, err := s.settings.Setting(ctx, core.SettingClickHouseDSN); err == nil && ok && v != "" {
		return v, clickhouse.Endpoint(v) + " (from settings)"
	}
	return unreachableDSN, clickhouse.Endpoint(unreachableDSN) + " (from default)"
}

func (s *clickHouseService) SaveClickHouseDSN(ctx context.Context, dsn string) error {
	return s.settings.SetSetting(ctx, core.SettingClickHouseDSN, dsn)
}

func withClickHouse(e *env) { e.svc.ClickHouse = newClickHouseService(e.svc.Settings) }

// firstRunEvents are two Plausible sites' last weeks: shop (site_id 5,
// mostly on www.shop.test) is the busier; blog (site_id 9) has no custom
// events.
func firstRunEvents(now time.Time) []chtest.Event {
	var evs []chtest.Event
	user := uint64(0)
	add := func(site uint64, host, name, path string, n int) {
		for range n {
			user++
			evs = append(evs, chtest.Event{Timestamp: now.Add(-time.Duration(user) * time.Minute), Name: name, SiteID: site,
				UserID: user, SessionID: user, Hostname: host, Pathname: path})
		}
	}
	add(5, "www.shop.test", "pageview", "/", 30)
	add(5, "www.shop.test", "pageview", "/pricing", 12)
	add(5, "shop.test", "pageview", "/cart", 5)
	add(5, "www.shop.test", "engagement", "/", 20)
	add(5, "www.shop.test", "Signup", "/signup", 6)
	add(5, "www.shop.test", "Purchase", "/cart", 2)
	add(9, "blog.test", "pageview", "/posts/1", 10)
	return evs
}

// The first run, as a new user goes through it: connect (a wrong password
// first), pick a site that ClickHouse holds, pick suggested goals, add a
// webhook; the database then holds what was picked.
func TestFirstRun(t *testing.T) {
	srv, db := chtest.EventsDB(t)
	now, err := srv.Query("SELECT toUnixTimestamp(now())")
	if err != nil {
		t.Fatal(err)
	}
	var sec int64
	fmt.Sscan(now, &sec)
	if err := srv.InsertEvents(db, firstRunEvents(time.Unix(sec, 0).UTC())); err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, withClickHouse)
	ctx := context.Background()

	// No site and no poll: the window opens on the connect form, filled
	// with the ClickHouse in use.
	c := e.ui.first.connect
	if !e.ui.first.showsConnect() || e.ui.pages.Objects[0] != e.ui.emptyView {
		t.Fatal("the window does not open on the connect form")
	}
	if got := texts(c.page.(*container.Scroll).Content); !strings.Contains(got, "Connect to Plausible's ClickHouse") {
		t.Fatalf("connect page says %q", got)
	}
	if c.host.Text != "127.0.0.1" || c.port.Text != "1" || c.database.Text != "plausible_events_db" {
		t.Fatalf("form filled with %q %q %q, want the DSN in use", c.host.Text, c.port.Text, c.database.Text)
	}

	host, port, _ := strings.Cut(srv.TCPAddr(), ":")
	c.port.SetText("")
	test.Type(c.port, port)
	c.database.SetText(db)
	test.Type(c.user, chtest.PasswordUser)
	test.Type(c.password, "wr0ng-Pa55")
	e.tap(c.test)
	if got := c.result.Text; !strings.HasPrefix(got, "✗ ") || strings.Contains(got, "wr0ng-Pa55") || !strings.Contains(got, srv.TCPAddr()) {
		t.Fatalf("a wrong password shows %q, want the error naming the server without the password", got)
	}
	if v, ok, _ := e.svc.Settings.Setting(ctx, core.SettingClickHouseDSN); ok {
		t.Fatalf("testing saved %q", v)
	}

	c.password.SetText(chtest.Password)
	e.tap(c.test)
	if got := c.result.Text; !regexp.MustCompile(`^✓ Connected: ClickHouse \d+\.\d+`).MatchString(got) || strings.Contains(got, chtest.Password) {
		t.Fatalf("test shows %q, want the server version without the password", got)
	}

	// The toggle carries the fields over to one DSN and back.
	want := core.ClickHouseAddress{Host: host, Port: port, Database: db, User: chtest.PasswordUser, Password: chtest.Password}.DSN()
	e.act(func() { c.mode.SetSelected(modeDSN) })
	if c.dsn.Text != want || c.byFields.Visible() || !c.byDSN.Visible() {
		t.Fatalf("DSN field = %q (fields shown %v), want %q", c.dsn.Text, c.byFields.Visible(), want)
	}
	e.act(func() { c.mode.SetSelected(modeFields) })
	if c.host.Text != host || c.password.Text != chtest.Password || !c.byFields.Visible() {
		t.Fatalf("back to fields: host %q", c.host.Text)
	}

	e.tap(c.help)
	if got := segmentsText(c.helpText.Segments); !e.dialogOpen() || !strings.Contains(got, "<readonly>1</readonly>") || !strings.Contains(got, "compose.override.yml") {
		t.Fatalf("help dialog says %q, want the read-only-user steps", got)
	}
	e.act(func() { e.ui.escape() })

	// Save: the DSN is stored, and the add-site dialog lists the sites.
	e.tap(c.save)
	if v, _, _ := e.svc.Settings.Setting(ctx, core.SettingClickHouseDSN); v != want {
		t.Fatalf("saved DSN %q, want %q", v, want)
	}
	if e.ui.first.showsConnect() {
		t.Fatal("the connect form stays after a save")
	}
	f := e.ui.sites.form
	if f == nil || f.picker == nil || !e.dialogOpen() {
		t.Fatal("saving did not open the add-site dialog with the discovered sites")
	}
	p := f.picker
	if got := pickerRows(p); got != "5 www.shop.test 75 | 9 blog.test 10" {
		t.Fatalf("picker shows %q", got)
	}
	test.Type(p.search, "BLOG")
	if got := pickerRows(p); got != "9 blog.test 10" {
		t.Fatalf("search blog shows %q", got)
	}
	p.search.SetText("5")
	e.act(func() { p.table.Select(widget.TableCellID{Row: 0, Col: 1}) })
	if f.domain.Text != "shop.test" || f.siteID.Text != "5" {
		t.Fatalf("picking filled %q / %q", f.domain.Text, f.siteID.Text)
	}
	e.tap(f.dlg.confirm)
	sites, _ := e.svc.Sites.FindSites(ctx)
	if len(sites) != 1 || sites[0].Domain != "shop.test" || sites[0].PlausibleID != 5 {
		t.Fatalf("stored sites %v", sites)
	}
	if e.ui.pages.Objects[0] != e.ui.siteView {
		t.Fatal("the site view is not shown after adding the site")
	}

	// Goals: one click on a suggested event and on a suggested page.
	e.act(func() { e.ui.ShowScreen(ScreenGoals) })
	e.tap(e.ui.goals.addEv)
	g := e.ui.goals.form.suggest
	if got := suggestionRows(g); got != "Signup 6 events | Purchase 2 events" {
		t.Fatalf("event suggestions %q, want custom events only, most sent first", got)
	}
	e.tap(suggestionButton(g, "Signup"))
	e.tap(e.ui.goals.addPage)
	g = e.ui.goals.form.suggest
	if got := suggestionRows(g); got != "/ 30 visitors | /pricing 12 visitors | /cart 5 visitors" {
		t.Fatalf("page suggestions %q", got)
	}
	e.tap(suggestionButton(g, "/pricing"))
	e.tap(e.ui.goals.addEv)
	if got := suggestionRows(e.ui.goals.form.suggest); got != "Purchase 2 events" {
		t.Fatalf("after adding Signup the suggestions are %q", got)
	}
	e.act(func() { e.ui.escape() })

	// A webhook for the picked goal.
	rc := newReceiver(t, 200, "")
	e.act(func() { e.ui.ShowScreen(ScreenWebhooks) })
	e.tap(e.ui.webhooks.add)
	w := e.ui.webhooks.form
	test.Type(w.url, rc.URL+"/hook")
	test.Tap(w.allowPrivate)
	w.goals.SetSelected([]string{"Signup"})
	e.tap(w.dlg.confirm)

	goals, _ := e.svc.Goals.FindGoals(ctx, core.GoalFilter{SiteID: sites[0].ID})
	var names []string
	for _, g := range goals {
		names = append(names, goalKindText(g.Kind)+" "+g.Name())
	}
	if got := strings.Join(names, ", "); got != "Event Signup, Page /pricing" {
		t.Fatalf("stored goals %q", got)
	}
	hooks := e.webhooks()
	if len(hooks) != 1 || hooks[0].URL != rc.URL+"/hook" || hooks[0].SiteID != sites[0].ID || strings.Join(hooks[0].Goals, ",") != "Signup" {
		t.Fatalf("stored webhooks %+v", hooks)
	}
}

// pickerRows is what the site picker's table shows: site_id, hostname and
// events of each row.
func pickerRows(p *sitePicker) string {
	rows, _ := p.table.Length()
	var out []string
	for r := range rows {
		out = append(out, cell(p.table, r, 0)+" "+cell(p.table, r, 1)+" "+cell(p.table, r, 2))
	}
	return strings.Join(out, " | ")
}

// suggestionRows is what the goal suggestions list shows.
func suggestionRows(g *goalSuggestions) string {
	var out []string
	for i := range g.list.Length() {
		o := g.list.CreateItem()
		g.list.UpdateItem(i, o)
		c := o.(*fyne.Container)
		out = append(out, c.Objects[0].(*widget.Label).Text+" "+c.Objects[1].(*fyne.Container).Objects[0].(*widget.Label).Text)
	}
	return strings.Join(out, " | ")
}

// suggestionButton is the Add button of the suggestion named name, as the
// list renders it.
func suggestionButton(g *goalSuggestions, name string) *widget.Button {
	for i := range g.list.Length() {
		o := g.list.CreateItem()
		g.list.UpdateItem(i, o)
		c := o.(*fyne.Container)
		if c.Objects[0].(*widget.Label).Text == name {
			return c.Objects[1].(*fyne.Container).Objects[1].(*widget.Button)
		}
	}
	return nil
}

// segmentsText is the text of rich-text segments, lists included.
func segmentsText(segs []widget.RichTextSegment) string {
	var b strings.Builder
	for _, s := range segs {
		switch x := s.(type) {
		case *widget.ListSegment:
			b.WriteString(segmentsText(x.Items))
		case *widget.ParagraphSegment:
			b.WriteString(segmentsText(x.Texts))
		default:
			b.WriteString(s.Textual())
		}
		b.WriteString("\n")
	}
	return b.String()
}

// The README's read-only-user steps and the window's help are one text.
func TestAccessStepsMatchREADME(t *testing.T) {
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	_, rest, ok := strings.Cut(readme, "<!-- access-steps")
	section, _, ok2 := strings.Cut(rest, "<!-- /access-steps -->")
	if !ok || !ok2 {
		t.Fatal("README.md lacks the <!-- access-steps --> section")
	}
	_, section, _ = strings.Cut(section, "-->\n")
	if section != accessSteps {
		t.Fatalf("README's access steps and ui/access.md differ:\nREADME:\n%s\nui/access.md:\n%s", section, accessSteps)
	}
}

func TestFirstRunStates(t *testing.T) {
	ctx := context.Background()

	t.Run("a poll that once reached ClickHouse skips the form", func(t *testing.T) {
		e := newEnv(t, withClickHouse)
		if !e.ui.first.showsConnect() {
			t.Fatal("no connect form before any poll")
		}
		st := core.PollStatus{LastPollAt: time.Now(), ClickHouseError: "refused", ClickHouseSince: time.Now(), ServerVersion: "18.16.1"}
		if err := e.svc.Triggers.SavePollStatus(ctx, st); err != nil {
			t.Fatal(err)
		}
		e.refresh()
		if e.ui.first.showsConnect() || !e.ui.first.noSite.Visible() {
			t.Fatal("the connect form stays after a poll reached ClickHouse")
		}
	})

	t.Run("without ClickHouse the site is typed by hand", func(t *testing.T) {
		e := newEnv(t, withClickHouse)
		e.tap(&testButton{e.ui.sites.onAdd})
		f := e.ui.sites.form
		if got := f.picker.status.Text; !strings.Contains(got, "Could not list the sites") || !strings.Contains(got, "cannot reach the server") || !f.picker.retry.Visible() {
			t.Fatalf("picker says %q", got)
		}
		test.Type(f.domain, "typed.example")
		test.Type(f.siteID, "0")
		e.enter(f.siteID)
		if got := f.fields.errorText("site_id"); !strings.Contains(got, "integer ≥ 1") || strings.Contains(got, "hookwatch site") {
			t.Fatalf("site_id error %q, want the rule without a terminal command", got)
		}
		f.siteID.SetText("42")
		e.enter(f.siteID)
		sites, _ := e.svc.Sites.FindSites(ctx)
		if len(sites) != 1 || sites[0].Domain != "typed.example" || sites[0].PlausibleID != 42 {
			t.Fatalf("stored sites %v", sites)
		}
	})

	t.Run("the screenshot screens show a tested connection and a picked site", func(t *testing.T) {
		srv, db := chtest.EventsDB(t)
		if err := srv.InsertEvents(db, firstRunEvents(time.Now().UTC())); err != nil {
			t.Fatal(err)
		}
		e := newEnv(t, withClickHouse)
		if err := e.svc.Settings.SetSetting(ctx, core.SettingClickHouseDSN, srv.DSN(db)); err != nil {
			t.Fatal(err)
		}
		e.site("blog.test", 9)
		e.refresh()
		e.act(func() { e.ui.ShowScreen(ScreenConnect) })
		if !e.ui.first.showsConnect() || !strings.HasPrefix(e.ui.first.connect.result.Text, "✓ Connected") {
			t.Fatalf("connect screen shows %q", e.ui.first.connect.result.Text)
		}
		e.act(func() { e.ui.ShowScreen(ScreenAddSite) })
		f := e.ui.sites.form
		if f.domain.Text != "shop.test" || f.siteID.Text != "5" || cell(f.picker.table, 1, 4) != "blog.test" {
			t.Fatalf("add-site screen filled %q / %q", f.domain.Text, f.siteID.Text)
		}
		e.act(func() { e.ui.ShowScreen(ScreenWebhooks) })
		if e.dialogOpen() || e.ui.first.showsConnect() || e.ui.pages.Objects[0] != e.ui.siteView {
			t.Fatal("the webhooks screen left the dialog or the connect form up")
		}
	})
}
