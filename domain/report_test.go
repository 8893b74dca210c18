package domain

import (
	"encoding/json"
	"errors"
	"testing"
	"time"
)

func TestReportWindowCheck(t *testing.T) {
	from := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name  string
		to    time.Time
		field string // "" when the window is fine
	}{
		{"a day", from.Add(24 * time.Hour), ""},
		{"exactly 366 days", from.Add(MaxReportWindow), ""},
		{"a second over 366 days", from.Add(MaxReportWindow + time.Second), "to"},
		{"empty", from, "from"},
		{"reversed", from.Add(-time.Hour), "from"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := ReportWindow{From: from, To: tc.to}.Check()
			if tc.field == "" {
				if err != nil {
					t.Fatalf("Check = %v, want nil", err)
				}
				return
			}
			var ve *ValidationError
			if !errors.As(err, &ve) || len(ve.Problems) != 1 || ve.Problems[0].Field != tc.field {
				t.Fatalf("Check = %v, want one problem with %s", err, tc.field)
			}
		})
	}
}

func TestRates(t *testing.T) {
	s := NewSLABreaches(8, 2, 2)
	if s.Measured != 10 || s.Breached != 4 || s.Rate != 0.4 {
		t.Errorf("SLA = %+v, want measured 10, breached 4, rate 0.4", s)
	}
	if z := NewSLABreaches(0, 0, 0); z.Rate != 0 {
		t.Errorf("empty SLA rate = %v, want 0", z.Rate)
	}
	k := NewKPIAttainment([]CampaignKPIs{{ID: "a", Attained: 1, Total: 2}, {ID: "b", Attained: 2, Total: 2}}, nil)
	if k.Attained != 3 || k.Total != 4 || k.Rate != 0.75 {
		t.Errorf("KPIs = %+v, want 3 of 4", k)
	}
	// A template run's met KPIs are attained; its missed and unmeasured ones not.
	k = NewKPIAttainment([]CampaignKPIs{{ID: "a", Attained: 1, Total: 2}}, []TemplateRunKPIs{{ID: "r", Met: 2, Missed: 1, Unmeasured: 1, Total: 4}})
	if k.Attained != 3 || k.Total != 6 || k.Rate != 0.5 {
		t.Errorf("KPIs with a template run = %+v, want 3 of 6", k)
	}
	// No campaigns: an empty list and a zero rate, both valid JSON.
	b, err := json.Marshal(NewKPIAttainment(nil, nil))
	if err != nil || string(b) != `{"campaigns":[],"template_runs":[],"attained":0,"total":0,"rate":0}` {
		t.Errorf("empty attainment = %s, %v", b, err)
	}
}

func TestCycleTimeJSON(t *testing.T) {
	b, err := json.Marshal(CycleTime{Process: ProcessHiring, Key: "finance", Count: 3, Median: Duration(90 * time.Minute), P90: Duration(48 * time.Hour)})
	if err != nil || string(b) != `{"process":"hiring","key":"finance","count":3,"median":"1h30m","p90":"48h"}` {
		t.Errorf("JSON = %s, %v", b, err)
	}
	// A template's step names its template, flat beside the process.
	b, err = json.Marshal(CycleTime{Process: ProcessTemplate, TemplateOf: TemplateOf{Template: "webinar", TemplateName: "Webinar"}, Key: "agenda_review", Count: 1})
	if err != nil || string(b) != `{"process":"template","template":"webinar","template_name":"Webinar","key":"agenda_review","count":1,"median":"0s","p90":"0s"}` {
		t.Errorf("JSON = %s, %v", b, err)
	}
}
