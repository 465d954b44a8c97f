package core

import (
	"math"
	"strings"
)

// RuleKind is how a traffic alert decides: against a fixed number, or
// against what is normal for the site at this hour of the week.
type RuleKind string

// Rule kinds, as `webhook list --json` prints them in spike_rule and
// drop_rule.
const (
	RuleThreshold RuleKind = "threshold"
	RuleAnomaly   RuleKind = "anomaly"
)

// Sensitivity sets how far from normal an anomaly rule's band reaches: a
// more sensitive rule has a narrower band and fires more often.
type Sensitivity string

// Sensitivities of an anomaly rule.
const (
	SensitivityLow    Sensitivity = "low"
	SensitivityMedium Sensitivity = "medium"
	SensitivityHigh   Sensitivity = "high"
)

// Sensitivities lists every sensitivity, least sensitive first, for
// pickers and messages.
var Sensitivities = []Sensitivity{SensitivityLow, SensitivityMedium, SensitivityHigh}

// The anomaly rules' defaults and ranges; the CLI and the window read them
// from here.
const (
	DefaultSensitivity = SensitivityMedium
	// DefaultMinVisitors is the least current visitors a spike needs: a
	// night that normally has 1 visitor must not page anyone over 4.
	DefaultMinVisitors = 10
	MaxMinVisitors     = 1_000_000

	DefaultBaselineWeeks = 4
	MinBaselineWeeks     = 2
	MaxBaselineWeeks     = 8

	// LearningDays is the history a site needs before its anomaly rules
	// send anything: two weeks give each hour of the week two samples.
	LearningDays = 14
	// Confirmations is how many consecutive evaluations an anomaly must
	// hold on before it fires, so that one noisy reading cannot.
	Confirmations = 2
	// DropFloor is the least normal 60-minute count at which a drop is
	// watched at all, whatever min_visitors says: below it a quiet hour
	// would alert on noise.
	DropFloor = 30
	// madScale makes the median absolute deviation estimate the standard
	// deviation of normally distributed counts.
	madScale = 1.4826
)

// K returns how many spreads lie between normal and the band's edges: 5,
// 4 and 3 for low, medium and high. An unknown sensitivity counts as the
// default.
func (s Sensitivity) K() float64 {
	switch s {
	case SensitivityLow:
		return 5
	case SensitivityHigh:
		return 3
	}
	return 4
}

// ParseSensitivity parses low, medium or high; "" is the default.
func ParseSensitivity(s string) (Sensitivity, error) {
	v := Sensitivity(strings.ToLower(strings.TrimSpace(s)))
	if v == "" {
		return DefaultSensitivity, nil
	}
	for _, ok := range Sensitivities {
		if v == ok {
			return v, nil
		}
	}
	return "", FieldErrorf("sensitivity", "unknown sensitivity %q (choose from low, medium, high)", s)
}

// Band is what is normal for one metric in one slot: the median of the
// samples and their spread.
type Band struct {
	Expected float64 `json:"expected"`
	Spread   float64 `json:"spread"`
}

// NewBand returns the band of samples with median expected and median
// absolute deviation mad: spread = max(1.4826 × MAD, √max(expected, 1)).
// The floor is the noise of a Poisson count, so that a slot whose weeks
// were all alike (MAD 0) still tolerates ordinary chance.
func NewBand(expected, mad float64) Band {
	return Band{Expected: expected, Spread: max(madScale*mad, math.Sqrt(max(expected, 1)))}
}

// Upper is expected + k × spread.
func (b Band) Upper(s Sensitivity) float64 { return b.Expected + s.K()*b.Spread }

// Lower is expected − k × spread; it may be negative, and then nothing is
// below it.
func (b Band) Lower(s Sensitivity) float64 { return b.Expected - s.K()*b.Spread }

// IsSpike reports whether current visitors are a spike: above the band and
// at least minVisitors.
func (b Band) IsSpike(current uint64, s Sensitivity, minVisitors int) bool {
	return float64(current) > b.Upper(s) && current >= uint64(max(minVisitors, 0))
}

// DropEligible reports whether the slot is busy enough to watch for drops:
// expected ≥ max(3 × minVisitors, DropFloor).
func (b Band) DropEligible(minVisitors int) bool {
	return b.Expected >= float64(max(3*minVisitors, DropFloor))
}

// IsDrop reports whether a rolling 60-minute count is below the band.
// The caller checks DropEligible first.
func (b Band) IsDrop(rolling uint64, s Sensitivity) bool {
	return float64(rolling) < b.Lower(s)
}

// SpikeThresholdOf is the least current visitors that fire: the integer
// form of "above upper and at least minVisitors", reported as a spike's
// threshold so that anomaly and fixed spikes read alike.
func (b Band) SpikeThresholdOf(s Sensitivity, minVisitors int) int {
	return max(int(math.Floor(b.Upper(s)))+1, minVisitors, 0)
}

// DropThresholdOf is the count under which a drop fires: the integer form
// of "below lower", reported as a drop's threshold.
func (b Band) DropThresholdOf(s Sensitivity) int {
	return max(int(math.Ceil(b.Lower(s))), 0)
}
