package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/tandemhq/tandem/domain"
)

// decode reads the request body (at most maxBody bytes) into dst, refusing unknown
// fields, trailing data and text with control characters (textProblems), and
// returns the raw body for hashing.
func decode(c *gin.Context, dst any) ([]byte, error) {
	raw, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, maxBody))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return nil, &requestError{status: http.StatusRequestEntityTooLarge, code: "payload_too_large",
				message: fmt.Sprintf("the request body is larger than %d bytes", maxBody)}
		}
		return nil, errBadRequest("", "the request body could not be read")
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil, errBadRequest("", "a JSON request body is required")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return nil, jsonError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errBadRequest("", "the request body holds more than one JSON value")
	}
	generic, err := exactKeys(raw, reflect.TypeOf(dst))
	if err != nil {
		return nil, err
	}
	if p := textProblems(dst); len(p) > 0 {
		return nil, p.Err()
	}
	if err := documented(c.Request.Method, c.FullPath(), generic); err != nil {
		// Kept, not answered yet: the handler's own checks run too, so one
		// answer names every problem (see undocumented).
		c.Set(undocumentedKey, err)
	}
	return raw, nil
}

// exactKeys refuses a body whose keys name a field of dst only in another case.
// encoding/json matches keys case-insensitively, so {"ACtuAls": …} would fill
// Actuals, and {"outcome": "done", "Outcome": "approved"} would take the last;
// the contract spells every key one way, and a key spelled otherwise is as
// unknown as any other. The body is read again as generic JSON for it: at most
// maxBody bytes, already known to be valid.
//
// It returns the body as generic JSON (numbers as json.Number), which the
// document's schema is checked against.
func exactKeys(raw []byte, t reflect.Type) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, errBadRequest("", "malformed JSON")
	}
	if field, bad := caseVariant(v, t, ""); bad {
		key := field[strings.LastIndex(field, ".")+1:]
		return nil, errBadRequest(field, fmt.Sprintf("unknown field %q", key))
	}
	return v, nil
}

var jsonUnmarshaler = reflect.TypeFor[json.Unmarshaler]()

// caseVariant finds the first key of v, in key order, that is not the exact
// name of a field of t where t is a struct; the decoder has already refused keys
// that name no field in any case. Types that read themselves (time, durations)
// and free-form values (any, maps) hold no field names to check.
func caseVariant(v any, t reflect.Type, at string) (string, bool) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if reflect.PointerTo(t).Implements(jsonUnmarshaler) {
		return "", false
	}
	switch t.Kind() {
	case reflect.Struct:
		obj, ok := v.(map[string]any)
		if !ok {
			return "", false
		}
		fields := jsonFields(t)
		for _, k := range slices.Sorted(maps.Keys(obj)) {
			ft, ok := fields[k]
			if !ok {
				return joinPath(at, k), true
			}
			if f, bad := caseVariant(obj[k], ft, joinPath(at, k)); bad {
				return f, true
			}
		}
	case reflect.Slice, reflect.Array:
		items, _ := v.([]any)
		for i, item := range items {
			if f, bad := caseVariant(item, t.Elem(), at+"["+strconv.Itoa(i)+"]"); bad {
				return f, true
			}
		}
	case reflect.Map:
		obj, _ := v.(map[string]any)
		for _, k := range slices.Sorted(maps.Keys(obj)) {
			if f, bad := caseVariant(obj[k], t.Elem(), joinPath(at, k)); bad {
				return f, true
			}
		}
	}
	return "", false
}

// jsonFields are the JSON names of struct t's fields, those of embedded
// structs promoted, with each field's type.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch {
		case name == "-" || (!f.IsExported() && !f.Anonymous):
			continue
		case f.Anonymous && name == "":
			ft := f.Type
			for ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				maps.Copy(out, jsonFields(ft))
				continue
			}
		}
		if name == "" {
			name = f.Name
		}
		out[name] = f.Type
	}
	return out
}

// jsonError says what is wrong with a body the JSON decoder refused, naming the
// field when the decoder does.
func jsonError(err error) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		return errBadRequest("", fmt.Sprintf("malformed JSON at byte %d", syntax.Offset))
	case errors.Is(err, io.ErrUnexpectedEOF):
		return errBadRequest("", "malformed JSON: the body ends too early")
	case errors.As(err, &typ):
		if typ.Field == "" {
			return errBadRequest("", "the body must be a JSON "+jsonType(typ.Type))
		}
		return errBadRequest(typ.Field, fmt.Sprintf("%s must be a JSON %s, not %s", typ.Field, jsonType(typ.Type), typ.Value))
	}
	// The decoder has no typed error for an unknown field, only this message.
	if f, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		f = strings.Trim(f, `"`)
		return errBadRequest(f, fmt.Sprintf("unknown field %q", f))
	}
	return errBadRequest("", "malformed JSON")
}

// jsonType names the JSON type a Go type decodes from.
func jsonType(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return "number"
	case reflect.Slice, reflect.Array:
		return "array"
	case reflect.Pointer:
		return jsonType(t.Elem())
	}
	return "object"
}

// idempotencyKey reads the Idempotency-Key header of a create or a command; ""
// when it has none. A key too long to store is a bad request.
func idempotencyKey(c *gin.Context) (string, error) {
	key := c.GetHeader(idempotencyKeyHeader)
	if len(key) > maxIdempotencyKey {
		return "", errBadRequest("", fmt.Sprintf("the Idempotency-Key header is longer than %d characters", maxIdempotencyKey))
	}
	// The key is stored: text a database keeps as it is (PostgreSQL refused
	// bytes that are not UTF-8 with a 500).
	if !plainText(key) {
		return "", errBadRequest("", "the Idempotency-Key header must be UTF-8 text without control characters")
	}
	return key, nil
}

// pathID reads the {id} path parameter. An ID without the prefix of the kind of
// resource the route serves is not found without asking anyone.
func pathID(c *gin.Context, prefix, what string) (string, error) {
	id := c.Param("id")
	if !domain.HasPrefixID(id, prefix) {
		return "", domain.NotFoundf("%s %s not found", what, id)
	}
	return id, nil
}

// claimCreate reserves a create request's Idempotency-Key, when it has one, for
// the new resource id. It answers the ID to use, the one an earlier request with
// the same key and body made or else id, and whether the request is such a replay.
// The same key with another body is a conflict (409).
func (s *Server) claimCreate(ctx context.Context, scope, key string, body []byte, id string) (string, bool, error) {
	if key == "" {
		return id, false, nil
	}
	sum := sha256.Sum256(body)
	existing, err := s.records.ClaimIdempotencyKey(ctx, domain.IdempotencyClaim{
		Scope: scope, Key: key, BodyHash: hex.EncodeToString(sum[:]), ResourceID: id,
	})
	switch {
	case err != nil:
		return id, false, fmt.Errorf("claim idempotency key: %w", err)
	case existing != "":
		return existing, true, nil
	}
	return id, false, nil
}

// listPage runs one page of a list: the paging parameters and the filter problems
// p are checked first, then list runs with the request's deadline. On a failure it
// has answered the request and reports false.
func listPage[T any](s *Server, c *gin.Context, p domain.Problems, what string,
	list func(ctx context.Context, o domain.ListOptions) (domain.Page[T], error)) (domain.Page[T], bool) {
	opts, err := listOptions(c)
	if err == nil {
		err = p.Err()
	}
	if err != nil {
		s.fail(c, err)
		return domain.Page[T]{}, false
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	page, err := list(ctx, opts)
	if err != nil {
		s.fail(c, fmt.Errorf("list %s: %w", what, err))
		return page, false
	}
	page.Items = nonNil(page.Items)
	return page, true
}

func listOptions(c *gin.Context) (domain.ListOptions, error) {
	o := domain.ListOptions{Limit: domain.DefaultLimit, Cursor: c.Query("cursor")}
	if v, ok := c.GetQuery("limit"); ok {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > domain.MaxLimit {
			return o, domain.Invalid(domain.FieldProblem{Field: "limit", Problem: fmt.Sprintf("must be a whole number from 1 to %d", domain.MaxLimit)})
		}
		o.Limit = n
	}
	return o, nil
}

// nameQuery reads ?q=, the text a list's names are searched for: its records
// whose name holds it, case-insensitively, as typed (no wildcards).
func nameQuery(c *gin.Context, p *domain.Problems) string {
	q := strings.TrimSpace(c.Query("q"))
	if utf8.RuneCountInString(q) > domain.MaxNameQuery {
		p.Add("q", "may be at most %d characters", domain.MaxNameQuery)
	}
	return q
}

// newestFirst reads ?order=: oldest (the default) or newest first, by creation.
func newestFirst(c *gin.Context, p *domain.Problems) bool {
	switch c.Query("order") {
	case "", "oldest":
		return false
	case "newest":
		return true
	}
	p.Add("order", "must be oldest or newest")
	return false
}

// enumParam reads an optional query filter that must be one of the allowed values.
func enumParam[T ~string](c *gin.Context, p *domain.Problems, name string, allowed []T) T {
	v := T(c.Query(name))
	if v == "" {
		return v
	}
	for _, a := range allowed {
		if v == a {
			return v
		}
	}
	vals := make([]string, len(allowed))
	for i, a := range allowed {
		vals[i] = string(a)
	}
	p.Add(name, "must be one of %s", strings.Join(vals, ", "))
	return v
}

// Allowed values of the list filters.
var (
	campaignStatuses = []domain.Status{domain.StatusActive, domain.StatusCompleted, domain.StatusRejected, domain.StatusCancelled}
	taskStatuses     = []domain.TaskStatus{domain.TaskOpen, domain.TaskDone, domain.TaskCancelled, domain.TaskExpired}
	processes        = []domain.Process{domain.ProcessCampaign, domain.ProcessHiring, domain.ProcessRisk}
	// taskProcesses add the runs of templates, whose tasks are everyone's
	// work like the others'.
	taskProcesses = append(slices.Clip(processes), domain.ProcessTemplate)
)

// parseTime reads a required RFC 3339 field; a missing or malformed one is a field problem.
func parseTime(p *domain.Problems, field, v string) time.Time {
	if v == "" {
		p.Add(field, "required, an RFC 3339 time")
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		p.Add(field, "must be an RFC 3339 time like 2030-01-31T09:00:00Z")
		return time.Time{}
	}
	return t.UTC()
}

// moneyRequest is an amount in a currency.
type moneyRequest struct {
	Amount   float64 `json:"amount"`
	Currency string  `json:"currency"`
}

func (m moneyRequest) money() domain.Money {
	return domain.Money{Amount: m.Amount, Currency: m.Currency}
}

type kpiRequest struct {
	Name      string  `json:"name"`
	Target    float64 `json:"target"`
	Unit      string  `json:"unit"`
	Direction string  `json:"direction"`
}

// createCampaignRequest is the body of POST /campaigns: a brief.
type createCampaignRequest struct {
	Name                string       `json:"name"`
	Objective           string       `json:"objective"`
	Audience            string       `json:"audience"`
	Channels            []string     `json:"channels"`
	Budget              moneyRequest `json:"budget"`
	LaunchAt            string       `json:"launch_at"`
	TrackingWindow      string       `json:"tracking_window"`
	KPIs                []kpiRequest `json:"kpis"`
	ProjectManager      string       `json:"project_manager"`
	MarketingOpsManager string       `json:"marketing_ops_manager"`
	Regulated           bool         `json:"regulated"`
}

// brief converts the request, with the policy's defaults filled in, and checks it at
// time now. Whether the named managers exist is checked by the handler.
func (r createCampaignRequest) brief(pol domain.CampaignPolicy, now time.Time) (domain.Brief, domain.Problems) {
	var p domain.Problems
	b := domain.Brief{
		Name:                strings.TrimSpace(r.Name),
		Objective:           r.Objective,
		Audience:            r.Audience,
		Channels:            channels(r.Channels),
		Budget:              r.Budget.money(),
		ProjectManager:      r.ProjectManager,
		MarketingOpsManager: r.MarketingOpsManager,
		Regulated:           r.Regulated,
	}
	if r.LaunchAt != "" {
		b.LaunchAt = parseTime(&p, "launch_at", r.LaunchAt)
	}
	if r.TrackingWindow != "" {
		d, err := time.ParseDuration(r.TrackingWindow)
		if err != nil {
			p.Add("tracking_window", "must be a Go duration like 336h")
		}
		b.TrackingWindow = domain.Duration(d)
	}
	for _, k := range r.KPIs {
		b.KPIs = append(b.KPIs, domain.KPI{Name: k.Name, Target: k.Target, Unit: k.Unit, Direction: domain.Direction(k.Direction)})
	}
	b = b.WithDefaults(pol)
	b.CheckLimits(&p)
	// A field that did not parse already has its problem; the brief's own check of
	// its zero value would only repeat it.
	parsed := map[string]bool{}
	for _, fp := range p {
		parsed[fp.Field] = true
	}
	var ve *domain.ValidationError
	if errors.As(b.Validate(now), &ve) {
		for _, fp := range ve.Problems {
			if !parsed[fp.Field] {
				p = append(p, fp)
			}
		}
	}
	return b, p
}

func channels(in []string) []domain.Channel {
	out := make([]domain.Channel, len(in))
	for i, c := range in {
		out[i] = domain.Channel(c)
	}
	return out
}

// changeCampaignRequest is the body of POST /campaigns/{id}/changes.
type changeCampaignRequest struct {
	LaunchAt       string        `json:"launch_at"`
	AddChannels    []string      `json:"add_channels"`
	RemoveChannels []string      `json:"remove_channels"`
	Budget         *moneyRequest `json:"budget"`
	Reason         string        `json:"reason"`
}

// change converts the request. Whether the change fits the campaign is the
// workflow's to check, against the brief as it is now.
func (r changeCampaignRequest) change() (domain.Change, error) {
	var p domain.Problems
	ch := domain.Change{Reason: r.Reason}
	// What the workflow's Apply checks without the brief is checked here first.
	domain.RequireText(&p, "reason", r.Reason)
	if r.LaunchAt == "" && len(r.AddChannels) == 0 && len(r.RemoveChannels) == 0 && r.Budget == nil {
		p.Add("change", "nothing to change: give launch_at, add_channels, remove_channels or budget")
	}
	if r.LaunchAt != "" {
		t := parseTime(&p, "launch_at", r.LaunchAt)
		ch.LaunchAt = &t
	}
	if len(r.AddChannels) > 0 {
		ch.AddChannels = channels(r.AddChannels)
	}
	if len(r.RemoveChannels) > 0 {
		ch.RemoveChannels = channels(r.RemoveChannels)
	}
	if r.Budget != nil {
		m := r.Budget.money()
		ch.Budget = &m
	}
	ch.CheckLimits(&p)
	return ch, p.Err()
}

type kpiActualRequest struct {
	Name string `json:"name"`
	// Value is a pointer so that a value left out or null is refused, not
	// recorded as 0.
	Value *float64 `json:"value"`
}

// recordKPIsRequest is the body of POST /campaigns/{id}/kpis.
type recordKPIsRequest struct {
	Actuals []kpiActualRequest `json:"actuals"`
}

// actuals converts the request, checked against the caps on one recording;
// whether each names a KPI of the campaign is the workflow's to check.
func (r recordKPIsRequest) actuals(by string, at time.Time) ([]domain.KPIActual, error) {
	var p domain.Problems
	if len(r.Actuals) == 0 {
		p.Add("actuals", "at least one actual is required")
	}
	out := make([]domain.KPIActual, len(r.Actuals))
	for i, a := range r.Actuals {
		out[i] = domain.KPIActual{Name: a.Name, RecordedAt: at, RecordedBy: by}
		if a.Value == nil {
			p.Add("actuals["+strconv.Itoa(i)+"].value", "required, a number")
			continue
		}
		out[i].Value = *a.Value
	}
	domain.CheckActualsLimits(&p, out)
	return out, p.Err()
}

// cancelRequest is the body of POST /campaigns/{id}/cancel.
type cancelRequest struct {
	Reason string `json:"reason"`
}

// addTaskRequest is the body of POST /campaigns/{id}/tasks.
type addTaskRequest struct {
	Title       string `json:"title"`
	Description string `json:"description"`
	Team        string `json:"team"`
	Role        string `json:"role"`
	Assignee    string `json:"assignee"`
	DueAt       string `json:"due_at"`
}

// check validates what does not depend on the campaign; the assignee's existence is
// the handler's to check.
func (r addTaskRequest) check(now time.Time) (time.Time, domain.Problems) {
	var p domain.Problems
	if domain.RequireText(&p, "title", r.Title) {
		domain.CheckText(&p, "title", r.Title, domain.MaxNameChars)
	}
	domain.CheckText(&p, "description", r.Description, domain.MaxDescriptionChars)
	if !domain.Team(r.Team).Valid() {
		p.Add("team", "must be a known team")
	}
	if !domain.Role(r.Role).Valid() {
		p.Add("role", "must be a known role")
	}
	due := parseTime(&p, "due_at", r.DueAt)
	if !due.IsZero() && !due.After(now) {
		p.Add("due_at", "must be in the future")
	}
	return due, p
}

// completeTaskRequest is the body of POST /tasks/{id}/complete.
type completeTaskRequest struct {
	Outcome     string         `json:"outcome"`
	Comment     string         `json:"comment"`
	Data        map[string]any `json:"data"`
	ActualHours *float64       `json:"actual_hours"`
}

func (r completeTaskRequest) completion() domain.Completion {
	return domain.Completion{Outcome: domain.Outcome(r.Outcome), Comment: r.Comment, Data: r.Data, ActualHours: r.ActualHours}
}

// reassignTaskRequest is the body of POST /tasks/{id}/reassign.
type reassignTaskRequest struct {
	Assignee string `json:"assignee"`
	Reason   string `json:"reason"`
}

// outOfOfficeRequest is the body of PUT /people/{handle}/out-of-office; {} or null
// clears the window.
type outOfOfficeRequest struct {
	From     string `json:"from"`
	To       string `json:"to"`
	Delegate string `json:"delegate"`
}

func (r *outOfOfficeRequest) empty() bool {
	return r == nil || (r.From == "" && r.To == "" && r.Delegate == "")
}

// window converts the request for the person handle; the delegate's existence is
// the handler's to check.
func (r *outOfOfficeRequest) window(handle string) (*domain.OutOfOffice, domain.Problems) {
	var p domain.Problems
	o := &domain.OutOfOffice{
		From:     parseTime(&p, "from", r.From),
		To:       parseTime(&p, "to", r.To),
		Delegate: r.Delegate,
	}
	if !o.From.IsZero() && !o.To.IsZero() && !o.To.After(o.From) {
		p.Add("to", "must be after from")
	}
	if domain.RequireText(&p, "delegate", r.Delegate) && r.Delegate == handle {
		p.Add("delegate", "must be someone else")
	}
	return o, p
}
