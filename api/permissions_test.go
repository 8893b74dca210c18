package api

import (
	"cmp"
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/tandemhq/tandem/contract"
	"github.com/tandemhq/tandem/domain"
)

// The permission matrix (issue 5): every route × caller × ownership case, with the
// exact status the API answers. Only the API's own decision is measured here: the
// fake Temporal accepts every update, so the workflow validators' checks (task
// eligibility, separation of duties, campaign manager-only changes, who may cancel a
// hiring request or add candidates, accepting high/critical risks, reassignment) are
// tested with the workflows. What this test asserts about them is that the API hands
// the validator the real caller as the actor, which is what makes them the second
// line of defence.

const (
	permHiringID    = "hir_aaaaaaaaaaaa"
	permCandidateID = "cnd_aaaaaaaaaaaa"
	permWebhookID   = "whk_aaaaaaaaaaaa"
	permCommandID   = "cmd_0123456789abcdef0123456789abcdef"
	// Handles of people who own records in the matrix but never call: the
	// "someone else" of the ownership cases.
	permRequester = "rita"
	permManager   = "hugo"
	permOther     = "cole"
)

// permCallers are the callers of every row: no token, then one person per role the
// product names. Handles are those of newEnv plus the three permEnv adds.
var permCallers = []struct{ role, handle string }{
	{"anonymous", ""},
	{"project_manager", "paula"},
	{"marketing_ops_manager", "mo"},
	{"creative", "cara"},
	{"web", "wes"},
	{"director", "dora"},
	{"hr", "hana"},
	{"finance", "finn"},
	{"admin", "ada"},
}

// permEnv is a server whose records hold one of each process record, so every
// route's target exists and the permission decision is what a request meets.
func permEnv(t *testing.T) *env {
	e := newEnv(t)
	for _, p := range []domain.Person{
		person("dora", domain.TeamLeadership, domain.RoleDirector),
		person("hana", domain.TeamHR, domain.RoleHR),
		person("finn", domain.TeamFinance, domain.RoleFinance),
	} {
		e.records.people[p.Handle] = p
		e.records.tokens["tok-"+p.Handle] = p.Handle
	}
	e.records.campaigns[campaignID1] = domain.Campaign{ID: campaignID1, Status: domain.StatusActive, Stage: domain.StageScheduled}
	withTasks(e)
	e.records.hiring().requests[permHiringID] = domain.HiringRequest{ID: permHiringID, RequestedBy: permRequester, Status: domain.StatusActive}
	e.records.risk().risks[riskID1] = domain.Risk{ID: riskID1, Owner: "paula", Status: domain.RiskOpen}
	e.records.templateRuns().runs[runID1] = domain.TemplateRun{ID: runID1, WorkflowID: contract.TemplateRunWorkflowID(runID1),
		TemplateKey: "webinar", TemplateVersion: 1, Status: domain.StatusActive, Stage: domain.StageTriage, RequestedBy: permRequester}
	return e
}

// permRow is one route (and ownership case) of the matrix.
type permRow struct {
	route     string // METHOD and template, as the engine lists it
	ownership string // the ownership case, when ownership changes the answer
	// path is the request path; "{me}" stands for the caller's handle.
	path, body string
	// public routes answer without a token; every other /api/v1 route answers 401.
	public bool
	// ok is the status of an allowed caller; allowed lists them by handle, nil
	// meaning every authenticated caller. Others get denied, 403 unless set.
	ok      int
	allowed []string
	denied  int
	// update, when set, is the workflow update an allowed request runs; the test
	// checks it carries the caller as actor for the validator to judge.
	update string
	setup  func(e *env, me string)
	// check asserts on an allowed caller's answer beyond its status.
	check func(t *testing.T, me string, body string)
}

func (r permRow) want(me string) int {
	switch {
	case me == "" && !r.public:
		return http.StatusUnauthorized
	case me == "" || r.allowed == nil || slices.Contains(r.allowed, me):
		return r.ok
	case r.denied != 0:
		return r.denied
	}
	return http.StatusForbidden
}

var (
	// campaignStarters are PMs, MOps and admins.
	campaignStarters = []string{"paula", "mo", "ada"}
	// hireRequesters add directors and HR.
	hireRequesters = []string{"paula", "mo", "dora", "hana", "ada"}
	// processLeads may subscribe to webhooks and read reports.
	processLeads = []string{"paula", "mo", "dora", "ada"}
	admins       = []string{"ada"}
	// templateManagers publish and retire templates: MOps and admins.
	templateManagers = []string{"mo", "ada"}
	// candidateReaders see the candidates of a request they neither raised nor
	// manage: MOps, HR and admins.
	candidateReaders = []string{"mo", "hana", "ada"}
	// hiringConfidants read the whole of a request they neither raised nor
	// manage (its payloads in the Temporal UI): candidate readers, finance and
	// directors.
	hiringConfidants = []string{"mo", "dora", "hana", "finn", "ada"}
)

// seesCandidate asserts the candidate's name and e-mail are in an answer exactly
// when sees, and the candidate ID always is.
func seesCandidate(sees func(me string) bool) func(t *testing.T, me, body string) {
	return func(t *testing.T, me, body string) {
		t.Helper()
		got := strings.Contains(body, "Jane Roe") || strings.Contains(body, "jane@example.com")
		if got != sees(me) {
			t.Errorf("%s sees candidate data: %v, want %v", me, got, sees(me))
		}
		if !strings.Contains(body, permCandidateID) {
			t.Errorf("%s does not see the candidate ID", me)
		}
	}
}

// hiringDetail makes the fake workflow answer a hiring request raised by
// requester, managed by manager, with one candidate whose data is in the records.
func hiringDetail(requester, manager func(me string) string) func(e *env, me string) {
	return func(e *env, me string) {
		e.records.hiring().candidates[permCandidateID] = domain.Candidate{
			ID: permCandidateID, HiringID: permHiringID, Name: "Jane Roe", Email: "jane@example.com",
		}
		e.temporal.query = func(string, string) (any, error) {
			return contract.HiringDetail{HiringRequest: domain.HiringRequest{
				ID: permHiringID, WorkflowID: contract.HiringWorkflowID(permHiringID), RequestedBy: requester(me),
				Request:    domain.Requisition{HiringManager: manager(me)},
				Candidates: []domain.CandidateRef{{ID: permCandidateID, Status: domain.CandidateInterviewing}},
			}}, nil
		}
	}
}

// hiringRaisedBy makes requester (of the caller) the one who raised the
// hiring request of the matrix.
func hiringRaisedBy(requester func(me string) string) func(e *env, me string) {
	return func(e *env, me string) {
		r := e.records.hiring().requests[permHiringID]
		r.RequestedBy = requester(me)
		e.records.hiring().requests[permHiringID] = r
	}
}

// commentBy stores comment 1, on the matrix's campaign, by author (of the
// caller).
func commentBy(author func(me string) string) func(e *env, me string) {
	return func(e *env, me string) {
		e.records.comments().comments = []domain.Comment{{ID: 1, Process: domain.ProcessCampaign, ProcessID: campaignID1,
			Author: author(me), Body: "first", CreatedAt: testNow}}
	}
}

// withTemplate stores the webinar example, version 1.
func withTemplate(t testing.TB) func(e *env, me string) {
	doc := exampleTemplate(t, "webinar.yaml")
	return func(e *env, _ string) {
		if _, _, err := ApplyTemplate(t.Context(), e.records, []byte(doc), "mo", testNow); err != nil {
			t.Fatal(err)
		}
	}
}

// cancelsRun stores the webinar template and makes the fake workflow answer
// a cancel with the run's detail, as the workflow does.
func cancelsRun(t testing.TB) func(e *env, me string) {
	return func(e *env, me string) {
		withTemplate(t)(e, me)
		e.temporal.update = func(string, string, any) (any, error) {
			r := e.records.templateRuns().runs[runID1]
			r.Status = domain.StatusCancelled
			return contract.TemplateRunDetail{TemplateRun: r}, nil
		}
	}
}

// recordsRunKPIs stores the webinar template and makes the fake workflow
// answer a recording of KPI actuals with the run's detail, as the workflow does.
func recordsRunKPIs(t testing.TB) func(e *env, me string) {
	return func(e *env, me string) {
		withTemplate(t)(e, me)
		e.temporal.update = func(string, string, any) (any, error) {
			r := e.records.templateRuns().runs[runID1]
			v := 310.0
			r.KPIs = []domain.TemplateKPI{{Key: "registrations", Name: "Registrations", Direction: domain.Higher, Target: 300, Actual: &v}}
			return contract.TemplateRunDetail{TemplateRun: r}, nil
		}
	}
}

func fixed(handle string) func(string) string { return func(string) string { return handle } }
func self(me string) string                   { return me }

// webhookOf gives owner (of the caller) the one subscription in the records.
func webhookOf(owner func(me string) string) func(e *env, me string) {
	return func(e *env, me string) {
		e.records.webhook().webhooks = []domain.Webhook{{ID: permWebhookID, Owner: owner(me), URL: "https://hooks.example.com/t",
			Events: []domain.EventKind{domain.EventTaskOpened}, Format: domain.WebhookJSON}}
	}
}

// commandOf stores a pending completion sent by owner (of the caller), for its
// status route.
// notificationOf gives owner notification 1.
func notificationOf(owner func(me string) string) func(e *env, me string) {
	return func(e *env, me string) {
		e.records.notifications[owner(me)] = []domain.Notification{{ID: 1, Key: "k", Recipient: owner(me), Kind: domain.NotifyMention, Subject: "s"}}
	}
}

func commandOf(owner func(me string) string) func(e *env, me string) {
	return func(e *env, me string) {
		in, err := json.Marshal(contract.CompleteTaskInput{
			Command: contract.Command{UpdateID: permCommandID}, TaskID: workTask,
			Actor: domain.ActorOf(e.records.people[owner(me)]), Completion: domain.Completion{Outcome: domain.OutcomeDone},
		})
		if err != nil {
			panic(err)
		}
		e.records.commands[permCommandID] = domain.SentCommand{
			ID: permCommandID, Caller: owner(me), Kind: cmdCompleteTask.name, Target: workTask, WorkflowID: contract.CampaignWorkflowID(campaignID1),
			Update: contract.UpdateCompleteTask, Input: in, Status: domain.CommandPending,
		}
	}
}

func permRows(t testing.TB) []permRow {
	const (
		cpn  = "/api/v1/campaigns/" + campaignID1
		hir  = "/api/v1/hiring-requests/" + permHiringID
		rsk  = "/api/v1/risks/" + riskID1
		tpr  = "/api/v1/template-runs/" + runID1
		ooo  = `{"from": "2030-01-10T00:00:00Z", "to": "2030-01-20T00:00:00Z", "delegate": "` + permOther + `"}`
		decn = `{"comment": "done with it"}`
	)
	return []permRow{
		{route: "GET /healthz", path: "/healthz", public: true, ok: http.StatusOK},
		{route: "GET /readyz", path: "/readyz", public: true, ok: http.StatusOK},
		{route: "GET /metrics", path: "/metrics", public: true, ok: http.StatusOK},
		{route: "GET /api/v1/openapi.json", path: "/api/v1/openapi.json", public: true, ok: http.StatusOK},

		{route: "POST /api/v1/campaigns", path: "/api/v1/campaigns", body: validBrief, ok: http.StatusCreated, allowed: campaignStarters},
		{route: "GET /api/v1/campaigns", path: "/api/v1/campaigns", ok: http.StatusOK},
		{route: "GET /api/v1/campaigns/:id", path: cpn, ok: http.StatusOK},
		{route: "POST /api/v1/campaigns/:id/changes", path: cpn + "/changes", body: `{"budget": {"amount": 1, "currency": "EUR"}, "reason": "r"}`,
			ok: http.StatusOK, update: contract.UpdateChangeCampaign},
		{route: "POST /api/v1/campaigns/:id/kpis", path: cpn + "/kpis", body: `{"actuals": [{"name": "signups", "value": 3}]}`,
			ok: http.StatusOK, update: contract.UpdateRecordKPIs},
		{route: "POST /api/v1/campaigns/:id/cancel", path: cpn + "/cancel", body: `{"reason": "budget cut"}`,
			ok: http.StatusOK, update: contract.UpdateCancel},
		{route: "POST /api/v1/campaigns/:id/tasks", path: cpn + "/tasks", body: addTaskBody,
			ok: http.StatusCreated, update: contract.UpdateAddTask},
		{route: "GET /api/v1/campaigns/:id/timeline", path: cpn + "/timeline", ok: http.StatusOK},

		{route: "GET /api/v1/tasks", path: "/api/v1/tasks", ok: http.StatusOK},
		{route: "GET /api/v1/tasks/:id", path: "/api/v1/tasks/" + workTask, ok: http.StatusOK},
		{route: "POST /api/v1/tasks/:id/complete", path: "/api/v1/tasks/" + workTask + "/complete", body: `{"outcome": "done"}`,
			ok: http.StatusOK, update: contract.UpdateCompleteTask},
		{route: "POST /api/v1/tasks/:id/reassign", path: "/api/v1/tasks/" + workTask + "/reassign", body: `{"assignee": "cole", "reason": "cara is busy"}`,
			ok: http.StatusOK, update: contract.UpdateReassignTask},
		// Who may re-plan a task is the workflow's rule (its managers, admins):
		// the API hands it the caller.
		{route: "POST /api/v1/tasks/:id/estimate", path: "/api/v1/tasks/" + workTask + "/estimate", body: `{"hours": 12, "reason": "two formats more"}`,
			ok: http.StatusOK, update: contract.UpdateEstimateTask},
		// A command's status is its sender's alone: to anyone else, admins too,
		// it does not exist.
		{route: "GET /api/v1/commands/:id", ownership: "own", path: "/api/v1/commands/" + permCommandID, ok: http.StatusOK,
			update: contract.UpdateCompleteTask, setup: commandOf(self)},
		{route: "GET /api/v1/commands/:id", ownership: "someone else's", path: "/api/v1/commands/" + permCommandID, ok: http.StatusOK,
			allowed: []string{}, denied: http.StatusNotFound, setup: commandOf(fixed(permOther))},

		{route: "GET /api/v1/me", path: "/api/v1/me", ok: http.StatusOK,
			check: func(t *testing.T, me, body string) {
				if !strings.Contains(body, `"handle":"`+me+`"`) {
					t.Errorf("/me of %s answered %s", me, body)
				}
			}},
		{route: "GET /api/v1/people", path: "/api/v1/people", ok: http.StatusOK},
		{route: "GET /api/v1/names", path: "/api/v1/names?id=" + campaignID1, ok: http.StatusOK},
		{route: "PUT /api/v1/people/:handle/out-of-office", ownership: "own", path: "/api/v1/people/{me}/out-of-office", body: ooo, ok: http.StatusOK},
		{route: "PUT /api/v1/people/:handle/out-of-office", ownership: "someone else's", path: "/api/v1/people/" + permOther + "/out-of-office",
			body: `{"from": "2030-01-10T00:00:00Z", "to": "2030-01-20T00:00:00Z", "delegate": "cara"}`, ok: http.StatusOK, allowed: admins},
		{route: "PUT /api/v1/people/:handle/weekly-hours", ownership: "their manager", path: "/api/v1/people/" + permOther + "/weekly-hours",
			body: `{"weekly_hours": 32}`, ok: http.StatusOK, setup: func(e *env, me string) {
				p := e.records.people[permOther]
				p.Manager = me
				e.records.people[permOther] = p
			}},
		{route: "PUT /api/v1/people/:handle/weekly-hours", ownership: "someone else's", path: "/api/v1/people/" + permOther + "/weekly-hours",
			body: `{"weekly_hours": 32}`, ok: http.StatusOK, allowed: admins},
		{route: "PUT /api/v1/people/:handle/weekly-hours", ownership: "own", path: "/api/v1/people/{me}/weekly-hours",
			body: `{"weekly_hours": 60}`, ok: http.StatusOK, allowed: admins},
		{route: "PUT /api/v1/people/:handle", path: "/api/v1/people/" + permOther,
			body: `{"name": "Cole", "email": "cole@example.com", "team": "creative", "roles": ["creative"]}`, ok: http.StatusOK, allowed: admins},
		{route: "POST /api/v1/people/:handle/tokens", path: "/api/v1/people/" + permOther + "/tokens", body: `{"label": "ci", "expires_in": "720h"}`,
			ok: http.StatusCreated, allowed: admins},
		{route: "DELETE /api/v1/people/:handle/tokens", path: "/api/v1/people/" + permOther + "/tokens", ok: http.StatusOK, allowed: admins},
		{route: "DELETE /api/v1/people/:handle/sessions", ownership: "own", path: "/api/v1/people/{me}/sessions", ok: http.StatusOK},
		{route: "DELETE /api/v1/people/:handle/sessions", ownership: "someone else's", path: "/api/v1/people/" + permOther + "/sessions",
			ok: http.StatusOK, allowed: admins},
		// Disabling is an admin's, and never of oneself: another admin must.
		{route: "POST /api/v1/people/:handle/disable", ownership: "someone else's", path: "/api/v1/people/" + permOther + "/disable", ok: http.StatusOK, allowed: admins},
		{route: "POST /api/v1/people/:handle/disable", ownership: "own", path: "/api/v1/people/{me}/disable", ok: http.StatusConflict, allowed: admins},
		{route: "POST /api/v1/people/:handle/enable", path: "/api/v1/people/" + permOther + "/enable", ok: http.StatusOK, allowed: admins},
		// Anyone with a token may start a board session of their own. The matrix
		// calls with tokens, which carry no session to end: every caller's sign-out
		// is refused as such (sessions_test.go signs out with sessions).
		{route: "POST /api/v1/sessions", path: "/api/v1/sessions", ok: http.StatusCreated},
		{route: "DELETE /api/v1/sessions/current", path: "/api/v1/sessions/current", ok: http.StatusBadRequest},
		{route: "GET /api/v1/notifications", path: "/api/v1/notifications", ok: http.StatusOK},
		// Each caller marks their own notifications: the route names no one else's.
		{route: "PUT /api/v1/me/notifications/seen", path: "/api/v1/me/notifications/seen", body: `{"through": 1}`, ok: http.StatusOK},
		// One notification read: the caller's own; another's is not found to them, admins too.
		{route: "PUT /api/v1/me/notifications/:id/read", ownership: "own", path: "/api/v1/me/notifications/1/read", ok: http.StatusOK,
			setup: notificationOf(self)},
		{route: "PUT /api/v1/me/notifications/:id/read", ownership: "someone else's", path: "/api/v1/me/notifications/1/read", ok: http.StatusOK,
			allowed: []string{}, denied: http.StatusNotFound, setup: notificationOf(fixed(permOther))},
		// Preferences are the person's own, or an admin's to read and set for them.
		{route: "GET /api/v1/people/:handle/notification-preferences", ownership: "own", path: "/api/v1/people/{me}/notification-preferences", ok: http.StatusOK},
		{route: "GET /api/v1/people/:handle/notification-preferences", ownership: "someone else's", path: "/api/v1/people/" + permOther + "/notification-preferences",
			ok: http.StatusOK, allowed: admins},
		{route: "PUT /api/v1/people/:handle/notification-preferences", ownership: "own", path: "/api/v1/people/{me}/notification-preferences",
			body: `{"time_zone": "Europe/Paris", "channels": {"mention": "digest"}}`, ok: http.StatusOK},
		{route: "PUT /api/v1/people/:handle/notification-preferences", ownership: "someone else's", path: "/api/v1/people/" + permOther + "/notification-preferences",
			body: `{"channels": {"reminder": "off"}}`, ok: http.StatusOK, allowed: admins},

		{route: "POST /api/v1/hiring-requests", path: "/api/v1/hiring-requests", body: validHiring, ok: http.StatusCreated, allowed: hireRequesters},
		{route: "GET /api/v1/hiring-requests", path: "/api/v1/hiring-requests", ok: http.StatusOK},
		{route: "GET /api/v1/hiring-requests/:id", ownership: "raised by the caller", path: hir, ok: http.StatusOK,
			setup: hiringDetail(self, fixed(permManager)), check: seesCandidate(func(string) bool { return true })},
		{route: "GET /api/v1/hiring-requests/:id", ownership: "the caller is hiring manager", path: hir, ok: http.StatusOK,
			setup: hiringDetail(fixed(permRequester), self), check: seesCandidate(func(string) bool { return true })},
		{route: "GET /api/v1/hiring-requests/:id", ownership: "someone else's", path: hir, ok: http.StatusOK,
			setup: hiringDetail(fixed(permRequester), fixed(permManager)),
			check: seesCandidate(func(me string) bool { return slices.Contains(candidateReaders, me) })},
		{route: "POST /api/v1/hiring-requests/:id/candidates", path: hir + "/candidates", body: `{"name": "Jane Roe", "email": "jane@example.com"}`,
			ok: http.StatusCreated, update: contract.UpdateAddCandidate},
		{route: "POST /api/v1/hiring-requests/:id/cancel", path: hir + "/cancel", body: `{"reason": "budget freeze"}`,
			ok: http.StatusOK, update: contract.UpdateCancel},
		{route: "GET /api/v1/hiring-requests/:id/timeline", path: hir + "/timeline", ok: http.StatusOK},

		{route: "POST /api/v1/risks", path: "/api/v1/risks", body: validRiskRaw, ok: http.StatusCreated},
		{route: "GET /api/v1/risks", path: "/api/v1/risks", ok: http.StatusOK},
		{route: "GET /api/v1/risks/:id", path: rsk, ok: http.StatusOK},
		{route: "POST /api/v1/risks/:id/assessments", path: rsk + "/assessments", body: `{"probability": 2, "impact": 2, "comment": "vendor confirmed"}`,
			ok: http.StatusOK, update: contract.UpdateAssessRisk},
		{route: "POST /api/v1/risks/:id/resolve", path: rsk + "/resolve", body: decn, ok: http.StatusOK, update: contract.UpdateDecideRisk},
		{route: "POST /api/v1/risks/:id/accept", path: rsk + "/accept", body: decn, ok: http.StatusOK, update: contract.UpdateDecideRisk},
		{route: "POST /api/v1/risks/:id/materialize", path: rsk + "/materialize", body: decn, ok: http.StatusOK, update: contract.UpdateDecideRisk},
		{route: "POST /api/v1/risks/:id/close", path: rsk + "/close", body: decn, ok: http.StatusOK, update: contract.UpdateDecideRisk},
		{route: "GET /api/v1/risks/:id/timeline", path: rsk + "/timeline", ok: http.StatusOK},

		{route: "POST /api/v1/webhooks", path: "/api/v1/webhooks", body: validWebhookRaw, ok: http.StatusCreated, allowed: processLeads},
		{route: "GET /api/v1/webhooks", ownership: "someone else's", path: "/api/v1/webhooks", ok: http.StatusOK,
			setup: webhookOf(fixed(permOther)),
			check: func(t *testing.T, me, body string) {
				if listed, admin := strings.Contains(body, permWebhookID), slices.Contains(admins, me); listed != admin {
					t.Errorf("%s is shown %s's webhook: %v, want %v", me, permOther, listed, admin)
				}
			}},
		{route: "DELETE /api/v1/webhooks/:id", ownership: "own", path: "/api/v1/webhooks/" + permWebhookID, ok: http.StatusNoContent,
			setup: webhookOf(self)},
		// Someone else's subscription is not found rather than forbidden, as it is not
		// listed to them either.
		{route: "DELETE /api/v1/webhooks/:id", ownership: "someone else's", path: "/api/v1/webhooks/" + permWebhookID, ok: http.StatusNoContent,
			allowed: admins, denied: http.StatusNotFound, setup: webhookOf(fixed(permOther))},

		{route: "OPTIONS /api/v1/codec/decode", path: "/api/v1/codec/decode", public: true, ok: http.StatusNoContent},
		{route: "POST /api/v1/codec/decode", ownership: "a campaign's payload", path: "/api/v1/codec/decode",
			body: sealedFor(t, testKeys, contract.CampaignWorkflowID(campaignID1)), ok: http.StatusOK},
		{route: "POST /api/v1/codec/decode", ownership: "a hiring request's payload", path: "/api/v1/codec/decode",
			body: sealedFor(t, testKeys, contract.HiringWorkflowID(permHiringID)), ok: http.StatusOK, allowed: hiringConfidants},
		{route: "POST /api/v1/codec/decode", ownership: "a template run's payload", path: "/api/v1/codec/decode",
			body: sealedFor(t, testKeys, contract.TemplateRunWorkflowID(runID1)), ok: http.StatusOK},
		{route: "POST /api/v1/codec/decode", ownership: "another run's payload", path: "/api/v1/codec/decode",
			body: sealedFor(t, testKeys, "elsewhere/1"), ok: http.StatusOK, allowed: admins},
		{route: "POST /api/v1/codec/encode", path: "/api/v1/codec/encode", body: `{"payloads": []}`, public: true, ok: http.StatusForbidden},

		{route: "GET /api/v1/campaigns/:id/comments", path: cpn + "/comments", ok: http.StatusOK},
		{route: "POST /api/v1/campaigns/:id/comments", path: cpn + "/comments", body: `{"body": "Looks good, @cara"}`, ok: http.StatusCreated},
		// A hiring request's conversation is for the people involved, as its
		// confidential details are.
		{route: "GET /api/v1/hiring-requests/:id/comments", ownership: "someone else's", path: hir + "/comments", ok: http.StatusOK, allowed: hiringConfidants},
		{route: "GET /api/v1/hiring-requests/:id/comments", ownership: "raised by the caller", path: hir + "/comments", ok: http.StatusOK,
			setup: hiringRaisedBy(self)},
		{route: "POST /api/v1/hiring-requests/:id/comments", path: hir + "/comments", body: `{"body": "Shortlist by Friday"}`, ok: http.StatusCreated,
			allowed: hiringConfidants},
		{route: "GET /api/v1/risks/:id/comments", path: rsk + "/comments", ok: http.StatusOK},
		{route: "POST /api/v1/risks/:id/comments", path: rsk + "/comments", body: `{"body": "The vendor called"}`, ok: http.StatusCreated},
		{route: "GET /api/v1/tasks/:id/comments", path: "/api/v1/tasks/" + workTask + "/comments", ok: http.StatusOK},
		{route: "POST /api/v1/tasks/:id/comments", path: "/api/v1/tasks/" + workTask + "/comments", body: `{"body": "Draft attached"}`, ok: http.StatusCreated},
		// Only its author edits a comment; its author and admins delete it.
		{route: "PATCH /api/v1/comments/:id", ownership: "own", path: "/api/v1/comments/1", body: `{"body": "edited"}`, ok: http.StatusOK,
			setup: commentBy(self)},
		{route: "PATCH /api/v1/comments/:id", ownership: "someone else's", path: "/api/v1/comments/1", body: `{"body": "edited"}`, ok: http.StatusOK,
			allowed: []string{}, setup: commentBy(fixed(permOther))},
		{route: "DELETE /api/v1/comments/:id", ownership: "own", path: "/api/v1/comments/1", ok: http.StatusOK, setup: commentBy(self)},
		{route: "DELETE /api/v1/comments/:id", ownership: "someone else's", path: "/api/v1/comments/1", ok: http.StatusOK,
			allowed: admins, setup: commentBy(fixed(permOther))},
		{route: "GET /api/v1/templates", path: "/api/v1/templates", ok: http.StatusOK},
		{route: "POST /api/v1/templates", path: "/api/v1/templates", body: templateJSON(t, exampleTemplate(t, "webinar.yaml")),
			ok: http.StatusCreated, allowed: templateManagers},
		{route: "GET /api/v1/templates/:key", path: "/api/v1/templates/webinar", ok: http.StatusOK, setup: withTemplate(t)},
		{route: "POST /api/v1/templates/:key/retire", path: "/api/v1/templates/webinar/retire", ok: http.StatusOK,
			allowed: templateManagers, setup: withTemplate(t)},

		// Anyone signed in may start a run of a template and read runs, as
		// campaigns are read; who may cancel one, or record its KPIs, is the
		// workflow validator's (TestCancelTemplateRun, and the workflow's own
		// tests).
		{route: "POST /api/v1/template-runs", path: "/api/v1/template-runs", body: validRun, ok: http.StatusCreated, setup: withTemplate(t)},
		{route: "GET /api/v1/template-runs", path: "/api/v1/template-runs", ok: http.StatusOK},
		{route: "GET /api/v1/template-runs/:id", path: tpr, ok: http.StatusOK, setup: withTemplate(t)},
		{route: "POST /api/v1/template-runs/:id/kpis", path: tpr + "/kpis", body: `{"actuals": [{"name": "registrations", "value": 310}]}`,
			ok: http.StatusOK, update: contract.UpdateRecordKPIs, setup: recordsRunKPIs(t)},
		{route: "POST /api/v1/template-runs/:id/cancel", path: tpr + "/cancel", body: `{"reason": "the speaker left"}`,
			ok: http.StatusOK, update: contract.UpdateCancel, setup: cancelsRun(t)},
		{route: "GET /api/v1/template-runs/:id/timeline", path: tpr + "/timeline", ok: http.StatusOK},
		{route: "GET /api/v1/template-runs/:id/comments", path: tpr + "/comments", ok: http.StatusOK, setup: withTemplate(t)},
		{route: "POST /api/v1/template-runs/:id/comments", path: tpr + "/comments", body: `{"body": "Speakers confirmed, @cara"}`, ok: http.StatusCreated,
			setup: withTemplate(t)},

		{route: "GET /api/v1/reports/overview", path: "/api/v1/reports/overview", ok: http.StatusOK, allowed: processLeads},
		{route: "GET /api/v1/reports/workload", path: "/api/v1/reports/workload", ok: http.StatusOK, allowed: processLeads},
		{route: "GET /api/v1/reports/estimates", path: "/api/v1/reports/estimates", ok: http.StatusOK, allowed: processLeads},
		{route: "GET /api/v1/reports/capacity", path: "/api/v1/reports/capacity", ok: http.StatusOK, allowed: processLeads},

		// A board's column holds only what the lists show everyone.
		{route: "GET /api/v1/boards/:process", path: "/api/v1/boards/campaigns?stage=production", ok: http.StatusOK},

		// The calendar holds only what the lists show everyone; each caller's
		// feed links are their own. The feed answers its secret, whoever asks.
		{route: "GET /api/v1/calendar", path: "/api/v1/calendar?from=2030-01-01T00:00:00Z&to=2030-02-01T00:00:00Z", ok: http.StatusOK},
		{route: "GET /api/v1/calendar/feeds", path: "/api/v1/calendar/feeds", ok: http.StatusOK},
		{route: "POST /api/v1/calendar/feeds", path: "/api/v1/calendar/feeds", body: `{}`, ok: http.StatusCreated},
		{route: "GET /api/v1/calendar/feeds/:token", ownership: "someone else's link", path: feedPath + "tdf_" + permOther + "_1.ics", public: true, ok: http.StatusOK,
			setup: func(e *env, _ string) {
				if _, _, err := e.records.CreateFeed(context.Background(), permOther, domain.FeedScope{}, testNow); err != nil {
					panic(err)
				}
			}},
	}
}

func TestPermissionMatrix(t *testing.T) {
	rows := permRows(t)

	// Every registered route has a row and every row a route, so a route added
	// without a decided permission fails here.
	registered := map[string]bool{}
	for _, r := range newEnv(t).srv.engine.Routes() {
		registered[r.Method+" "+r.Path] = true
	}
	covered := map[string]bool{}
	for _, r := range rows {
		if !registered[r.route] {
			t.Errorf("row %q names no registered route", r.route)
		}
		covered[r.route] = true
	}
	for route := range registered {
		if !covered[route] {
			t.Errorf("route %s has no row in the permission matrix", route)
		}
	}

	for _, row := range rows {
		name := row.route
		if row.ownership != "" {
			name += " (" + row.ownership + ")"
		}
		t.Run(name, func(t *testing.T) {
			for _, c := range permCallers {
				t.Run(c.role, func(t *testing.T) {
					// A fresh server per cell: a delete or an idempotency key of one
					// caller must not change what the next one meets.
					e := permEnv(t)
					me := c.handle
					if row.setup != nil {
						row.setup(e, me)
					}
					token := ""
					if me != "" {
						token = "tok-" + me
					}
					// Anonymous callers of a {me} path ask for someone's: the token
					// is refused before the path matters.
					path := strings.ReplaceAll(row.path, "{me}", cmp.Or(me, permOther))
					rr := e.do(row.method(), path, token, row.body)
					status := row.want(me)
					if status >= 400 {
						code := map[int]string{
							http.StatusUnauthorized: "unauthorized", http.StatusForbidden: domain.CodeForbidden, http.StatusNotFound: domain.CodeNotFound,
						}[status]
						want(t, rr, status, code)
						// A refusal reaches no workflow: nothing is started or updated.
						if len(e.temporal.starts)+len(e.temporal.updates) > 0 {
							t.Errorf("refused request reached Temporal: starts %v, updates %v", e.temporal.starts, e.temporal.updates)
						}
						return
					}
					if rr.Code != status {
						t.Fatalf("status = %d, want %d; body %s", rr.Code, status, rr.Body)
					}
					if row.update != "" {
						checkActor(t, e, row.update, me)
					}
					if row.check != nil {
						row.check(t, me, rr.Body.String())
					}
				})
			}
		})
	}
}

func (r permRow) method() string {
	m, _, _ := strings.Cut(r.route, " ")
	return m
}

// checkActor asserts the request ran update once with the caller, roles and all,
// as the actor: the validator judges eligibility from it.
func checkActor(t *testing.T, e *env, update, me string) {
	t.Helper()
	if len(e.temporal.updates) != 1 || e.temporal.updates[0].Name != update {
		t.Fatalf("updates = %+v, want one %s", e.temporal.updates, update)
	}
	var in struct {
		Actor domain.Actor `json:"actor"`
	}
	if err := roundTrip(e.temporal.updates[0].Input, &in); err != nil {
		t.Fatal(err)
	}
	p := e.records.people[me]
	if in.Actor.Handle != me || in.Actor.Team != p.Team || !slices.Equal(in.Actor.Roles, p.Roles) {
		t.Errorf("actor = %+v, want %s of %s with %v", in.Actor, me, p.Team, p.Roles)
	}
}
