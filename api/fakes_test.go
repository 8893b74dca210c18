package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tandemhq/tandem/codec"
	"github.com/tandemhq/tandem/domain"
)

// testNow is the fake clock of every test server.
var testNow = time.Date(2030, 1, 7, 9, 0, 0, 0, time.UTC)

// fakeTemporal records what the server asks of Temporal and answers with what the
// test set up. Results cross a JSON round trip, as they do through the data converter.
type fakeTemporal struct {
	mu       sync.Mutex
	starts   []StartRequest
	startErr error
	updates  []updateCall
	// update answers an update; nil answers an empty result.
	update  func(workflowID, name string, input any) (any, error)
	queries []string
	query   func(workflowID, name string) (any, error)
	health  error
	// noWorkers and workersErr are what Workers answers; one worker polls by default.
	noWorkers  bool
	workersErr error
}

type updateCall struct {
	WorkflowID string
	RunID      string
	Name       string
	ID         string
	Input      any // the input itself, not the pointer the server sends
}

func (f *fakeTemporal) Start(_ context.Context, req StartRequest) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.starts = append(f.starts, req)
	return f.startErr
}

// Update records the call and answers as f.update says; its answer (nil,
// errAdmitted, a refusal, …) is the outcome. The run of a done update is "run-1".
func (f *fakeTemporal) Update(_ context.Context, u UpdateRequest, result any) (string, error) {
	in := reflect.Indirect(reflect.ValueOf(u.Input)).Interface()
	f.mu.Lock()
	f.updates = append(f.updates, updateCall{u.WorkflowID, u.RunID, u.Name, u.ID, in})
	answer := f.update
	f.mu.Unlock()
	if answer == nil {
		return "run-1", nil
	}
	out, err := answer(u.WorkflowID, u.Name, in)
	if err != nil {
		return "", err
	}
	return "run-1", roundTrip(out, result)
}

func (f *fakeTemporal) Query(_ context.Context, workflowID, name string, result any) error {
	f.mu.Lock()
	f.queries = append(f.queries, workflowID)
	answer := f.query
	f.mu.Unlock()
	if answer == nil {
		return domain.ErrNotFound
	}
	out, err := answer(workflowID, name)
	if err != nil {
		return err
	}
	return roundTrip(out, result)
}

func (f *fakeTemporal) CheckHealth(context.Context) error { return f.health }

func (f *fakeTemporal) Workers(context.Context) (int, error) {
	if f.noWorkers || f.workersErr != nil {
		return 0, f.workersErr
	}
	return 1, nil
}

func roundTrip(in, out any) error {
	b, err := json.Marshal(in)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, out)
}

// fakeRecords is an in-memory directory and projection. fail makes a method (by
// name) return an error; the last filter of each list is kept for assertions.
type fakeRecords struct {
	mu            sync.Mutex
	commandAudits map[string]bool // commands whose entry is in the trail
	tokens        map[string]string
	people        map[string]domain.Person
	campaigns     map[string]domain.Campaign
	tasks         map[string]domain.Task
	events        map[string][]domain.Event
	notifications map[string][]domain.Notification
	seen          map[string]uint64 // notification marks, by recipient
	keys          map[string]domain.IdempotencyClaim
	released      []string
	commands      map[string]domain.SentCommand
	fail          map[string]error
	panicOn       string
	schema        int64                   // the schema version SchemaVersion answers; the build's is 2
	sessions      map[string]*fakeSession // by ID
	calendar      *fakeCalendar

	lastSessionStart domain.SessionStart

	lastCampaigns domain.CampaignFilter
	lastBoard     domain.BoardFilter
	lastTasks     domain.TaskFilter
	lastCounts    domain.TaskFilter
	lastPeople    domain.PeopleFilter
	lastNotify    domain.ListOptions
}

func (r *fakeRecords) enter(method string) error {
	if r.panicOn == method {
		panic("fake records: " + method + " exploded")
	}
	return r.fail[method]
}

func (r *fakeRecords) PersonByToken(_ context.Context, token string) (domain.Person, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.enter("PersonByToken"); err != nil {
		return domain.Person{}, err
	}
	h, ok := r.tokens[token]
	if !ok {
		return domain.Person{}, domain.ErrNotFound
	}
	return r.people[h], nil
}

func (r *fakeRecords) Person(_ context.Context, handle string) (domain.Person, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.enter("Person"); err != nil {
		return domain.Person{}, err
	}
	p, ok := r.people[handle]
	if !ok {
		return p, domain.NotFoundf("person %s", handle)
	}
	return p, nil
}

// DirectoryVersion is a digest of the fake's people as they are.
func (r *fakeRecords) DirectoryVersion(context.Context) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.enter("DirectoryVersion"); err != nil {
		return "", err
	}
	handles := slices.Sorted(maps.Keys(r.people))
	h := sha256.New()
	for _, k := range handles {
		b, _ := json.Marshal(r.people[k])
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func (r *fakeRecords) People(_ context.Context, f domain.PeopleFilter) (domain.Page[domain.Person], error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.lastPeople = f
	if err := r.enter("People"); err != nil {
		return domain.Page[domain.Person]{}, err
	}
	var out []domain.Person
	for _, p := range r.people {
		if (f.Team == "" || p.Team == f.Team) && (f.Role == "" || p.HasRole(f.Role)) {
			out = append(out, p)
		}
	}
	slices.SortFunc(out, func(a, b domain.Person) int { return strings.Compare(a.Handle, b.Handle) })
	return page(out, f.ListOptions)
}

func (r *fakeRecords) SetOutOfOffice(_ context.Context, handle string, o *domain.OutOfOffice) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.enter("SetOutOfOffice"); err != nil {
		return err
	}
	p := r.people[handle]
	p.OutOfOffice = o
	r.people[handle] = p
	return nil
}

func (r *fakeRecords) Campaign(_ context.Context, id string) (domain.Campaign, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.enter("Campaign"); err != nil {
		return domain.Campaign{}, err
	}
	c, ok := r.campaigns[id]
	if !ok {
		return c, domain.ErrNotFound
	}
	return c, nil
}

func (r *fakeRecords) Campaigns(_ context.Context, f domain.CampaignFilter) (domain.Page[domain.Campaign], error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.lastCampaigns = f
	if err := r.enter("Campaigns"); err != nil {
		return domain.Page[domain.Campaign]{}, err
	}
	var out []domain.Campaign
	for _, c := range r.campaigns {
		if (f.Status == "" || c.Status == f.Status) &&
			(f.Owner == "" || c.Brief.ProjectManager == f.Owner || c.Brief.MarketingOpsManager == f.Owner) && named(c.Brief.Name, f.Name) {
			out = append(out, c)
		}
	}
	slices.SortFunc(out, func(a, b domain.Campaign) int { return strings.Compare(a.ID, b.ID) })
	if f.Newest {
		slices.Reverse(out)
	}
	return page(out, f.ListOptions)
}

// named reports whether name holds the text a list is searched for, as the store's
// search does.
func named(name, q string) bool {
	return strings.Contains(strings.ToLower(name), strings.ToLower(q))
}

func (r *fakeRecords) Task(_ context.Context, id string) (domain.Task, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.enter("Task"); err != nil {
		return domain.Task{}, err
	}
	t, ok := r.tasks[id]
	if !ok {
		return t, domain.ErrNotFound
	}
	return t, nil
}

func (r *fakeRecords) Tasks(_ context.Context, f domain.TaskFilter) (domain.Page[domain.Task], error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.lastTasks = f
	if err := r.enter("Tasks"); err != nil {
		return domain.Page[domain.Task]{}, err
	}
	out := r.listed(f)
	slices.SortFunc(out, func(a, b domain.Task) int { return strings.Compare(a.ID, b.ID) })
	return page(out, f.ListOptions)
}

// listed are the tasks f's filters select, in no order.
func (r *fakeRecords) listed(f domain.TaskFilter) []domain.Task {
	var out []domain.Task
	for _, t := range r.tasks {
		if (f.Assignee == "" || t.Assignee == f.Assignee) && (f.Team == "" || t.Team == f.Team) &&
			(f.Role == "" || t.Role == f.Role) && (f.Status == "" || t.Status == f.Status) &&
			(f.Process == "" || t.Process == f.Process) && (f.ProcessID == "" || t.ProcessID == f.ProcessID) &&
			(!f.Unheld || t.Team == "" && t.Assignee == "") {
			out = append(out, t)
		}
	}
	return out
}

// TaskCounts counts what Tasks would list, as the store does (its cap aside).
func (r *fakeRecords) TaskCounts(_ context.Context, f domain.TaskFilter, now time.Time) (domain.TaskCounts, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.lastCounts = f
	if err := r.enter("TaskCounts"); err != nil {
		return domain.TaskCounts{}, err
	}
	var n domain.TaskCounts
	for _, t := range r.listed(f) {
		n.Total++
		if !t.DueAt.IsZero() && t.DueAt.Before(now) {
			n.Overdue++
		}
	}
	return n, nil
}

func (r *fakeRecords) Timeline(_ context.Context, p domain.Process, id string) ([]domain.Event, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.enter("Timeline"); err != nil {
		return nil, err
	}
	return r.events[string(p)+"/"+id], nil
}

func (r *fakeRecords) Notifications(_ context.Context, recipient string, o domain.ListOptions) (domain.Page[domain.Notification], error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.lastNotify = o
	if err := r.enter("Notifications"); err != nil {
		return domain.Page[domain.Notification]{}, err
	}
	return page(r.notifications[recipient], o)
}

func (r *fakeRecords) NotificationMark(_ context.Context, recipient string) (domain.NotificationMark, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.enter("NotificationMark"); err != nil {
		return domain.NotificationMark{}, err
	}
	return r.mark(recipient), nil
}

// mark counts recipient's notifications after their mark, as the store does.
func (r *fakeRecords) mark(recipient string) domain.NotificationMark {
	m := domain.NotificationMark{SeenThrough: r.seen[recipient]}
	for _, n := range r.notifications[recipient] {
		if n.ID > m.SeenThrough && n.ReadAt == nil && m.Unread < domain.MaxUnread {
			m.Unread++
		}
	}
	return m
}

func (r *fakeRecords) MarkNotificationsSeen(_ context.Context, recipient string, through uint64, _ time.Time) (domain.NotificationMark, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.enter("MarkNotificationsSeen"); err != nil {
		return domain.NotificationMark{}, err
	}
	var newest uint64
	for _, n := range r.notifications[recipient] {
		newest = max(newest, n.ID)
	}
	if r.seen == nil {
		r.seen = map[string]uint64{}
	}
	r.seen[recipient] = max(r.seen[recipient], min(through, newest))
	return r.mark(recipient), nil
}

func (r *fakeRecords) ClaimIdempotencyKey(_ context.Context, c domain.IdempotencyClaim) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.enter("ClaimIdempotencyKey"); err != nil {
		return "", err
	}
	k := c.Scope + "\x00" + c.Key
	prev, ok := r.keys[k]
	switch {
	case !ok:
		r.keys[k] = c
		return "", nil
	case prev.BodyHash != c.BodyHash:
		return "", domain.Conflictf("Idempotency-Key %q was already used with a different request body", c.Key)
	}
	return prev.ResourceID, nil
}

func (r *fakeRecords) ReleaseIdempotencyKey(_ context.Context, scope, key string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.enter("ReleaseIdempotencyKey"); err != nil {
		return err
	}
	delete(r.keys, scope+"\x00"+key)
	r.released = append(r.released, key)
	return nil
}

func (r *fakeRecords) ClaimCommand(_ context.Context, c domain.SentCommand) (domain.SentCommand, bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.enter("ClaimCommand"); err != nil {
		return c, false, err
	}
	prev, ok := r.commands[c.ID]
	switch {
	case !ok:
		c.Status = domain.CommandPending
		r.commands[c.ID] = c
		return c, true, nil
	case prev.BodyHash != c.BodyHash:
		return prev, false, domain.Conflictf("the Idempotency-Key was already used with a different request body")
	}
	return prev, false, nil
}

func (r *fakeRecords) Command(_ context.Context, id string) (domain.SentCommand, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.enter("Command"); err != nil {
		return domain.SentCommand{}, err
	}
	c, ok := r.commands[id]
	if !ok {
		return c, domain.NotFoundf("command %s not found", id)
	}
	return c, nil
}

func (r *fakeRecords) SettleCommand(_ context.Context, id string, status domain.CommandStatus, runID string, refusal []byte) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.enter("SettleCommand"); err != nil {
		return err
	}
	if c, ok := r.commands[id]; ok && c.Status == domain.CommandPending {
		c.Status, c.RunID, c.Refusal = status, runID, refusal
		r.commands[id] = c
	}
	return nil
}

func (r *fakeRecords) Ping(context.Context) error { return r.enter("Ping") }

func (r *fakeRecords) SchemaVersion(context.Context) (current, latest int64, err error) {
	if err := r.enter("SchemaVersion"); err != nil {
		return 0, 0, err
	}
	return r.schema, 2, nil
}

// page cuts items like a keyset page: the cursor is the index to start at, and
// anything else is a bad cursor, as the store says of one it did not make.
func page[T any](items []T, o domain.ListOptions) (domain.Page[T], error) {
	start := 0
	if o.Cursor != "" {
		if err := json.Unmarshal([]byte(o.Cursor), &start); err != nil || start < 0 {
			return domain.Page[T]{}, domain.ErrBadCursor
		}
	}
	start = min(start, len(items))
	end := min(start+o.Limit, len(items))
	p := domain.Page[T]{Items: items[start:end]}
	if end < len(items) {
		b, _ := json.Marshal(end)
		p.NextCursor = string(b)
	}
	return p, nil
}

// env is one test server with its fakes.
type env struct {
	t        *testing.T
	srv      *Server
	temporal *fakeTemporal
	records  *fakeRecords
	logs     *bytes.Buffer
}

func person(handle string, team domain.Team, roles ...domain.Role) domain.Person {
	return domain.Person{Handle: handle, Name: strings.ToUpper(handle[:1]) + handle[1:], Email: handle + "@example.com", Team: team, Roles: roles}
}

// newEnv makes a server over a small directory; each person's token is "tok-<handle>".
func newEnv(t *testing.T) *env {
	t.Helper()
	people := []domain.Person{
		person("paula", domain.TeamPMO, domain.RoleProjectManager),
		person("mo", domain.TeamMarketingOps, domain.RoleMarketingOpsManager),
		person("cara", domain.TeamCreative, domain.RoleCreative),
		person("cole", domain.TeamCreative, domain.RoleCreative),
		person("wes", domain.TeamWeb, domain.RoleWeb),
		person("ada", domain.TeamPMO, domain.RoleAdmin),
	}
	rec := &fakeRecords{
		schema: 2,
		tokens: map[string]string{}, people: map[string]domain.Person{}, campaigns: map[string]domain.Campaign{},
		tasks: map[string]domain.Task{}, events: map[string][]domain.Event{}, notifications: map[string][]domain.Notification{},
		keys: map[string]domain.IdempotencyClaim{}, commands: map[string]domain.SentCommand{}, fail: map[string]error{},
	}
	for _, p := range people {
		rec.people[p.Handle] = p
		rec.tokens["tok-"+p.Handle] = p.Handle
	}
	tmp := &fakeTemporal{}
	logs := &bytes.Buffer{}
	srv := New(Config{
		Temporal: tmp, Records: rec, Policy: domain.DefaultPolicy(),
		Logger:        slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		TemporalUIURL: "http://localhost:8233/", Namespace: "default",
		Now:          func() time.Time { return testNow },
		WebhookGuard: webhookGuard(t, &dns{"hooks.example.com": {"93.184.215.14"}}),
		Codec:        codec.New(testKeys, codec.Options{AcceptClear: true}),
	})
	return &env{t: t, srv: srv, temporal: tmp, records: rec, logs: logs}
}

// do sends a request as the person with token (none when empty) and returns the answer.
func (e *env) do(method, path, token, body string, headers ...string) *httptest.ResponseRecorder {
	e.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, path, rd)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return e.serve(req)
}

// serve is the one way a test's request reaches the server: it fails the test
// where the answer differs from openapi.json (see openapi_check_test.go).
func (e *env) serve(req *http.Request) *httptest.ResponseRecorder {
	e.t.Helper()
	var body []byte
	if req.Body != nil {
		var err error
		if body, err = io.ReadAll(req.Body); err != nil {
			e.t.Fatalf("read the request body: %v", err)
		}
		req.Body = io.NopCloser(bytes.NewReader(body))
	}
	rr := httptest.NewRecorder()
	e.srv.Handler().ServeHTTP(rr, req)
	for _, problem := range apiContract(e.t).check(req, body, rr) {
		e.t.Errorf("openapi: %s", problem)
	}
	return rr
}

// want checks the status and that the answer is JSON; given a code, it checks the
// body is the contract's error with that code and returns the decoded error object.
func want(t *testing.T, rr *httptest.ResponseRecorder, status int, code string) errorObject {
	t.Helper()
	if rr.Code != status {
		t.Fatalf("status = %d, want %d; body %s", rr.Code, status, rr.Body)
	}
	if ct := rr.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("Content-Type = %q, want JSON", ct)
	}
	if code == "" {
		return errorObject{}
	}
	var body errorBody
	dec := json.NewDecoder(rr.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&body); err != nil {
		t.Fatalf("error body %q is not the contract's format: %v", rr.Body, err)
	}
	if body.Error.Code != code {
		t.Fatalf("error code = %q, want %q (message %q)", body.Error.Code, code, body.Error.Message)
	}
	if body.Error.Message == "" {
		t.Fatal("error message is empty")
	}
	return body.Error
}

// hasProblem reports whether the error names field with a problem containing text.
func hasProblem(o errorObject, field, text string) bool {
	return slices.ContainsFunc(o.Details, func(p domain.FieldProblem) bool {
		return p.Field == field && strings.Contains(p.Problem, text)
	})
}

func decodeJSON[T any](t *testing.T, rr *httptest.ResponseRecorder) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(rr.Body.Bytes(), &v); err != nil {
		t.Fatalf("decode %s: %v", rr.Body, err)
	}
	return v
}

// statusOf is shorthand for the status names the tests repeat.
const (
	sOK       = http.StatusOK
	sCreated  = http.StatusCreated
	sBad      = http.StatusBadRequest
	sUnauth   = http.StatusUnauthorized
	sForbid   = http.StatusForbidden
	sNotFound = http.StatusNotFound
	sConflict = http.StatusConflict
	sTooLarge = http.StatusRequestEntityTooLarge
	sInvalid  = http.StatusUnprocessableEntity
	sUnavail  = http.StatusServiceUnavailable
	sInternal = http.StatusInternalServerError
)
