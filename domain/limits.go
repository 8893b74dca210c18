package domain

import (
	"encoding/json"
	"fmt"
	"unicode/utf8"
)

// Caps on what one request may carry into a process. Everything a person types
// reaches a workflow's input or an update, so it is kept in Temporal's history and
// in the live detail the workflow answers. Temporal refuses a payload over its blob
// limit (2 MiB by default), and JSON decoders refuse nesting past 10,000 levels:
// one request over either once broke a process's detail for good. The API checks
// these caps before it calls Temporal, and the workflows' update validators check
// them again, so a command sent to Temporal directly meets the same wall.
//
// Text is counted in characters (Unicode code points), as people count it; a
// character takes at most 4 bytes in UTF-8 and 6 once JSON escapes it.
const (
	// MaxNameChars caps names and titles.
	MaxNameChars = 200
	// MaxCommentChars caps comments and reasons.
	MaxCommentChars = 2000
	// MaxDescriptionChars caps descriptions, objectives, audiences and plans.
	MaxDescriptionChars = 5000
	// MaxKPIs caps the KPIs of a brief, and so the actuals of one recording,
	// which names each KPI once.
	MaxKPIs = 20
	// MaxKPINameChars and MaxKPIUnitChars cap a KPI's name and unit, as the
	// board's form does.
	MaxKPINameChars = 100
	MaxKPIUnitChars = 30
	// MaxKPIActual bounds the size of a template run's KPI actual, either way:
	// a count, an amount or a rate, never more than a quadrillion.
	MaxKPIActual = 1e15
	// MaxLevelChars and MaxJustificationChars cap a hiring request's level and
	// justification.
	MaxLevelChars         = 50
	MaxJustificationChars = 4000

	// MaxDataBytes caps a task's data, encoded as JSON the way Temporal's data
	// converter encodes it. The largest structured answer a built-in task takes, a
	// revised brief or a risk response with a 5,000-character plan, fits.
	MaxDataBytes = 16 << 10
	// MaxDataDepth caps the nesting of a task's data: the data object itself is
	// level 1, each object or array inside it one more. A revised brief's KPIs
	// (data.brief.kpis[i]) sit at level 4.
	MaxDataDepth = 8
	// MaxDataKeys caps the keys of each object inside a task's data.
	MaxDataKeys = 64
	// MaxDataValues caps the values in a task's data, counted at every level:
	// each member of an object and each item of an array.
	MaxDataValues = 256
)

// CheckText adds a problem with field when v is longer than max characters.
func CheckText(p *Problems, field, v string, max int) {
	if utf8.RuneCountInString(v) > max {
		p.Add(field, "at most %d characters", max)
	}
}

// CheckRequiredText adds a problem with field when v is blank or longer than
// max characters.
func CheckRequiredText(p *Problems, field, v string, max int) {
	if RequireText(p, field, v) {
		CheckText(p, field, v, max)
	}
}

// CheckCount adds a problem with field when a list holds more than max items.
func CheckCount(p *Problems, field string, n, max int) {
	if n > max {
		p.Add(field, "at most %d items", max)
	}
}

// CheckData adds a problem with field when a task's data breaks a cap.
func CheckData(p *Problems, field string, data map[string]any) {
	if problem := DataProblem(data); problem != "" {
		p.Add(field, "%s", problem)
	}
}

// DataProblem says which cap a task's data breaks, or "" when it fits. Nesting,
// keys and values are counted first, in one walk that never goes deeper than one
// level past the cap, so a hostile value is refused before it is ever encoded
// (Go's encoder recurses without a limit); only data that passes is encoded to
// measure its size. Data arrives decoded from JSON: objects are map[string]any,
// arrays []any.
func DataProblem(data map[string]any) string {
	if data == nil {
		return ""
	}
	var s dataShape
	s.walk(data, 1)
	switch {
	case s.tooDeep:
		return fmt.Sprintf("nested deeper than %d levels", MaxDataDepth)
	case s.tooManyKeys:
		return fmt.Sprintf("an object in it holds more than %d keys", MaxDataKeys)
	case s.values > MaxDataValues:
		return fmt.Sprintf("holds more than %d values in all", MaxDataValues)
	}
	b, err := json.Marshal(data)
	if err != nil {
		return "must be plain JSON" // only Go callers can build such data, never a decoder
	}
	if len(b) > MaxDataBytes {
		return fmt.Sprintf("larger than %d bytes as JSON (%d)", MaxDataBytes, len(b))
	}
	return ""
}

// dataShape is what one walk over a task's data found.
type dataShape struct {
	values      int
	tooDeep     bool
	tooManyKeys bool
}

// walk counts v, an object or array at the given level, and what it holds. It
// never goes past the first level over the cap, and it visits every value above
// that, so what it finds does not depend on the order Go iterates a map in.
func (s *dataShape) walk(v any, level int) {
	if level > MaxDataDepth {
		s.tooDeep = true
		return
	}
	switch v := v.(type) {
	case map[string]any:
		if len(v) > MaxDataKeys {
			s.tooManyKeys = true
		}
		s.values += len(v)
		// Workflows call this (a task's completion): the walk only counts
		// and sets flags, so the order the map yields its values in cannot
		// change the result.
		//workflowcheck:ignore
		for _, item := range v {
			s.child(item, level)
		}
	case []any:
		s.values += len(v)
		for _, item := range v {
			s.child(item, level)
		}
	}
}

// child walks a member of a container at level, when it is a container itself.
func (s *dataShape) child(v any, level int) {
	switch v.(type) {
	case map[string]any, []any:
		s.walk(v, level+1)
	}
}

// CheckLimits adds the caps a completion breaks: its comment's length and its
// data's shape and size.
func (c Completion) CheckLimits(p *Problems) {
	CheckText(p, "comment", c.Comment, MaxCommentChars)
	CheckData(p, "data", c.Data)
	if c.ActualHours != nil {
		CheckTaskHours(p, "actual_hours", *c.ActualHours)
	}
}

// CheckLimits adds the caps a brief breaks beyond its name's, which Validate
// checks, each field named as in the request. Validate leaves them out:
// workflows re-run it on revisions already in their histories, which a tighter
// rule must never refuse on replay.
func (b Brief) CheckLimits(p *Problems) {
	CheckText(p, "objective", b.Objective, MaxDescriptionChars)
	CheckText(p, "audience", b.Audience, MaxDescriptionChars)
	CheckCount(p, "channels", len(b.Channels), len(Channels))
	CheckCount(p, "kpis", len(b.KPIs), MaxKPIs)
	for i, k := range b.KPIs {
		f := "kpis[" + itoa(i) + "]"
		CheckText(p, f+".name", k.Name, MaxKPINameChars)
		CheckText(p, f+".unit", k.Unit, MaxKPIUnitChars)
	}
}

// CheckLimits adds the caps a change request breaks. Change.Apply leaves them
// out for the reason Brief.CheckLimits gives.
func (c Change) CheckLimits(p *Problems) {
	CheckText(p, "reason", c.Reason, MaxCommentChars)
	CheckCount(p, "add_channels", len(c.AddChannels), len(Channels))
	CheckCount(p, "remove_channels", len(c.RemoveChannels), len(Channels))
}

// CheckActualsLimits adds the caps one recording of KPI actuals breaks.
func CheckActualsLimits(p *Problems, actuals []KPIActual) {
	CheckCount(p, "actuals", len(actuals), MaxKPIs)
	for i, a := range actuals {
		CheckText(p, "actuals["+itoa(i)+"].name", a.Name, MaxKPINameChars)
	}
}
