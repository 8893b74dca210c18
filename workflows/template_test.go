package workflows_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/testsuite"

	"github.com/tandemhq/tandem/activities"
	"github.com/tandemhq/tandem/contract"
	"github.com/tandemhq/tandem/domain"
	"github.com/tandemhq/tandem/templates"
	"github.com/tandemhq/tandem/worker"
	"github.com/tandemhq/tandem/workflows/template"
)

// The behaviour of the generic workflow, run on the example templates
// (examples/templates) through each of their branches. A bot plays the
// people: every two hours it answers each open task as the test's decide
// says, so a test says only what differs from "everyone does their part".

// templatePeople are who the bot acts as, by handle.
var templatePeople = map[string]domain.Actor{}

func init() {
	for _, a := range []domain.Actor{pat, sam, maya, cleo, col, wes, ana, lee, hrFinn, hrHana, hrDana, hrAda} {
		templatePeople[a.Handle] = a
	}
}

// templateActor is who answers task t: its assignee, else a holder of its
// role, else a member of its team.
func templateActor(t domain.Task) domain.Actor {
	if t.Assignee != "" {
		return templatePeople[t.Assignee]
	}
	byRole := map[domain.Role]domain.Actor{
		domain.RoleMarketingOpsManager: maya, domain.RoleDirector: hrDana, domain.RoleFinance: hrFinn, domain.RoleLegal: lee,
		domain.RoleContent: col, domain.RoleWeb: wes, domain.RoleAnalytics: ana, domain.RoleCreative: cleo, domain.RoleHR: hrHana,
		domain.RoleProjectManager: sam,
	}
	if a, ok := byRole[t.Role]; ok {
		return a
	}
	byTeam := map[domain.Team]domain.Actor{
		domain.TeamMarketingOps: maya, domain.TeamContent: col, domain.TeamWeb: wes, domain.TeamCreative: cleo, domain.TeamPMO: sam,
		domain.TeamLegal: lee, domain.TeamFinance: hrFinn, domain.TeamAnalytics: ana, domain.TeamLeadership: hrDana,
	}
	return byTeam[t.Team]
}

// fill is the least answer a form takes: each required field with its
// minimum, or some text.
func fill(f *domain.Form) map[string]any {
	if f == nil {
		return nil
	}
	data := map[string]any{}
	for _, fld := range f.Fields {
		if !fld.Required || fld.Default != nil {
			continue
		}
		switch fld.Type {
		case domain.FieldNumber, domain.FieldMoney:
			v := 1.0
			if fld.Min != nil {
				v = *fld.Min
			}
			data[fld.Name] = v
		case domain.FieldYesNo:
			data[fld.Name] = false
		default:
			data[fld.Name] = "x"
		}
	}
	return data
}

// reply is how the bot answers a task.
type reply struct {
	by      domain.Actor
	outcome domain.Outcome
	comment string
	data    map[string]any
}

// templateRecords keeps the run's record as the workflow projects it.
type templateRecords struct {
	*fakeRecords
	mu   sync.Mutex
	last *domain.TemplateRun
	all  []domain.Task // every version of every task written, in order
}

func (r *templateRecords) Apply(ctx context.Context, b domain.Batch) error {
	r.mu.Lock()
	if b.TemplateRun != nil {
		r.last = b.TemplateRun
	}
	r.all = append(r.all, b.Tasks...)
	r.mu.Unlock()
	return r.fakeRecords.Apply(ctx, b)
}

func (r *templateRecords) record() domain.TemplateRun {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.last == nil {
		return domain.TemplateRun{}
	}
	return *r.last
}

// opens counts the tasks opened, by key, in the order first opened.
func (r *templateRecords) opens() (map[string]int, []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	seen, n := map[string]bool{}, map[string]int{}
	var order []string
	for _, t := range r.all {
		if seen[t.ID] {
			continue
		}
		seen[t.ID] = true
		n[t.Key]++
		if n[t.Key] == 1 {
			order = append(order, t.Key)
		}
	}
	return n, order
}

// tplHarness runs one template run in the test environment.
type tplHarness struct {
	*harness
	recs *templateRecords
	// decide says how the bot answers an open task; false leaves it open.
	decide func(t domain.Task) (reply, bool)
	done   map[string]bool // tasks the bot answered
	// answered counts the bot's answers by task key.
	answered map[string]int
}

func newTemplateHarness(t *testing.T) *tplHarness {
	var s testsuite.WorkflowTestSuite
	s.SetLogger(log.NewStructuredLogger(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))))
	env := s.NewTestWorkflowEnvironment()
	env.SetStartTime(t0)
	recs := &fakeRecords{tasks: map[string]domain.Task{}}
	tr := &templateRecords{fakeRecords: recs}
	worker.RegisterWorkflows(env)
	dir := demoDirectory()
	for _, a := range []domain.Actor{cleo, col, wes, ana, lee} {
		dir[a.Handle] = domain.Person{Handle: a.Handle, Team: a.Team, Roles: a.Roles, Manager: "maya"}
	}
	env.RegisterActivity(&activities.Activities{Records: tr, Directory: dir})
	onVersion(env, perTaskTimers)
	h := &tplHarness{harness: &harness{t: t, env: env, recs: recs}, recs: tr, done: map[string]bool{}, answered: map[string]int{}}
	h.decide = func(t domain.Task) (reply, bool) { return h.usual(t), true }
	return h
}

// usual is everyone doing their part: approvals approved, work done, forms
// filled with the least they take.
func (h *tplHarness) usual(t domain.Task) reply {
	outcome := domain.OutcomeDone
	if t.Kind == domain.KindApproval {
		outcome = domain.OutcomeApproved
	}
	return reply{by: templateActor(t), outcome: outcome, data: fill(t.Form)}
}

// drive has the bot answer the open tasks every two hours from the second
// hour, until the run ends. Each round schedules the next: the test
// environment holds only so many callbacks registered ahead.
func (h *tplHarness) drive() {
	var round func()
	round = func() {
		for _, t := range h.detail().Tasks {
			if !t.IsOpen() || h.done[t.ID] {
				continue
			}
			r, ok := h.decide(t)
			if !ok {
				continue
			}
			h.done[t.ID] = true
			h.answered[t.Key]++
			h.complete(t, r.by, r.outcome, r.comment, r.data)
		}
		h.env.RegisterDelayedCallback(round, 2*time.Hour)
	}
	h.at(2*time.Hour, round)
}

func (h *tplHarness) detail() contract.TemplateRunDetail {
	h.t.Helper()
	v, err := h.env.QueryWorkflow(contract.QueryDetail)
	if err != nil {
		h.t.Fatalf("query: %v", err)
	}
	var d contract.TemplateRunDetail
	if err := v.Get(&d); err != nil {
		h.t.Fatal(err)
	}
	return d
}

// openTask is the open task of key.
func (h *tplHarness) openTask(key string) domain.Task {
	h.t.Helper()
	for _, t := range h.detail().Tasks {
		if t.IsOpen() && t.Key == key {
			return t
		}
	}
	h.t.Fatalf("no open task %s at %s", key, h.env.Now())
	return domain.Task{}
}

// run starts a run of the example template name with intake and runs it to
// its end.
func (h *tplHarness) run(name string, intake map[string]any) contract.TemplateRunResult {
	h.t.Helper()
	return h.runInput(templateInput(h.t, name, intake))
}

// runInput starts a run with in and runs it to its end.
func (h *tplHarness) runInput(in contract.TemplateRunInput) contract.TemplateRunResult {
	h.t.Helper()
	h.env.ExecuteWorkflow(contract.TemplateRunType, in)
	if !h.env.IsWorkflowCompleted() {
		h.t.Fatal("the run did not finish")
	}
	if err := h.env.GetWorkflowError(); err != nil {
		h.t.Fatalf("workflow failed: %v", err)
	}
	h.checkSent()
	var res contract.TemplateRunResult
	if err := h.env.GetWorkflowResult(&res); err != nil {
		h.t.Fatal(err)
	}
	return res
}

// exampleTemplate reads examples/templates/NAME.yaml.
func exampleTemplate(t *testing.T, name string) templates.Template {
	t.Helper()
	doc, err := os.ReadFile("../examples/templates/" + name + ".yaml")
	if err != nil {
		t.Fatal(err)
	}
	tmpl, err := templates.Parse(doc)
	if err != nil {
		t.Fatal(err)
	}
	return tmpl
}

// templateInput is pat's run of the example template name, as the API would
// start it: the intake checked, the template captured whole.
func templateInput(t *testing.T, name string, intake map[string]any) contract.TemplateRunInput {
	t.Helper()
	return templateInputWith(t, name, intake, func(*templates.Template) {})
}

// templateInputWith is templateInput of the example template name as change
// makes it.
func templateInputWith(t *testing.T, name string, intake map[string]any, change func(*templates.Template)) contract.TemplateRunInput {
	t.Helper()
	tmpl := exampleTemplate(t, name)
	change(&tmpl)
	if err := tmpl.CheckIntake(intake, t0); err != nil {
		t.Fatalf("intake: %v", err)
	}
	raw, err := json.Marshal(tmpl)
	if err != nil {
		t.Fatal(err)
	}
	return contract.TemplateRunInput{ID: "tpr_test00000001", Template: raw, Intake: intake, RequestedBy: "pat", Policy: domain.DefaultPolicy()}
}

func rfc(t time.Time) string { return t.Format(time.RFC3339) }

// A Saturday, 40 days after t0 (a Monday).
var webinarDate = t0.Add(40 * day)

func webinarIntake(audience []any, recorded bool) map[string]any {
	return map[string]any{
		"title": "Spring webinar", "event_date": rfc(webinarDate), "host": "sam",
		"audience": audience, "expected_registrations": 300.0, "recorded": recorded,
	}
}

func contentIntake(format string, claims, paid bool) map[string]any {
	return map[string]any{
		"title": "Acme's year with us", "format": format, "brief": "How Acme grew", "requester": "pat",
		"needed_by": rfc(t0.Add(40 * day)), "makes_claims": claims, "paid": paid,
	}
}

func tradeShowIntake(budget float64) map[string]any {
	return map[string]any{
		"show": "Expo Lyon", "opens_on": rfc(t0.Add(60 * day)), "budget": budget, "owner": "sam",
		"leads_target": 200.0, "booth_team": "marketing-ops",
	}
}

func wantOpened(t *testing.T, n map[string]int, want map[string]int) {
	t.Helper()
	for key, count := range want {
		if n[key] != count {
			t.Errorf("task %s opened %d times, want %d (opened: %v)", key, n[key], count, n)
		}
	}
}

func TestTemplateWebinarRunsEveryStageWithItsConditionsTrue(t *testing.T) {
	h := newTemplateHarness(t)
	h.drive()
	var agenda domain.Task
	h.at(3*time.Hour, func() { agenda = h.openTask("agenda") })
	res := h.run("webinar", webinarIntake([]any{"customers", "partners"}, true))
	if res.Status != domain.StatusCompleted {
		t.Fatalf("status %s, want completed", res.Status)
	}
	n, order := h.recs.opens()
	wantOpened(t, n, map[string]int{template.KeyTriage: 1, "agenda": 1, "agenda_review": 1, "landing_page": 1, "invitations": 1,
		"partner_mailing": 1, "rehearsal": 1, "recording": 1, "follow_up_mail": 1, "results": 1})
	// Stages in order; in a stage, what depends on another after it.
	if i, j := slices.Index(order, "landing_page"), slices.Index(order, "invitations"); i > j || slices.Index(order, "agenda_review") > i {
		t.Errorf("tasks opened in the order %v", order)
	}
	// 15 working days before Saturday 10 April 2027, 09:00: Monday 22 March.
	if want := time.Date(2027, 3, 22, 9, 0, 0, 0, time.UTC); !agenda.DueAt.Equal(want) {
		t.Errorf("agenda due %s, want %s", agenda.DueAt, want)
	}
	if agenda.Assignee != "sam" || agenda.Form == nil || agenda.Form.Field("speakers") == nil {
		t.Errorf("agenda: assignee %q, form %+v; want the host, sam, and the template's form", agenda.Assignee, agenda.Form)
	}
	rec := h.recs.record()
	if rec.Status != domain.StatusCompleted || rec.Title != "Spring webinar" || rec.TemplateKey != "webinar" || rec.TemplateVersion != 1 ||
		rec.Stage != domain.StageTracking || rec.Round != 1 || rec.Intake["host"] != "sam" {
		t.Errorf("record %+v", rec)
	}
}

func TestTemplateWebinarSkipsWhatItsConditionsRuleOut(t *testing.T) {
	h := newTemplateHarness(t)
	h.drive()
	if res := h.run("webinar", webinarIntake([]any{"customers"}, false)); res.Status != domain.StatusCompleted {
		t.Fatalf("status %s, want completed", res.Status)
	}
	n, _ := h.recs.opens()
	wantOpened(t, n, map[string]int{"partner_mailing": 0, "recording": 0, "invitations": 1, "rehearsal": 1, "results": 1})
	var skipped []string
	for _, e := range h.recs.eventsOf(domain.EventChanged) {
		if strings.Contains(e.Message, "skipped") {
			skipped = append(skipped, e.Message)
		}
	}
	if len(skipped) != 2 || !strings.Contains(skipped[0], "Mailing to partners") || !strings.Contains(skipped[1], "Publish the recording") {
		t.Errorf("skipped events %q", skipped)
	}
}

// The agenda review asks for changes: the plan stage runs again (round 2),
// the agenda reopens, and once approved the run goes on to its end.
func TestTemplateWebinarChangesRequestedRunsTheStageAgain(t *testing.T) {
	h := newTemplateHarness(t)
	h.decide = func(t domain.Task) (reply, bool) {
		r := h.usual(t)
		if t.Key == "agenda_review" && h.answered[t.Key] == 0 {
			r.outcome, r.comment = domain.OutcomeChangesRequested, "Add a customer speaker"
		}
		return r, true
	}
	h.drive()
	var round int
	h.at(9*time.Hour, func() { round = h.detail().Round })
	if res := h.run("webinar", webinarIntake([]any{"customers"}, false)); res.Status != domain.StatusCompleted {
		t.Fatalf("status %s, want completed", res.Status)
	}
	n, _ := h.recs.opens()
	wantOpened(t, n, map[string]int{"agenda": 2, "agenda_review": 2, "landing_page": 1})
	if round != 2 || h.recs.record().Round != 2 {
		t.Errorf("round %d during, %d at the end; want 2", round, h.recs.record().Round)
	}
	// The timeline names the round once a stage runs again, not before.
	var plan []string
	for _, e := range h.recs.eventsOf(domain.EventStage) {
		if strings.Contains(e.Message, "Plan") {
			plan = append(plan, e.Message)
		}
	}
	if !slices.Equal(plan, []string{"Stage: Plan", "Stage: Plan (round 2)"}) {
		t.Errorf("the plan stage's events: %q", plan)
	}
}

// on_reject: end — a rejected agenda ends the run as rejected, with the
// approver's reason, and nothing after it opens.
func TestTemplateWebinarRejectionEndsTheRun(t *testing.T) {
	h := newTemplateHarness(t)
	h.decide = func(t domain.Task) (reply, bool) {
		r := h.usual(t)
		if t.Key == "agenda_review" {
			r.outcome, r.comment = domain.OutcomeRejected, "Not this quarter"
		}
		return r, true
	}
	h.drive()
	if res := h.run("webinar", webinarIntake([]any{"customers"}, true)); res.Status != domain.StatusRejected {
		t.Fatalf("status %s, want rejected", res.Status)
	}
	n, _ := h.recs.opens()
	wantOpened(t, n, map[string]int{"agenda_review": 1, "landing_page": 0})
	if rec := h.recs.record(); rec.Reason != "Not this quarter" || rec.Stage != "plan" {
		t.Errorf("record: reason %q, stage %s", rec.Reason, rec.Stage)
	}
}

// An approval nobody decides by its due time escalates up the policy's
// ladder (marketing ops → director), and the director's decision counts.
func TestTemplateWebinarOverdueApprovalEscalates(t *testing.T) {
	h := newTemplateHarness(t)
	h.decide = func(t domain.Task) (reply, bool) {
		if t.Key == "agenda_review" && t.EscalationLevel == 0 {
			return reply{}, false // marketing ops lets it lapse
		}
		return h.usual(t), true
	}
	h.drive()
	if res := h.run("webinar", webinarIntake([]any{"customers"}, false)); res.Status != domain.StatusCompleted {
		t.Fatalf("status %s, want completed", res.Status)
	}
	var first, second *domain.Task
	for _, tk := range h.recs.tasks {
		if tk.Key == "agenda_review" {
			tk := tk
			if tk.EscalationLevel == 0 {
				first = &tk
			} else {
				second = &tk
			}
		}
	}
	switch {
	case first == nil || second == nil:
		t.Fatalf("agenda reviews %+v, %+v", first, second)
	case first.Status != domain.TaskExpired || first.Role != domain.RoleMarketingOpsManager:
		t.Errorf("the first review: %s, %s; want expired, marketing ops", first.Status, first.Role)
	case second.Status != domain.TaskDone || second.Role != domain.RoleDirector || second.Team != domain.TeamLeadership ||
		second.CompletedBy != "dana" || second.EscalationLevel != 1:
		t.Errorf("the escalated review: %+v", second)
	}
	// Due 2 working days after the stage started, escalated then, due again
	// by the policy's escalated SLA.
	if first != nil && second != nil && !second.DueAt.Equal(first.DueAt.Add(domain.DefaultPolicy().Templates.EscalatedSLA.D())) {
		t.Errorf("escalated review due %s, first due %s", second.DueAt, first.DueAt)
	}
	if len(h.recs.eventsOf(domain.EventTaskEscalated)) != 1 || len(h.recs.eventsOf(domain.EventTaskOverdue)) == 0 {
		t.Errorf("escalated events %d, overdue events %d", len(h.recs.eventsOf(domain.EventTaskEscalated)), len(h.recs.eventsOf(domain.EventTaskOverdue)))
	}
}

// Who asked may cancel a run; a content writer may not. The open tasks are
// cancelled with the run.
func TestTemplateCancelled(t *testing.T) {
	h := newTemplateHarness(t)
	h.decide = func(t domain.Task) (reply, bool) { return h.usual(t), t.Key != "agenda_review" }
	h.drive()
	h.at(5*time.Hour, func() {
		h.refused("col cancels", domain.CodeForbidden, contract.UpdateCancel, contract.CancelInput{Actor: col, Reason: "mine now"})
	})
	h.at(6*time.Hour, func() {
		h.ok("pat cancels", contract.UpdateCancel, contract.CancelInput{Actor: pat, Reason: "the date moved"})
	})
	if res := h.run("webinar", webinarIntake([]any{"customers"}, false)); res.Status != domain.StatusCancelled {
		t.Fatalf("status %s, want cancelled", res.Status)
	}
	rec := h.recs.record()
	if rec.Reason != "the date moved" {
		t.Errorf("reason %q", rec.Reason)
	}
	for _, tk := range h.recs.tasks {
		if tk.IsOpen() {
			t.Errorf("task %s still open after the cancellation", tk.Key)
		}
	}
}

// The checks of an answer in the update's validator: the template's form,
// the team of a team's task, separation of duties on a queue's approval.
func TestTemplateAnswersAreChecked(t *testing.T) {
	h := newTemplateHarness(t)
	h.drive()
	h.at(3*time.Hour, func() {
		agenda := h.openTask("agenda")
		h.refusedField("no speakers", "data.speakers", contract.UpdateCompleteTask, completion(agenda, sam, domain.OutcomeDone, "", map[string]any{}))
		h.refusedField("an unknown field", "data.venue", contract.UpdateCompleteTask, completion(agenda, sam, domain.OutcomeDone, "", map[string]any{"speakers": "Ana", "venue": "x"}))
		h.refused("not the host", domain.CodeForbidden, contract.UpdateCompleteTask, completion(agenda, pat, domain.OutcomeDone, "", map[string]any{"speakers": "Ana"}))
		h.answered["probe"]++
	})
	var mailing domain.Task
	h.decide = func(t domain.Task) (reply, bool) {
		switch {
		case t.Key == "agenda_review" && h.answered[t.Key] == 0:
			h.refused("who asked approves", domain.CodeForbidden, contract.UpdateCompleteTask, completion(t, pat, domain.OutcomeApproved, "", nil))
		case t.Key == "partner_mailing" && mailing.ID == "":
			mailing = t
			h.refused("another team", domain.CodeForbidden, contract.UpdateCompleteTask, completion(t, wes, domain.OutcomeDone, "", nil))
		}
		return h.usual(t), t.Key != "agenda" || h.answered["probe"] > 0
	}
	if res := h.run("webinar", webinarIntake([]any{"partners"}, false)); res.Status != domain.StatusCompleted {
		t.Fatalf("status %s, want completed", res.Status)
	}
	if mailing.Team != domain.TeamMarketingOps || mailing.Role != "" {
		t.Errorf("partner mailing for %s (%s)", mailing.Team, mailing.Role)
	}
}

// Triage: the intake lands in the template's triage queue first. Sent back,
// the requester revises the intake (its form, from the values as they are)
// and it is triaged again; declined, the run ends as rejected.
func TestTemplateTriage(t *testing.T) {
	t.Run("changes requested, then accepted", func(t *testing.T) {
		h := newTemplateHarness(t)
		var triage, revise domain.Task
		h.decide = func(t domain.Task) (reply, bool) {
			r := h.usual(t)
			switch t.Key {
			case template.KeyTriage:
				if h.answered[t.Key] == 0 {
					triage = t
					r.outcome, r.comment = domain.OutcomeChangesRequested, "Which partners?"
				}
			case template.KeyReviseIntake:
				revise = t
				r.data = map[string]any{"title": "Partner webinar", "audience": []any{"partners"}}
			}
			return r, true
		}
		h.drive()
		if res := h.run("webinar", webinarIntake([]any{"customers"}, false)); res.Status != domain.StatusCompleted {
			t.Fatalf("status %s, want completed", res.Status)
		}
		if triage.Role != domain.RoleMarketingOpsManager || triage.Kind != domain.KindApproval || triage.RequestedBy != "pat" {
			t.Errorf("triage task %+v", triage)
		}
		if revise.Assignee != "pat" || revise.Form == nil || revise.Form.Field("title").Default != "Spring webinar" {
			t.Errorf("revise task %+v", revise)
		}
		n, _ := h.recs.opens()
		wantOpened(t, n, map[string]int{template.KeyTriage: 2, template.KeyReviseIntake: 1, "partner_mailing": 1})
		rec := h.recs.record()
		if rec.Title != "Partner webinar" || rec.Intake["host"] != "sam" || rec.Intake["event_date"] != rfc(webinarDate) {
			t.Errorf("revised record: title %q, intake %v", rec.Title, rec.Intake)
		}
	})
	t.Run("declined", func(t *testing.T) {
		h := newTemplateHarness(t)
		h.decide = func(t domain.Task) (reply, bool) {
			r := h.usual(t)
			if t.Key == template.KeyTriage {
				r.outcome, r.comment = domain.OutcomeRejected, "We run no webinars in April"
			}
			return r, true
		}
		h.drive()
		if res := h.run("webinar", webinarIntake([]any{"customers"}, false)); res.Status != domain.StatusRejected {
			t.Fatalf("status %s, want rejected", res.Status)
		}
		if n, _ := h.recs.opens(); len(n) != 1 {
			t.Errorf("opened %v, want the triage alone", n)
		}
	})
}

func TestTemplateContentRequestLegalReview(t *testing.T) {
	for _, tc := range []struct {
		name          string
		intake        map[string]any
		legal         int
		publish, hand int
	}{
		{"a case study", contentIntake("case_study", false, false), 1, 1, 0},
		{"claims", contentIntake("blog_post", true, false), 1, 1, 0},
		{"paid ad copy", contentIntake("ad_copy", false, true), 1, 0, 1},
		{"a plain blog post", contentIntake("blog_post", false, false), 0, 1, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newTemplateHarness(t)
			h.drive()
			if res := h.run("content-request", tc.intake); res.Status != domain.StatusCompleted {
				t.Fatalf("status %s, want completed", res.Status)
			}
			n, _ := h.recs.opens()
			wantOpened(t, n, map[string]int{"legal_review": tc.legal, "requester_review": 1, "publish": tc.publish, "hand_to_ads": tc.hand})
		})
	}
}

// Legal asks for changes: back to the write stage, the outline and draft
// again; the requester's own review is theirs to approve (an approval the
// template gives to a person of the intake), though they asked for the run.
func TestTemplateContentRequestChangesGoBackToWriting(t *testing.T) {
	h := newTemplateHarness(t)
	var review domain.Task
	h.decide = func(t domain.Task) (reply, bool) {
		r := h.usual(t)
		switch t.Key {
		case "legal_review":
			if h.answered[t.Key] == 0 {
				r.outcome, r.comment = domain.OutcomeChangesRequested, "Source the 30% claim"
			}
		case "requester_review":
			// The requester reviews once legal has decided this round: a
			// review open beside legal's is cancelled when legal sends the
			// work back, and answering it then is refused as too late.
			review = t
			legalOpen := slices.ContainsFunc(h.detail().Tasks, func(o domain.Task) bool { return o.Key == "legal_review" && o.IsOpen() })
			return r, !legalOpen
		}
		return r, true
	}
	h.drive()
	if res := h.run("content-request", contentIntake("case_study", true, false)); res.Status != domain.StatusCompleted {
		t.Fatalf("status %s, want completed", res.Status)
	}
	n, _ := h.recs.opens()
	// The requester's review, open beside legal's, is cancelled when legal
	// sends the work back, and opens again in the second round.
	wantOpened(t, n, map[string]int{"outline": 2, "draft": 2, "legal_review": 2, "requester_review": 2, "publish": 1})
	if review.Assignee != "pat" || review.RequestedBy != "" {
		t.Errorf("requester review: assignee %q, requested by %q", review.Assignee, review.RequestedBy)
	}
	if rec := h.recs.record(); rec.Round != 2 {
		t.Errorf("round %d, want 2", rec.Round)
	}
}

func TestTemplateTradeShowBudget(t *testing.T) {
	for _, tc := range []struct {
		name     string
		budget   float64
		director int
	}{
		{"above the threshold", 30000, 1},
		{"at the threshold", 20000, 0},
		{"below it", 8000, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newTemplateHarness(t)
			h.drive()
			if res := h.run("trade-show", tradeShowIntake(tc.budget)); res.Status != domain.StatusCompleted {
				t.Fatalf("status %s, want completed", res.Status)
			}
			n, order := h.recs.opens()
			wantOpened(t, n, map[string]int{"budget_approval": 1, "director_approval": tc.director, "travel": 0, "retrospective": 1})
			if tc.director == 1 && slices.Index(order, "director_approval") < slices.Index(order, "budget_approval") {
				t.Errorf("the director approved before finance: %v", order)
			}
		})
	}
}

// The director rejects the large budget (on_reject: end); finance asks for
// changes (on_changes_requested: end): either ends the run, as rejected.
func TestTemplateTradeShowBudgetRefusalsEndTheRun(t *testing.T) {
	for _, tc := range []struct {
		key     string
		outcome domain.Outcome
	}{
		{"director_approval", domain.OutcomeRejected},
		{"budget_approval", domain.OutcomeChangesRequested},
	} {
		t.Run(tc.key, func(t *testing.T) {
			h := newTemplateHarness(t)
			h.decide = func(t domain.Task) (reply, bool) {
				r := h.usual(t)
				if t.Key == tc.key {
					r.outcome, r.comment = tc.outcome, "Too much"
				}
				return r, true
			}
			h.drive()
			if res := h.run("trade-show", tradeShowIntake(30000)); res.Status != domain.StatusRejected {
				t.Fatalf("status %s, want rejected", res.Status)
			}
			if n, _ := h.recs.opens(); n["booth_design"] != 0 {
				t.Errorf("the prepare stage opened after the budget was refused: %v", n)
			}
		})
	}
}

// A task's condition reads the answer of the task it depends on: travel is
// booked only when the staffing answer says someone travels.
func TestTemplateTradeShowTravelFollowsTheStaffingAnswer(t *testing.T) {
	for _, travel := range []bool{true, false} {
		h := newTemplateHarness(t)
		h.decide = func(t domain.Task) (reply, bool) {
			r := h.usual(t)
			if t.Key == "staffing" {
				r.data = map[string]any{"people": 3.0, "travel_needed": travel}
			}
			return r, true
		}
		h.drive()
		if res := h.run("trade-show", tradeShowIntake(8000)); res.Status != domain.StatusCompleted {
			t.Fatalf("travel %v: status %s, want completed", travel, res.Status)
		}
		n, _ := h.recs.opens()
		want := 0
		if travel {
			want = 1
		}
		wantOpened(t, n, map[string]int{"travel": want, "staffing": 1})
	}
}

// A template the run cannot use fails the run at once, saying why: the API
// checks templates before it starts one, so only a client going around it
// meets this.
func TestTemplateRunRefusesABadTemplate(t *testing.T) {
	h := newTemplateHarness(t)
	in := templateInput(t, "webinar", webinarIntake([]any{"customers"}, false))
	in.Template = json.RawMessage(`{"key":"webinar","version":1}`)
	h.env.ExecuteWorkflow(contract.TemplateRunType, in)
	err := h.env.GetWorkflowError()
	if err == nil || !strings.Contains(err.Error(), "the run's template is refused") || refusalCode(err) != template.ErrTypeBadTemplate {
		t.Errorf("workflow error %v, want the template refused", err)
	}
}
