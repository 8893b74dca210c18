package web

import (
	"cmp"
	"fmt"
	"math"
	"strconv"
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
func kpiNum(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

func kpiValue(v float64, unit string) string {
	if unit == "" {
		return kpiNum(v)
	}
	if unit == "%" {
		return kpiNum(v) + "%"
	}
	return kpiNum(v) + " " + unit
}
