package workflows_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/tandemhq/tandem/activities"
	"github.com/tandemhq/tandem/contract"
	"github.com/tandemhq/tandem/domain"
	"github.com/tandemhq/tandem/worker"
	"github.com/tandemhq/tandem/workflows"
	"github.com/tandemhq/tandem/workflows/campaign"
)

// t0 is when every test campaign starts.
var t0 = time.Date(2027, 3, 1, 9, 0, 0, 0, time.UTC)

// Demo people the tests act as.
var (
	pat  = domain.Actor{Handle: "pat", Team: domain.TeamPMO, Roles: []domain.Role{domain.RoleProjectManager}}
	sam  = domain.Actor{Handle: "sam", Team: domain.TeamPMO, Roles: []domain.Role{domain.RoleProjectManager}}
	maya = domain.Actor{Handle: "maya", Team: domain.TeamMarketingOps, Roles: []domain.Role{domain.RoleMarketingOpsManager}}
	mo2  = domain.Actor{Handle: "omar", Team: domain.TeamMarketingOps, Roles: []domain.Role{domain.RoleMarketingOpsManager}}
	cleo = domain.Actor{Handle: "cleo", Team: domain.TeamCreative, Roles: []domain.Role{domain.RoleCreative}}
	col  = domain.Actor{Handle: "colin", Team: domain.TeamContent, Roles: []domain.Role{domain.RoleContent}}
	wes  = domain.Actor{Handle: "wes", Team: domain.TeamWeb, Roles: []domain.Role{domain.RoleWeb}}
	ana  = domain.Actor{Handle: "ana", Team: domain.TeamAnalytics, Roles: []domain.Role{domain.RoleAnalytics}}
	lee  = domain.Actor{Handle: "lee", Team: domain.TeamLegal, Roles: []domain.Role{domain.RoleLegal}}
)

// actorFor picks the demo person of a deliverable's team.
var actorFor = map[domain.Team]domain.Actor{
	domain.TeamCreative: cleo, domain.TeamContent: col, domain.TeamWeb: wes, domain.TeamAnalytics: ana, domain.TeamLegal: lee,
}

func testBrief() domain.Brief {
	return domain.Brief{
		Name: "Spring launch", Objective: "Grow trials", Audience: "SMB owners",
		Channels: []domain.Channel{domain.ChannelEmail, domain.ChannelPaidSearch},
		Budget:   domain.Money{Amount: 50000, Currency: "EUR"}, LaunchAt: t0.Add(30 * 24 * time.Hour),
		TrackingWindow: domain.Duration(14 * 24 * time.Hour),
		KPIs: []domain.KPI{
			{Name: "signups", Target: 1000, Unit: "signups", Direction: domain.Higher},
			{Name: "cpa", Target: 40, Unit: "EUR", Direction: domain.Lower},
		},
		ProjectManager: "pat", MarketingOpsManager: "maya",
	}
}

// fakeRecords stands in for the database behind the real SaveRecords activity:
// it keeps what the workflow projected, as the store would.
type fakeRecords struct {
	mu            sync.Mutex
	campaign      *domain.Campaign
	tasks         map[string]domain.Task
	events        []domain.Event
	notifications []domain.Notification
	batches       int
	// audited counts the audit entries written per command ID.
	audited map[string]int
	// failNext fails that many Apply calls to come, as a database that is down.
	failNext int
	calls    int
}

func (f *fakeRecords) Apply(_ context.Context, b domain.Batch) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if f.failNext > 0 {
		f.failNext--
		return domain.ErrUnavailable
	}
	// Like the store: keys make the writes idempotent, so a batch without them is refused.
	for _, e := range b.Events {
		if e.Key == "" {
			return domain.Invalid(domain.FieldProblem{Field: "events.key", Problem: "required"})
		}
	}
	for _, n := range b.Notifications {
		if n.Key == "" {
			return domain.Invalid(domain.FieldProblem{Field: "notifications.key", Problem: "required"})
		}
	}
	f.batches++
	opened.collect(b.Tasks)
	written.collect(b)
	if b.Campaign != nil {
		f.campaign = b.Campaign
	}
	for _, t := range b.Tasks {
		f.tasks[t.ID] = t
	}
	f.events = append(f.events, b.Events...)
	f.notifications = append(f.notifications, b.Notifications...)
	for _, a := range b.Audit {
		if f.audited == nil {
			f.audited = map[string]int{}
		}
		f.audited[a.CommandID]++
	}
	return nil
}

// auditedCount is how many audit entries of command id were written.
func (f *fakeRecords) auditedCount(id string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.audited[id]
}

// task returns the record of task id and how many batches were written so far.
func (f *fakeRecords) task(id string) (domain.Task, int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.tasks[id], f.batches
}

func (f *fakeRecords) eventsOf(kind domain.EventKind) []domain.Event {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []domain.Event
	for _, e := range f.events {
		if e.Kind == kind {
			out = append(out, e)
		}
	}
	return out
}

func (f *fakeRecords) notificationsOf(kind domain.NotificationKind) []domain.Notification {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []domain.Notification
	for _, n := range f.notifications {
		if n.Kind == kind {
			out = append(out, n)
		}
	}
	return out
}

// fakeWebhooks holds the webhook subscriptions the SaveRecords activity consults
// to tell whether a batch needs deliveries: none unless a test adds one.
type fakeWebhooks struct {
	mu   sync.Mutex
	subs []domain.Webhook
}

func (f *fakeWebhooks) subscribe(w domain.Webhook) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.subs = append(f.subs, w)
}

func (f *fakeWebhooks) Webhooks(context.Context, string) ([]domain.Webhook, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]domain.Webhook(nil), f.subs...), nil
}

func (f *fakeWebhooks) WebhookDelivered(context.Context, string, string) (bool, error) {
	return false, nil
}

func (f *fakeWebhooks) LogWebhookDelivery(context.Context, domain.WebhookDelivery) error { return nil }

// harness runs one campaign in the test environment with time skipping.
type harness struct {
	t        *testing.T
	env      *testsuite.TestWorkflowEnvironment
	recs     *fakeRecords
	webhooks *fakeWebhooks
	sent     []*sent
	// raised are the linked risks a campaign raised.
	raised []contract.RiskInput
}

func newHarness(t *testing.T) *harness {
	dir := demoDirectory()
	dir[mo2.Handle] = domain.Person{Handle: mo2.Handle, Team: mo2.Team, Roles: mo2.Roles, Manager: "dana"}
	return newHarnessWith(t, dir)
}

// newHarnessWith is newHarness over directory dir.
func newHarnessWith(t *testing.T, dir fakeDirectory) *harness {
	var s testsuite.WorkflowTestSuite
	s.SetLogger(log.NewStructuredLogger(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))))
	env := s.NewTestWorkflowEnvironment()
	env.SetStartTime(t0)
	recs := &fakeRecords{tasks: map[string]domain.Task{}}
	hooks := &fakeWebhooks{}
	worker.RegisterWorkflows(env)
	env.RegisterActivity(&activities.Activities{Records: recs, Webhooks: hooks, Directory: dir})
	h := &harness{t: t, env: env, recs: recs, webhooks: hooks}
	// Linked risks are children the campaign raises; here they only record how they were raised.
	env.OnWorkflow(contract.RiskType, mock.Anything, mock.Anything).Return(func(_ workflow.Context, in contract.RiskInput) (contract.RiskResult, error) {
		h.raised = append(h.raised, in)
		return contract.RiskResult{Status: domain.RiskResolved}, nil
	})
	onVersion(env, perTaskTimers)
	return h
}

// at runs fn when the workflow's clock reaches t0+d.
func (h *harness) at(d time.Duration, fn func()) { h.env.RegisterDelayedCallback(fn, d) }

// run starts the campaign and runs it to its end, with the scripted callbacks.
func (h *harness) run(in contract.CampaignInput) contract.CampaignResult {
	h.t.Helper()
	if in.ID == "" {
		in.ID = "cmp_test00000001"
	}
	if in.RequestedBy == "" {
		in.RequestedBy = "pat"
	}
	if in.Policy.Campaign.BriefReviewSLA == 0 {
		in.Policy = domain.DefaultPolicy()
	}
	h.env.ExecuteWorkflow(contract.CampaignLaunchType, in)
	if !h.env.IsWorkflowCompleted() {
		h.t.Fatal("the campaign did not finish")
	}
	if err := h.env.GetWorkflowError(); err != nil {
		h.t.Fatalf("workflow failed: %v", err)
	}
	h.checkSent()
	var res contract.CampaignResult
	if err := h.env.GetWorkflowResult(&res); err != nil {
		h.t.Fatal(err)
	}
	return res
}

func (h *harness) detail() contract.CampaignDetail {
	h.t.Helper()
	v, err := h.env.QueryWorkflow(contract.QueryDetail)
	if err != nil {
		h.t.Fatalf("query: %v", err)
	}
	var d contract.CampaignDetail
	if err := v.Get(&d); err != nil {
		h.t.Fatal(err)
	}
	return d
}

// openTask finds the open task whose key starts with prefix.
func (h *harness) openTask(prefix string) domain.Task {
	h.t.Helper()
	for _, t := range h.detail().Tasks {
		if t.IsOpen() && strings.HasPrefix(t.Key, prefix) {
			return t
		}
	}
	h.t.Fatalf("no open task %s* at %s", prefix, h.env.Now())
	return domain.Task{}
}

// sent is one update sent during a run, with the outcome the test expects: ""
// for success, or the code of the refusal, and the field it must name.
type sent struct {
	label, want, field string
	done               bool
	err                error
	// stamped is whether the input carried its audit entry; audited counts
	// the entries of the update written when it answered.
	stamped bool
	audited int
}

// send sends an update now; its outcome is checked when the run ends, because
// the test environment completes updates asynchronously. The input is bound
// to the update as the API binds it: its Command names the update's ID.
func (h *harness) send(label, want, name string, args ...any) {
	id := fmt.Sprintf("u%d", updateSeq.Add(1))
	h.sendAs(label, want, name, id, bound(args[0], id, h.env.Now()))
}

// updateSeq numbers the updates of every harness, so no two share an ID even
// across the runs of a risk that continued as new.
var updateSeq atomic.Int64

// sendAs sends in as the update with ID id, bound or not: what someone
// sending updates around Tandem's API could do.
func (h *harness) sendAs(label, want, name, id string, in any) {
	u := &sent{label: fmt.Sprintf("%s at %s", label, h.env.Now().Format(time.RFC3339)), want: want}
	if b, ok := in.(kernelInput); ok {
		u.stamped = b.Bound().Audit != nil
	}
	h.sent = append(h.sent, u)
	h.env.UpdateWorkflow(name, id, &testsuite.TestUpdateCallback{
		OnReject: func(err error) { u.done, u.err = true, err },
		OnAccept: func() {},
		OnComplete: func(_ any, err error) {
			u.done, u.err, u.audited = true, err, h.recs.auditedCount(id)
		},
	}, in)
}

// kernelInput is what every update input is: it embeds contract.Command.
type kernelInput interface{ Bound() contract.Command }

// bound returns a copy of an update input with its Command set to id, issued
// at: what the API does with every command it sends.
func bound(in any, id string, at time.Time) any {
	v := reflect.New(reflect.TypeOf(in)).Elem()
	v.Set(reflect.ValueOf(in))
	v.FieldByName("Command").Set(reflect.ValueOf(contract.Command{UpdateID: id, IssuedAt: at,
		Audit: &domain.AuditEntry{Actor: "harness", Action: "update " + id, Outcome: domain.AuditAllowed, Status: 200, RequestID: "req-" + id}}))
	return v.Interface()
}

// ok sends an update that must succeed.
func (h *harness) ok(label, name string, args ...any) { h.send(label, "", name, args...) }

// refused sends an update that must be refused with the given domain code.
func (h *harness) refused(label, code, name string, args ...any) { h.send(label, code, name, args...) }

// refusedField sends an update that must be refused as invalid, with a problem
// naming field.
func (h *harness) refusedField(label, field, name string, args ...any) {
	h.send(label, domain.CodeInvalid, name, args...)
	h.sent[len(h.sent)-1].field = field
}

func (h *harness) checkSent() {
	h.t.Helper()
	for _, u := range h.sent {
		switch {
		case !u.done:
			h.t.Errorf("%s: no outcome", u.label)
		case u.want == "" && u.err != nil:
			h.t.Errorf("%s: %v", u.label, u.err)
		case u.want != "" && refusalCode(u.err) != u.want:
			h.t.Errorf("%s: got %v, want a %s refusal", u.label, u.err, u.want)
		case u.field != "" && !slices.ContainsFunc(refusalProblems(u.err), func(p domain.FieldProblem) bool { return p.Field == u.field }):
			h.t.Errorf("%s: refused with %v, want a problem with %s", u.label, refusalProblems(u.err), u.field)
		// Every command applied has its audit entry written, once, before its
		// answer; a refused one has none (the API records the refusal).
		case u.stamped && u.err == nil && u.audited != 1:
			h.t.Errorf("%s: applied with %d audit entries written when it answered, want 1", u.label, u.audited)
		case u.stamped && u.err != nil && u.audited != 0:
			h.t.Errorf("%s: refused, yet %d audit entries written", u.label, u.audited)
		}
	}
}

func completion(t domain.Task, a domain.Actor, outcome domain.Outcome, comment string, data map[string]any) contract.CompleteTaskInput {
	return contract.CompleteTaskInput{TaskID: t.ID, Actor: a, Completion: domain.Completion{Outcome: outcome, Comment: comment, Data: data}}
}

// complete completes a task, expecting success.
func (h *harness) complete(t domain.Task, a domain.Actor, outcome domain.Outcome, comment string, data map[string]any) {
	h.ok(a.Handle+" completes "+t.Key, contract.UpdateCompleteTask, completion(t, a, outcome, comment, data))
}

// approveBrief, doWork and signOff are the happy-path steps, scripted at a time.
func (h *harness) approveBrief(at time.Duration) {
	h.at(at, func() { h.complete(h.openTask(campaign.KeyBriefReview), maya, domain.OutcomeApproved, "", nil) })
}

func (h *harness) doWork(at time.Duration) {
	h.at(at, func() {
		for _, t := range h.detail().Tasks {
			if t.IsOpen() && isWork(t) {
				h.complete(t, actorFor[t.Team], domain.OutcomeDone, "", nil)
			}
		}
	})
}

func (h *harness) signOff(at time.Duration, who ...domain.Actor) {
	h.at(at, func() {
		for _, a := range who {
			h.complete(h.openTask(campaign.KeySignOff+a.Handle), a, domain.OutcomeApproved, "", nil)
		}
	})
}

// refusalCode returns the domain code of an update refusal.
func refusalCode(err error) string {
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) {
		return appErr.Type()
	}
	return ""
}

// refusalProblems returns the field problems of an update refusal.
func refusalProblems(err error) []domain.FieldProblem {
	var appErr *temporal.ApplicationError
	var problems []domain.FieldProblem
	if errors.As(err, &appErr) && appErr.HasDetails() {
		_ = appErr.Details(&problems)
	}
	return problems
}

// opened collects every version of every task the runs project, while a test
// walks the task kinds (forms_test.go).
var opened taskLog

type taskLog struct {
	mu    sync.Mutex
	on    bool
	tasks []domain.Task
}

func (l *taskLog) start() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.on, l.tasks = true, nil
}

func (l *taskLog) stop() []domain.Task {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.on = false
	return l.tasks
}

func (l *taskLog) collect(tasks []domain.Task) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.on {
		l.tasks = append(l.tasks, tasks...)
	}
}

const day = 24 * time.Hour

// isWork reports whether t is a campaign's production work, which readiness
// waits for and a rejected sign-off may send back.
func isWork(t domain.Task) bool {
	return strings.HasPrefix(t.Key, campaign.KeyDeliverable) || strings.HasPrefix(t.Key, campaign.KeyAdded) || strings.HasPrefix(t.Key, campaign.KeyRework)
}

// saUpsert is the search attributes after an upsert, as the Temporal UI's run
// list sees them.
type saUpsert struct {
	process, stage, status, severity string
	level                            int64
	waiting                          []string
	nextDue                          *time.Time
}

// recordUpserts collects, after every search-attribute upsert the run makes,
// in order, the attributes as they then stand: an upsert changes the keys it
// names and leaves the others as they were.
func recordUpserts(h *harness) *[]saUpsert {
	var seen []saUpsert
	var u saUpsert
	h.env.OnUpsertTypedSearchAttributes(mock.Anything).Run(func(args mock.Arguments) {
		sa := args.Get(0).(temporal.SearchAttributes)
		keyword := func(k temporal.SearchAttributeKeyKeyword, to *string) {
			if v, ok := sa.GetKeyword(k); ok {
				*to = v
			}
		}
		keyword(workflows.AttrProcess, &u.process)
		keyword(workflows.AttrStage, &u.stage)
		keyword(workflows.AttrStatus, &u.status)
		keyword(workflows.AttrSeverity, &u.severity)
		if v, ok := sa.GetInt64(workflows.AttrLevel); ok {
			u.level = v
		}
		if v, ok := sa.GetKeywordList(workflows.AttrWaitingOn); ok {
			u.waiting = v
		}
		if due, ok := sa.GetTime(workflows.AttrNextDue); ok {
			u.nextDue = &due
		}
		if slices.Contains(unsetNames(h.t, sa), workflows.AttrNextDue.GetName()) {
			u.nextDue = nil
		}
		seen = append(seen, u)
	}).Return(nil)
	return &seen
}

// unsetNames names the attributes an upsert removes. The SDK's
// SearchAttributes answers only the values it sets (a removal is a key held
// with no value), so they are read from its map; if the SDK stops holding them
// so, this fails rather than seeing no removal.
func unsetNames(t *testing.T, sa temporal.SearchAttributes) []string {
	m := reflect.ValueOf(sa).FieldByName("untypedValue")
	if m.Kind() != reflect.Map {
		t.Fatalf("temporal.SearchAttributes has no map untypedValue: read its removals another way")
	}
	var names []string
	for _, k := range m.MapKeys() {
		if m.MapIndex(k).IsNil() {
			names = append(names, k.Elem().FieldByName("name").String())
		}
	}
	return names
}
