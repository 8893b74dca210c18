package web

import (
	"cmp"
	"fmt"
	"math"
	"strings"

	"github.com/tandemhq/tandem/domain"
)

// kpiChart is a campaign's KPI report drawn as an inline SVG bar chart: per KPI a
// target bar and an actual bar, each KPI on its own scale (their units differ).
// The template draws it with role="img", a <title> and a <desc> that says in
// words what the bars show, and a data table beside it holds the same numbers.
type kpiChart struct {
	Width, Height int
	Title, Desc   string
	Rows          []kpiBar
	Results       []kpiResultView // the rows of the data table
}

// kpiBar is one KPI's row of the chart, in SVG user units. Its values are
// written at the right edge, so they never run off the chart.
type kpiBar struct {
	Name             string
	NameY            int
	TargetY, ActualY int
	BarX, BarH       int
	ValueX           int // the right edge the values end at
	TargetW, ActualW float64
	TargetText       string
	ActualText       string
	HasActual        bool
	Class            string // of the actual bar: "bar-ok", "bar-miss"
}

// kpiResultView is one KPI of the report in words.
type kpiResultView struct {
	domain.KPIResult
	TargetText, ActualText string
	Result                 string // "on target", "missed by 15%", "no actual yet"
	Class                  string // "ok", "miss" or ""
}

// Geometry of the chart, in SVG user units. The SVG scales to the width of its
// box; 320 units across keep its 14-unit text readable on a phone.
const (
	chartWidth  = 320
	chartLabelW = 56  // room for "Target" and "Actual" before the bars
	chartValueW = 112 // room for a value after the longest bar
	chartBarH   = 14
	chartRowH   = 68
	chartPadTop = 2
)

func newKPIChart(results []domain.KPIResult) kpiChart {
	c := kpiChart{Width: chartWidth, Height: chartPadTop + chartRowH*len(results), Title: "KPI report: target and actual per KPI"}
	maxBar := float64(chartWidth - chartLabelW - chartValueW)
	var desc []string
	for i, r := range results {
		rv := kpiResultView{KPIResult: r, TargetText: kpiValue(r.Target, r.Unit), Result: "no actual yet"}
		top := chartPadTop + i*chartRowH
		b := kpiBar{
			Name:  fmt.Sprintf("%s (%s is better)", r.Name, cmp.Or(r.Direction, domain.Higher)),
			NameY: top + 14, TargetY: top + 22, ActualY: top + 22 + chartBarH + 6,
			BarX: chartLabelW, BarH: chartBarH, ValueX: chartWidth,
			TargetText: kpiValue(r.Target, r.Unit),
		}
		scale := math.Abs(r.Target)
		if r.Actual != nil {
			scale = math.Max(scale, math.Abs(*r.Actual))
		}
		width := func(v float64) float64 {
			if scale == 0 || math.IsNaN(v) || math.IsInf(v, 0) {
				return 0
			}
			return math.Round(math.Abs(v)/scale*maxBar*10) / 10
		}
		b.TargetW = width(r.Target)
		if r.Actual != nil {
			b.HasActual = true
			rv.ActualText = kpiValue(*r.Actual, r.Unit)
			b.ActualText = rv.ActualText
			b.ActualW = width(*r.Actual)
			switch {
			case r.Attained != nil && *r.Attained:
				b.Class, rv.Class, rv.Result = "bar-ok", "ok", "on target"
			default:
				b.Class, rv.Class = "bar-miss", "miss"
				rv.Result = fmt.Sprintf("missed by %s%%", kpiNum(math.Round(r.Miss*1000)/10))
				if r.OffMark {
					rv.Result += ", off the mark"
				}
			}
		} else {
			b.ActualText = "no actual yet"
		}
		c.Rows = append(c.Rows, b)
		c.Results = append(c.Results, rv)
		if r.Actual != nil {
			desc = append(desc, fmt.Sprintf("%s: target %s, actual %s, %s.", r.Name, rv.TargetText, rv.ActualText, rv.Result))
		} else {
			desc = append(desc, fmt.Sprintf("%s: target %s, no actual recorded yet.", r.Name, rv.TargetText))
		}
	}
	c.Desc = strings.Join(desc, " ")
	return c
}

// kpiNum prints a number as people write it: no trailing zeros, no exponent.
func kpiNum(v float64) string { return number(v) }

func kpiValue(v float64, unit string) string {
	if unit == "" {
		return kpiNum(v)
	}
	if unit == "%" {
		return kpiNum(v) + "%"
	}
	return kpiNum(v) + " " + unit
}

// barChart is a list of amounts drawn as horizontal bars on one scale: the
// report's counts and times. Each row's label sits above its bar and its value
// at the right edge, so the chart reads at a phone's width. The template draws
// it with role="img", a <title> and a <desc> that says every value in words,
// and the page holds the same rows as a table.
type barChart struct {
	ID            string // for the ids of its title and description
	Width, Height int
	Title, Desc   string
	Rows          []barRow
	Total         float64 // of the rows' values: nothing to draw when 0
}

// barRow is one row of a barChart, in SVG user units.
type barRow struct {
	Label, Text  string // what it counts, and its value as people write it
	LabelY, BarY int
	BarH, ValueX int
	W            float64
	Class        string // the bar's colour: "bar-count", "bar-overdue", "sev-high", …
	Value        float64
}

// barDatum is one row to draw: a label, the amount, how to write it, its colour.
type barDatum struct {
	Label string
	Value float64
	Text  string
	Class string
}

// Geometry of a bar chart's rows, in SVG user units.
const (
	barRowH   = 40
	barValueW = 128 // room for the value after the longest bar: "under a minute"
)

// newBarChart lays out rows on one scale, the largest value the full length.
func newBarChart(id, title string, rows []barDatum) barChart {
	c := barChart{ID: id, Width: chartWidth, Height: chartPadTop + barRowH*len(rows), Title: title}
	most := 0.0
	for _, r := range rows {
		most = math.Max(most, r.Value)
		c.Total += r.Value
	}
	maxBar := float64(chartWidth - barValueW)
	var desc []string
	for i, r := range rows {
		top := chartPadTop + i*barRowH
		b := barRow{Label: r.Label, Text: r.Text, Value: r.Value, LabelY: top + 14, BarY: top + 20, BarH: chartBarH,
			ValueX: chartWidth, Class: cmp.Or(r.Class, "bar-count")}
		if most > 0 && r.Value > 0 {
			// A bar too short to see is drawn a sliver long: it is not zero.
			b.W = math.Max(1, math.Round(r.Value/most*maxBar*10)/10)
		}
		c.Rows = append(c.Rows, b)
		desc = append(desc, r.Label+": "+r.Text+".")
	}
	c.Desc = strings.Join(desc, " ")
	if len(rows) == 0 {
		c.Desc = "Nothing to show."
	}
	return c
}
