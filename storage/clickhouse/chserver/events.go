package chserver

import (
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// EventsTableSQL creates Plausible CE's events_v2 (schema of 2025-09, last
// CE migration 20250912094034) in database %s, as close as ClickHouse 18.16
// allows: the same columns, types, primary key, sorting key, partitioning
// and SAMPLE BY, with the LowCardinality(String) columns the suite must
// decode as users' servers return them. It must run with
// allow_experimental_low_cardinality_type=1 (CreateEventsTable passes it).
// What 18.16 cannot take is left out or simplified:
//   - no CODEC on any column;
//   - no minmax index on batch (18.16 has no INDEX clause);
//   - acquisition_channel is MATERIALIZED as the empty string, not Plausible's
//     expression over dictionaries, and the ALIAS columns that call
//     dictGet (country_name, region_name, city_name) are left out;
//   - meta is declared as Nested(key, value), which 18.16 stores as the
//     same two Array(String) columns meta.key and meta.value.
const EventsTableSQL = `CREATE TABLE %s.events_v2 (
    timestamp DateTime,
    name LowCardinality(String),
    site_id UInt64,
    user_id UInt64,
    session_id UInt64,
    hostname String,
    pathname String,
    referrer String,
    referrer_source String,
    country_code FixedString(2),
    screen_size LowCardinality(String),
    operating_system LowCardinality(String),
    browser LowCardinality(String),
    utm_medium String,
    utm_source String,
    utm_campaign String,
    meta Nested(key String, value String),
    browser_version LowCardinality(String),
    operating_system_version LowCardinality(String),
    subdivision1_code LowCardinality(String),
    subdivision2_code LowCardinality(String),
    city_geoname_id UInt32,
    utm_content String,
    utm_term String,
    revenue_reporting_amount Nullable(Decimal(18, 3)),
    revenue_reporting_currency FixedString(3),
    revenue_source_amount Nullable(Decimal(18, 3)),
    revenue_source_currency FixedString(3),
    city UInt32 ALIAS city_geoname_id,
    country LowCardinality(FixedString(2)) ALIAS country_code,
    device LowCardinality(String) ALIAS screen_size,
    os LowCardinality(String) ALIAS operating_system,
    os_version LowCardinality(String) ALIAS operating_system_version,
    region LowCardinality(String) ALIAS subdivision1_code,
    screen LowCardinality(String) ALIAS screen_size,
    source String ALIAS referrer_source,
    channel LowCardinality(String),
    click_id_param LowCardinality(String),
    scroll_depth UInt8,
    acquisition_channel LowCardinality(String) MATERIALIZED '',
    engagement_time UInt32,
    batch UInt64
) ENGINE = MergeTree
PARTITION BY toYYYYMM(timestamp)
PRIMARY KEY (site_id, toDate(timestamp), name, user_id)
ORDER BY (site_id, toDate(timestamp), name, user_id, timestamp)
SAMPLE BY user_id
SETTINGS index_granularity = 8192`

// lowCardinality is the setting 18.16 needs to create LowCardinality
// columns, passed as a URL parameter of the HTTP interface.
var lowCardinality = url.Values{"allow_experimental_low_cardinality_type": {"1"}}

// CreateDatabase creates database name if it does not exist.
func (s *Server) CreateDatabase(name string) error {
	return s.Exec("CREATE DATABASE IF NOT EXISTS " + name)
}

// CreateEventsTable creates db.events_v2 (see EventsTableSQL).
func (s *Server) CreateEventsTable(db string) error {
	_, err := s.send(lowCardinality, strings.NewReader(fmt.Sprintf(EventsTableSQL, db)))
	return err
}

// Event is one row of events_v2. Timestamp is stored to the second, in
// UTC; MetaKey and MetaValue must have the same length.
type Event struct {
	Timestamp       time.Time `json:"-"`
	Name            string    `json:"name"`
	SiteID          uint64    `json:"site_id"`
	UserID          uint64    `json:"user_id"`
	SessionID       uint64    `json:"session_id"`
	Hostname        string    `json:"hostname"`
	Pathname        string    `json:"pathname"`
	Referrer        string    `json:"referrer"`
	ReferrerSource  string    `json:"referrer_source"`
	CountryCode     string    `json:"country_code"`
	ScreenSize      string    `json:"screen_size"`
	OperatingSystem string    `json:"operating_system"`
	Browser         string    `json:"browser"`
	UTMMedium       string    `json:"utm_medium"`
	UTMSource       string    `json:"utm_source"`
	UTMCampaign     string    `json:"utm_campaign"`
	UTMContent      string    `json:"utm_content"`
	UTMTerm         string    `json:"utm_term"`
	MetaKey         []string  `json:"-"`
	MetaValue       []string  `json:"-"`

	BrowserVersion         string `json:"browser_version"`
	OperatingSystemVersion string `json:"operating_system_version"`
	Subdivision1Code       string `json:"subdivision1_code"`
	Subdivision2Code       string `json:"subdivision2_code"`
	CityGeonameID          uint32 `json:"city_geoname_id"`
	Channel                string `json:"channel"`
	ClickIDParam           string `json:"click_id_param"`
	// ScrollDepth and EngagementTime (ms) are set on engagement events.
	ScrollDepth    uint8  `json:"scroll_depth"`
	EngagementTime uint32 `json:"engagement_time"`
	// Batch is the ingest batch, as Plausible stamps it on every row.
	Batch uint64 `json:"batch"`
}

// row is Event as a JSONEachRow line.
type row struct {
	Timestamp string `json:"timestamp"`
	*Event
	MetaKey   []string `json:"meta.key"`
	MetaValue []string `json:"meta.value"`
}

// insertChunk bounds one INSERT, so that a failure names a bounded batch
// and the server never buffers more than one chunk's blocks.
const insertChunk = 1_000_000

// InsertEvents inserts evs into db.events_v2 through the HTTP interface
// (JSONEachRow), streaming the body so that millions of rows need no
// buffer. The server's timezone must be UTC, as it is for Start.
func (s *Server) InsertEvents(db string, evs []Event) error {
	for len(evs) > 0 {
		n := min(len(evs), insertChunk)
		if err := s.insert(db, evs[:n]); err != nil {
			return err
		}
		evs = evs[n:]
	}
	return nil
}

func (s *Server) insert(db string, evs []Event) error {
	pr, pw := io.Pipe()
	go func() {
		enc := json.NewEncoder(pw)
		for i := range evs {
			e := &evs[i]
			r := row{Timestamp: e.Timestamp.UTC().Format(time.DateTime), Event: e, MetaKey: e.MetaKey, MetaValue: e.MetaValue}
			if r.MetaKey == nil {
				r.MetaKey = []string{}
			}
			if r.MetaValue == nil {
				r.MetaValue = []string{}
			}
			if err := enc.Encode(r); err != nil {
				pw.CloseWithError(err)
				return
			}
		}
		pw.Close()
	}()
	_, err := s.post("INSERT INTO "+db+".events_v2 FORMAT JSONEachRow", pr)
	pr.Close()
	return err
}

// Synthetic data, as SeedSynthetic writes it. Each event's name, path and
// source follow from its row number, so that the benchmark knows what
// goals and sources exist.
var (
	SyntheticEventGoals = []string{"Signup", "Purchase"}
	SyntheticPages      = []string{"/", "/pricing", "/blog/a", "/blog/b", "/docs/install", "/thank-you", "/checkout/done"}
	SyntheticSources    = []string{"", "Google", "Twitter", "Hacker News", "DuckDuckGo", "GitHub"}
)

// SeedSynthetic inserts events rows into db.events_v2 with one INSERT ...
// SELECT FROM numbers(), generated by the server: fast enough to seed
// millions of rows for a benchmark. Rows spread over site_ids 1..sites
// and over [now() - span, now()]; about 10% are custom events named
// after SyntheticEventGoals, 10% engagement (with a scroll depth and an
// engagement time, as Plausible records them), the rest pageviews of
// SyntheticPages; each row's user is one of events/4 users.
func (s *Server) SeedSynthetic(db string, sites, events int, span time.Duration) error {
	return s.SeedSyntheticBefore(db, sites, events, span, 0)
}

// SeedSyntheticBefore is SeedSynthetic with the rows spread over
// [now() - ago - span, now() - ago] instead: history that ends before the
// last minutes, which the caller can then insert in parts of their own, as
// a live server holds them.
func (s *Server) SeedSyntheticBefore(db string, sites, events int, span, ago time.Duration) error {
	if sites < 1 || events < 1 || span < time.Second || ago < 0 {
		return fmt.Errorf("SeedSynthetic: need sites ≥ 1, events ≥ 1, span ≥ 1s and ago ≥ 0")
	}
	users := max(events/4, 1)
	// Rows are numbered n from 0 and made from n alone, so the seed can go
	// in chunks, each its own INSERT within the HTTP client's timeout; one
	// statement of tens of millions of rows also took the server far longer
	// than its chunks, on a busy machine.
	q := fmt.Sprintf(`INSERT INTO %[1]s.events_v2 (timestamp, name, site_id, user_id, session_id, hostname, pathname, referrer_source,
    screen_size, browser, scroll_depth, engagement_time, batch)
SELECT
    now() - %[11]d - toUInt32(intHash64(n) %% %[4]d) AS timestamp,
    multiIf(n %% 20 = 0, %[5]s, n %% 20 = 1, %[6]s, n %% 10 = 2, 'engagement', 'pageview') AS name,
    toUInt64(1 + intHash32(n) %% %[2]d) AS site_id,
    intHash64(n %% %[3]d) AS user_id,
    intHash64(n %% %[3]d + 1) AS session_id,
    concat('site', toString(site_id), '.example.com') AS hostname,
    arrayElement(%[7]s, n %% %[8]d + 1) AS pathname,
    arrayElement(%[9]s, intDiv(n, 7) %% %[10]d + 1) AS referrer_source,
    arrayElement(['Desktop', 'Mobile', 'Tablet'], n %% 3 + 1) AS screen_size,
    arrayElement(['Chrome', 'Firefox', 'Safari'], intDiv(n, 3) %% 3 + 1) AS browser,
    toUInt8(if(name = 'engagement', n %% 101, 0)) AS scroll_depth,
    toUInt32(if(name = 'engagement', 1000 + n %% 60000, 0)) AS engagement_time,
    toUInt64(intDiv(n, 1000)) AS batch
FROM (SELECT number + {from} AS n FROM numbers({count}))`,
		db, sites, users, int64(span/time.Second),
		quote(SyntheticEventGoals[0]), quote(SyntheticEventGoals[1]),
		array(SyntheticPages), len(SyntheticPages),
		array(SyntheticSources), len(SyntheticSources),
		int64(ago/time.Second),
	)
	for from := 0; from < events; from += seedChunk {
		chunk := strings.NewReplacer("{from}", strconv.Itoa(from), "{count}", strconv.Itoa(min(seedChunk, events-from))).Replace(q)
		if err := s.Exec(chunk); err != nil {
			return err
		}
	}
	return nil
}

// seedChunk bounds the rows of one INSERT of SeedSynthetic.
const seedChunk = 2_000_000

func quote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

func array(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = quote(s)
	}
	return "[" + strings.Join(q, ", ") + "]"
}
