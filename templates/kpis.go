package templates

import (
	"encoding/json"
	"time"
)

// The stages a run is in besides the template's own: its intake's triage
// before them, the tracking of its KPIs and its retrospective after them. A
// run's record names its stage by key, so no stage of a template takes these.
var runStages = []string{"triage", "tracking", "retrospective"}

// TargetOf is the KPI's target in a run with intake values: its value, or
// the number the intake gives in its target field. False when the intake
// gives none, which a validated template (the field is a required number or
// money field) and a checked intake never do.
func (k KPI) TargetOf(intake map[string]any) (float64, bool) {
	if k.Target.Value != nil {
		return *k.Target.Value, true
	}
	switch n := lookupPath(intake, k.Target.Field).(type) {
	case float64:
		return n, true
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	}
	return 0, false
}

// Window is when the KPI is tracked in a run that started at start, with
// intake values: from the start or the intake's date, for the tracking's
// amount of time. False when the intake gives no such date, which a validated
// template and a checked intake never do.
func (k KPI) Window(start time.Time, intake map[string]any) (from, until time.Time, ok bool) {
	from = start.UTC()
	if k.Tracking.From != AnchorStart {
		if from, ok = DateOf(intake, k.Tracking.From); !ok {
			return time.Time{}, time.Time{}, false
		}
	}
	return from, k.Tracking.For.From(from, false), true
}
