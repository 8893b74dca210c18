package workflows_test

import (
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/contract"
	"github.com/tandemhq/tandem/domain"
	"github.com/tandemhq/tandem/templates"
	"github.com/tandemhq/tandem/workflows/template"
)

// The KPIs of a template run: tracked after its last stage until each one's
// window ends, actuals recorded by the record-kpis update, each KPI's result
// in the record and the timeline; then the retrospective when the template
// asks for one.

// actuals is a recording of KPI actuals by a, named by the KPIs' keys.
func actuals(a domain.Actor, kv ...any) contract.RecordKPIsInput {
	in := contract.RecordKPIsInput{Actor: a}
	for i := 0; i+1 < len(kv); i += 2 {
		in.Actuals = append(in.Actuals, domain.KPIActual{Name: kv[i].(string), Value: kv[i+1].(float64)})
	}
	return in
}

// The webinar's one KPI, registrations, is tracked for 8 weeks from the start:
// until Monday 26 April 2027, 09:00.
var webinarTrackedUntil = t0.Add(8 * 7 * day)

func TestTemplateKPIMet(t *testing.T) {
	h := newTemplateHarness(t)
	h.drive()
	h.at(time.Hour, func() {
		h.refused("an actual during triage", domain.CodeConflict, contract.UpdateRecordKPIs, actuals(pat, "registrations", 10.0))
	})
	h.at(10*day, func() {
		if d := h.detail(); d.Stage != domain.StageTracking || len(d.KPIs) != 1 || d.KPIs[0].Target != 300 || d.KPIs[0].Result != "" {
			t.Errorf("at day 10: stage %s, KPIs %+v", d.Stage, d.KPIs)
		}
		h.ok("pat records", contract.UpdateRecordKPIs, actuals(pat, "registrations", 320.0))
	})
	if res := h.run("webinar", webinarIntake([]any{"customers"}, false)); res.Status != domain.StatusCompleted {
		t.Fatalf("status %s, want completed", res.Status)
	}
	if !h.env.Now().Equal(webinarTrackedUntil) {
		t.Errorf("the run ended at %s, want the end of the KPI's window, %s", h.env.Now(), webinarTrackedUntil)
	}
	rec := h.recs.record()
	if rec.Stage != domain.StageTracking || len(rec.KPIs) != 1 {
		t.Fatalf("record: stage %s, KPIs %+v", rec.Stage, rec.KPIs)
	}
	k := rec.KPIs[0]
	if k.Result != domain.KPIMet || k.Actual == nil || *k.Actual != 320 || k.RecordedBy != "pat" ||
		!k.TrackedFrom.Equal(t0) || !k.TrackedUntil.Equal(webinarTrackedUntil) {
		t.Errorf("KPI %+v, want met at 320 by pat, tracked from the start for 8 weeks", k)
	}
	if met, missed := h.recs.eventsOf(domain.EventKPIOnTarget), h.recs.eventsOf(domain.EventKPIMissed); len(met) != 1 || len(missed) != 0 ||
		!strings.Contains(met[0].Message, "met its target: 320 people against 300") {
		t.Errorf("met events %+v, missed %d", met, len(missed))
	}
}

func TestTemplateKPIMissed(t *testing.T) {
	h := newTemplateHarness(t)
	h.drive()
	h.at(10*day, func() { h.ok("maya records", contract.UpdateRecordKPIs, actuals(maya, "registrations", 250.0)) })
	if res := h.run("webinar", webinarIntake([]any{"customers"}, false)); res.Status != domain.StatusCompleted {
		t.Fatalf("status %s, want completed", res.Status)
	}
	if k := h.recs.record().KPIs[0]; k.Result != domain.KPIMissed || *k.Actual != 250 || k.RecordedBy != "maya" {
		t.Errorf("KPI %+v, want missed at 250 by maya", k)
	}
	if missed := h.recs.eventsOf(domain.EventKPIMissed); len(missed) != 1 || !strings.Contains(missed[0].Message, "missed its target: 250 people against 300 (higher is better)") {
		t.Errorf("missed events %+v", missed)
	}
}

// Without an actual, a KPI is unmeasured when its window ends.
func TestTemplateKPIUnmeasured(t *testing.T) {
	h := newTemplateHarness(t)
	h.drive()
	h.run("webinar", webinarIntake([]any{"customers"}, false))
	if k := h.recs.record().KPIs[0]; k.Result != domain.KPIUnmeasured || k.Actual != nil {
		t.Errorf("KPI %+v, want unmeasured", k)
	}
	if missed := h.recs.eventsOf(domain.EventKPIMissed); len(missed) != 1 || !strings.Contains(missed[0].Message, "no actual was recorded") {
		t.Errorf("missed events %+v", missed)
	}
}

// Recorded twice, the later actual is the KPI's: a miss then a catch-up
// meets the target, and the timeline keeps both. The validator refuses who
// may not record, an unknown key, a key twice in one recording and a number
// out of bounds, before anything changes.
func TestTemplateKPIRecordedTwiceTheLatestCounts(t *testing.T) {
	h := newTemplateHarness(t)
	h.drive()
	h.at(10*day, func() {
		h.ok("pat records a miss", contract.UpdateRecordKPIs, actuals(pat, "registrations", 250.0))
		h.refused("col records", domain.CodeForbidden, contract.UpdateRecordKPIs, actuals(col, "registrations", 999.0))
		h.refusedField("an unknown KPI", "actuals[0].name", contract.UpdateRecordKPIs, actuals(pat, "signups", 1.0))
		h.refusedField("a KPI twice", "actuals[1].name", contract.UpdateRecordKPIs, actuals(pat, "registrations", 1.0, "registrations", 2.0))
		h.refusedField("too large", "actuals[0].value", contract.UpdateRecordKPIs, actuals(pat, "registrations", 2e15))
		h.refusedField("nothing", "actuals", contract.UpdateRecordKPIs, actuals(pat))
	})
	h.at(20*day, func() { h.ok("pat records again", contract.UpdateRecordKPIs, actuals(pat, "registrations", 310.0)) })
	h.run("webinar", webinarIntake([]any{"customers"}, false))
	if k := h.recs.record().KPIs[0]; k.Result != domain.KPIMet || *k.Actual != 310 || !k.RecordedAt.Equal(t0.Add(20*day)) {
		t.Errorf("KPI %+v, want met at 310, recorded on day 20", k)
	}
	if rec := h.recs.eventsOf(domain.EventKPIRecorded); len(rec) != 2 {
		t.Errorf("%d recordings in the timeline, want 2", len(rec))
	}
}

// The trade show tracks its KPIs from the day the show opens (an intake
// date) for 6 weeks: one from the intake's target, one a value of the
// template with lower better. The run ends when both windows have.
func TestTemplateKPIWindowFromAnIntakeDate(t *testing.T) {
	h := newTemplateHarness(t)
	h.drive()
	opens := t0.Add(60 * day)
	until := opens.Add(6 * 7 * day)
	h.at(30*day, func() {
		if d := h.detail(); d.Stage != domain.StageTracking {
			t.Errorf("at day 30: stage %s, want tracking (the show's work done)", d.Stage)
		}
		h.ok("pat records both", contract.UpdateRecordKPIs, actuals(pat, "leads", 240.0, "cost_per_lead", 180.0))
	})
	if res := h.run("trade-show", tradeShowIntake(5000)); res.Status != domain.StatusCompleted {
		t.Fatalf("status %s, want completed", res.Status)
	}
	if !h.env.Now().Equal(until) {
		t.Errorf("the run ended at %s, want %s", h.env.Now(), until)
	}
	ks := h.recs.record().KPIs
	if len(ks) != 2 {
		t.Fatalf("KPIs %+v", ks)
	}
	for _, k := range ks {
		if !k.TrackedFrom.Equal(opens) || !k.TrackedUntil.Equal(until) {
			t.Errorf("KPI %s tracked %s to %s, want %s to %s", k.Key, k.TrackedFrom, k.TrackedUntil, opens, until)
		}
	}
	if ks[0].Key != "leads" || ks[0].Target != 200 || ks[0].Result != domain.KPIMet ||
		ks[1].Key != "cost_per_lead" || ks[1].Target != 150 || ks[1].Direction != domain.Lower || ks[1].Result != domain.KPIMissed {
		t.Errorf("KPIs %+v, want leads met (240 against 200), cost per lead missed (180 against 150, lower better)", ks)
	}
}

// A template that asks for a retrospective gives who asked for the run a
// task with a long-text form after the tracking, its description the KPIs'
// results; the run completes once it is done.
func TestTemplateRetrospective(t *testing.T) {
	h := newTemplateHarness(t)
	h.drive()
	in := templateInputWith(t, "webinar", webinarIntake([]any{"customers"}, false), func(tm *templates.Template) { tm.Retrospective = true })
	if res := h.runInput(in); res.Status != domain.StatusCompleted {
		t.Fatalf("status %s, want completed", res.Status)
	}
	var retro domain.Task
	for _, tk := range h.recs.tasks {
		if tk.Key == template.KeyRetrospective {
			retro = tk
		}
	}
	if retro.Status != domain.TaskDone || !retro.CreatedAt.Equal(webinarTrackedUntil) || retro.Assignee != "pat" || retro.Form == nil || retro.Form.Field("lessons") == nil || retro.Form.Field("lessons").Type != domain.FieldLongText ||
		!strings.Contains(retro.Description, "Registrations: unmeasured") {
		t.Errorf("retrospective %+v", retro)
	}
	if rec := h.recs.record(); rec.Stage != domain.StageRetrospective || rec.KPIs[0].Result != domain.KPIUnmeasured {
		t.Errorf("record: stage %s, KPIs %+v", rec.Stage, rec.KPIs)
	}
	if n, _ := h.recs.opens(); n[template.KeyRetrospective] != 1 {
		t.Errorf("retrospective opened %d times", n[template.KeyRetrospective])
	}
}

// A template without KPIs ends after its last stage, as before: no tracking,
// no KPIs in its record, no actual accepted; with a retrospective, that
// comes straight after the last stage.
func TestTemplateWithoutKPIsEndsAfterItsLastStage(t *testing.T) {
	h := newTemplateHarness(t)
	h.drive()
	h.at(4*time.Hour, func() {
		h.refused("an actual of a run without KPIs", domain.CodeConflict, contract.UpdateRecordKPIs, actuals(pat, "registrations", 1.0))
	})
	noKPIs := func(tm *templates.Template) { tm.KPIs = nil }
	if res := h.runInput(templateInputWith(t, "webinar", webinarIntake([]any{"customers"}, false), noKPIs)); res.Status != domain.StatusCompleted {
		t.Fatalf("status %s, want completed", res.Status)
	}
	if rec := h.recs.record(); rec.Stage != "follow_up" || rec.KPIs != nil {
		t.Errorf("record: stage %s, KPIs %+v", rec.Stage, rec.KPIs)
	}
	if h.env.Now().After(t0.Add(2 * day)) {
		t.Errorf("the run ended at %s: it waited after its last stage", h.env.Now())
	}

	h = newTemplateHarness(t)
	h.drive()
	in := templateInputWith(t, "content-request", contentIntake("blog_post", false, false), func(tm *templates.Template) { tm.Retrospective = true })
	if res := h.runInput(in); res.Status != domain.StatusCompleted {
		t.Fatalf("status %s, want completed", res.Status)
	}
	if n, _ := h.recs.opens(); n[template.KeyRetrospective] != 1 || h.recs.record().Stage != domain.StageRetrospective {
		t.Errorf("retrospective opened %d times, stage %s", n[template.KeyRetrospective], h.recs.record().Stage)
	}
}
