package store

import (
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/schema"

	"github.com/tandemhq/tandem/domain"
)

// The models are the store's own: the tables can change shape without touching the
// domain, and no GORM tag leaks into the types other packages share. Every time
// field switches GORM's automatic timestamps off, because the projection stores the
// times the workflow made, and an automatic "now" would make a replayed batch
// differ from the first write.

// personRow is one member of the directory.
type personRow struct {
	Handle      string `gorm:"primaryKey"`
	Name        string `gorm:"not null"`
	Email       string `gorm:"not null"`
	Team        string `gorm:"not null"`
	Manager     string `gorm:"not null"`
	OOOFrom     *time.Time
	OOOTo       *time.Time
	OOODelegate *string
	CreatedAt   time.Time `gorm:"not null;autoCreateTime:false"`
	UpdatedAt   time.Time `gorm:"not null;autoUpdateTime:false"`
	// DisabledAt is when the person was disabled; NULL while active. Only
	// SetDisabled writes it: an upsert of the person keeps it.
	DisabledAt *time.Time
	// WeeklyHours are the person's own weekly hours; NULL means the policy's.
	// Only SetWeeklyHours writes it: an upsert of the person keeps it.
	WeeklyHours *float64
	// TimeZone is the person's IANA time zone, for their daily digest, ""
	// (UTC) until they choose one; only SetNotificationSettings writes it, so
	// an upsert of the person keeps it.
	TimeZone string `gorm:"not null;default:''"`

	// Roles is preloaded on reads and written by hand (see writePerson); both
	// associations also declare the foreign keys AutoMigrate creates.
	Roles    []personRoleRow `gorm:"foreignKey:Handle;references:Handle;constraint:OnDelete:CASCADE"`
	Tokens   []tokenRow      `gorm:"foreignKey:Handle;references:Handle;constraint:OnDelete:CASCADE"`
	Sessions []sessionRow    `gorm:"foreignKey:Handle;references:Handle;constraint:OnDelete:CASCADE"`
	Feeds    []feedRow       `gorm:"foreignKey:Handle;references:Handle;constraint:OnDelete:CASCADE"`
}

func (personRow) TableName() string { return "people" }

// personRoleRow is one role a person holds; Position keeps the order they were given in.
type personRoleRow struct {
	Handle   string `gorm:"primaryKey"`
	Role     string `gorm:"primaryKey"`
	Position int    `gorm:"not null"`
}

func (personRoleRow) TableName() string { return "person_roles" }

// tokenRow is an API token, kept only as the SHA-256 of the token.
type tokenRow struct {
	Hash       string    `gorm:"primaryKey"`
	Handle     string    `gorm:"not null"`
	Label      string    `gorm:"not null"`
	CreatedAt  time.Time `gorm:"not null;autoCreateTime:false"`
	LastUsedAt *time.Time
	RevokedAt  *time.Time
	// ExpiresAt is when the token stops resolving; NULL is never.
	ExpiresAt *time.Time

	// Sessions declares the foreign key of the board sessions signed in with
	// the token; it is never loaded.
	Sessions []sessionRow `gorm:"foreignKey:TokenHash;references:Hash;constraint:OnDelete:CASCADE"`
}

func (tokenRow) TableName() string { return "api_tokens" }

// sessionRow is a board session, kept only as the SHA-256 of its ID.
type sessionRow struct {
	Hash   string `gorm:"primaryKey"`
	Handle string `gorm:"not null"`
	Method string `gorm:"not null"`
	// TokenHash is the API token signed in with, if one was: the session lives
	// no longer than the token.
	TokenHash     *string
	CreatedAt     time.Time `gorm:"not null;autoCreateTime:false"`
	LastSeenAt    time.Time `gorm:"not null"`
	IdleExpiresAt time.Time `gorm:"not null"`
	ExpiresAt     time.Time `gorm:"not null"`
	RevokedAt     *time.Time
	// RefreshSealed is the identity provider's refresh token, sealed (Sealer)
	// and bound to the session; RecheckAt is when the session is next
	// re-checked with the provider. Both nil for a session never re-checked.
	RefreshSealed *string
	RecheckAt     *time.Time
}

func (sessionRow) TableName() string { return "board_sessions" }

// campaignRow is the projection of a campaign launch. What lists filter on is a real
// column; the nested parts of the record are JSON.
type campaignRow struct {
	ID                  string `gorm:"primaryKey"`
	WorkflowID          string `gorm:"not null"`
	Status              string `gorm:"not null"`
	Stage               string `gorm:"not null"`
	ProjectManager      string `gorm:"not null"`
	MarketingOpsManager string `gorm:"not null"`
	RequestedBy         string `gorm:"not null"`
	Reason              string `gorm:"not null"`
	Name                string `gorm:"not null;default:''"` // the brief's, for the search by name
	Brief               jsonCol[domain.Brief]
	Actuals             jsonCol[[]domain.KPIActual]
	KPIReport           jsonCol[[]domain.KPIResult] `gorm:"column:kpi_report"`
	Stages              jsonCol[[]domain.StageSpan]
	Report              jsonCol[*domain.Report]
	// Risks are the linked risks; HeldBy the one holding the launch since
	// HeldSince. Rows from before they were kept read as none.
	Risks     jsonCol[[]domain.LinkedRisk]
	HeldBy    string `gorm:"not null;default:''"`
	HeldSince *time.Time
	// LaunchAt and Audience are the brief's, for the calendar: its range
	// scan, and the launches to one audience (domain.AudienceKey).
	LaunchAt  *time.Time
	Audience  string    `gorm:"not null;default:''"`
	CreatedAt time.Time `gorm:"not null;autoCreateTime:false"`
	UpdatedAt time.Time `gorm:"not null;autoUpdateTime:false"`
}

func (campaignRow) TableName() string { return "campaigns" }

// taskRow is the projection of one human task.
type taskRow struct {
	ID              string `gorm:"primaryKey"`
	Process         string `gorm:"not null"`
	ProcessID       string `gorm:"not null"`
	WorkflowID      string `gorm:"not null"`
	Kind            string `gorm:"not null"`
	TaskKey         string `gorm:"not null"`
	Title           string `gorm:"not null"`
	Description     string `gorm:"not null"`
	Team            string `gorm:"not null"`
	Role            string `gorm:"not null"`
	Assignee        string `gorm:"not null"`
	RequestedBy     string `gorm:"not null"`
	Status          string `gorm:"not null"`
	DueAt           time.Time
	EscalationLevel int    `gorm:"not null"`
	Outcome         string `gorm:"not null"`
	Comment         string `gorm:"not null"`
	CompletedBy     string `gorm:"not null"`
	OnBehalfOf      string `gorm:"not null"`
	CompletedAt     *time.Time
	Data            jsonCol[map[string]any]
	Form            jsonCol[*domain.Form] // the answer's form; null when the task takes no data
	CreatedAt       time.Time             `gorm:"not null;autoCreateTime:false"`
	UpdatedAt       time.Time             `gorm:"not null;autoUpdateTime:false"`
	EstimateHours   *float64              // null: not estimated
	ActualHours     *float64              // null: not told
}

func (taskRow) TableName() string { return "tasks" }

// taskColumns are taskRow's columns in the order scanTasks reads them. Task lists
// (every inbox) scan their rows by hand: GORM's reflection over these 24 columns
// took about a quarter of an inbox request's CPU. TestTaskColumnsFollowTheModel
// keeps the list in step with taskRow.
var taskColumns = []string{
	"id", "process", "process_id", "workflow_id", "kind", "task_key", "title", "description",
	"team", "role", "assignee", "requested_by", "status", "due_at", "escalation_level",
	"outcome", "comment", "completed_by", "on_behalf_of", "completed_at", "data", "form",
	"created_at", "updated_at", "estimate_hours", "actual_hours",
}

// scanTasks runs q, which selects taskColumns, and reads its rows.
func scanTasks(q *gorm.DB) ([]taskRow, error) {
	rows, err := q.Rows()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	return readTaskRows(rows)
}

// readTaskRows reads rows of taskColumns.
func readTaskRows(rows *sql.Rows) ([]taskRow, error) {
	var out []taskRow
	for rows.Next() {
		var r taskRow
		err := rows.Scan(&r.ID, &r.Process, &r.ProcessID, &r.WorkflowID, &r.Kind, &r.TaskKey, &r.Title, &r.Description,
			&r.Team, &r.Role, &r.Assignee, &r.RequestedBy, &r.Status, &r.DueAt, &r.EscalationLevel,
			&r.Outcome, &r.Comment, &r.CompletedBy, &r.OnBehalfOf, &r.CompletedAt, &r.Data, &r.Form,
			&r.CreatedAt, &r.UpdatedAt, &r.EstimateHours, &r.ActualHours)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// eventRow is one timeline line. ID is the insertion order, the tie-break of events
// with the same time.
type eventRow struct {
	ID        uint64 `gorm:"primaryKey;autoIncrement"`
	EventKey  string `gorm:"not null"`
	Process   string `gorm:"not null"`
	ProcessID string `gorm:"not null"`
	Kind      string `gorm:"not null"`
	Actor     string `gorm:"not null"`
	TaskID    string `gorm:"not null"`
	Message   string `gorm:"not null"`
	At        time.Time
}

func (eventRow) TableName() string { return "events" }

// notificationRow is a notification to one person; group notifications are expanded
// to one row per member when written.
type notificationRow struct {
	ID              uint64    `gorm:"primaryKey;autoIncrement"`
	NotificationKey string    `gorm:"not null"`
	Recipient       string    `gorm:"not null"`
	Team            string    `gorm:"not null"`
	Role            string    `gorm:"not null"`
	Kind            string    `gorm:"not null"`
	Subject         string    `gorm:"not null"`
	Process         string    `gorm:"not null"`
	ProcessID       string    `gorm:"not null"`
	TaskID          string    `gorm:"not null"`
	CreatedAt       time.Time `gorm:"not null;autoCreateTime:false"`
	ReadAt          *time.Time
	CommentID       uint64 `gorm:"not null;default:0"` // the comment a mention or reply is about; 0 for the rest
}

func (notificationRow) TableName() string { return "notifications" }

// notificationMarkRow is how far one person has read their notifications: one
// row per person who ever marked any, so reading a mark is one key lookup.
type notificationMarkRow struct {
	Recipient   string    `gorm:"primaryKey"`
	SeenThrough uint64    `gorm:"not null"`
	UpdatedAt   time.Time `gorm:"not null;autoUpdateTime:false"`
}

func (notificationMarkRow) TableName() string { return "notification_marks" }

// idempotencyRow reserves an Idempotency-Key for one caller.
type idempotencyRow struct {
	Scope      string    `gorm:"primaryKey"`
	IdemKey    string    `gorm:"primaryKey"`
	BodyHash   string    `gorm:"not null"`
	ResourceID string    `gorm:"not null"`
	CreatedAt  time.Time `gorm:"not null;autoCreateTime:false"`
}

func (idempotencyRow) TableName() string { return "idempotency_keys" }

// jsonCol stores a value as JSON: jsonb on PostgreSQL, text on SQLite.
type jsonCol[T any] struct{ V T }

// Value encodes the value as JSON text.
func (j jsonCol[T]) Value() (driver.Value, error) {
	b, err := json.Marshal(j.V)
	if err != nil {
		return nil, fmt.Errorf("encode JSON column: %w", err)
	}
	return string(b), nil
}

// Scan decodes JSON text or bytes; SQL NULL leaves the zero value.
func (j *jsonCol[T]) Scan(src any) error {
	var zero T
	j.V = zero
	switch v := src.(type) {
	case nil:
		return nil
	case string:
		return json.Unmarshal([]byte(v), &j.V)
	case []byte:
		return json.Unmarshal(v, &j.V)
	}
	return fmt.Errorf("decode JSON column: unexpected %T", src)
}

// GormDBDataType picks the column type per database.
func (jsonCol[T]) GormDBDataType(db *gorm.DB, _ *schema.Field) string {
	if db.Dialector.Name() == "postgres" {
		return "jsonb"
	}
	return "text"
}

// utc normalises a time for storage: UTC, and microseconds, the precision of
// PostgreSQL, so both databases give back exactly the same value.
func utc(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// timeOrNil is t for storage, or nil (NULL) when it is zero: a date the record
// does not have.
func timeOrNil(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	v := utc(t)
	return &v
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	v := utc(*t)
	return &v
}

// fromDB reads a stored time back in UTC: PostgreSQL drivers return local time.
func fromDB(t time.Time) time.Time { return t.UTC() }

func fromDBPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	v := t.UTC()
	return &v
}

func personFromDomain(p domain.Person, now time.Time) personRow {
	r := personRow{
		Handle: p.Handle, Name: p.Name, Email: p.Email, Team: string(p.Team), Manager: p.Manager,
		CreatedAt: now, UpdatedAt: now,
	}
	if o := p.OutOfOffice; o != nil {
		r.OOOFrom, r.OOOTo, r.OOODelegate = utcPtr(&o.From), utcPtr(&o.To), &o.Delegate
	}
	return r
}

func (r personRow) toDomain() domain.Person {
	p := domain.Person{Handle: r.Handle, Name: r.Name, Email: r.Email, Team: domain.Team(r.Team), Manager: r.Manager}
	if len(r.Roles) > 0 {
		p.Roles = make([]domain.Role, len(r.Roles))
		for i, pr := range r.Roles {
			p.Roles[i] = domain.Role(pr.Role)
		}
	}
	if r.OOOFrom != nil && r.OOOTo != nil && r.OOODelegate != nil {
		p.OutOfOffice = &domain.OutOfOffice{From: fromDB(*r.OOOFrom), To: fromDB(*r.OOOTo), Delegate: *r.OOODelegate}
	}
	p.DisabledAt = fromDBPtr(r.DisabledAt)
	p.WeeklyHours = r.WeeklyHours
	return p
}

func campaignFromDomain(c domain.Campaign) campaignRow {
	c = campaignUTC(c)
	return campaignRow{
		ID: c.ID, WorkflowID: c.WorkflowID, Status: string(c.Status), Stage: string(c.Stage),
		ProjectManager: c.Brief.ProjectManager, MarketingOpsManager: c.Brief.MarketingOpsManager,
		RequestedBy: c.RequestedBy, Reason: c.Reason, Name: c.Brief.Name,
		Brief: jsonCol[domain.Brief]{c.Brief}, Actuals: jsonCol[[]domain.KPIActual]{c.Actuals},
		KPIReport: jsonCol[[]domain.KPIResult]{c.KPIs}, Stages: jsonCol[[]domain.StageSpan]{c.Stages},
		Report: jsonCol[*domain.Report]{c.Report},
		Risks:  jsonCol[[]domain.LinkedRisk]{c.Risks}, HeldBy: c.HeldBy, HeldSince: utcPtr(c.HeldSince),
		LaunchAt: timeOrNil(c.Brief.LaunchAt), Audience: domain.AudienceKey(c.Brief.Audience),
		CreatedAt: utc(c.CreatedAt), UpdatedAt: utc(c.UpdatedAt),
	}
}

// campaignUTC puts every time inside a campaign's JSON parts in UTC, so the record
// reads back the same whichever zone the writer used. It copies the slices it
// changes: the caller's campaign is left alone.
func campaignUTC(c domain.Campaign) domain.Campaign {
	c.Brief.LaunchAt = c.Brief.LaunchAt.UTC()
	if c.Actuals != nil {
		actuals := make([]domain.KPIActual, len(c.Actuals))
		for i, a := range c.Actuals {
			a.RecordedAt = a.RecordedAt.UTC()
			actuals[i] = a
		}
		c.Actuals = actuals
	}
	if c.Stages != nil {
		stages := make([]domain.StageSpan, len(c.Stages))
		for i, s := range c.Stages {
			s.Entered = s.Entered.UTC()
			if s.Left != nil {
				left := s.Left.UTC()
				s.Left = &left
			}
			stages[i] = s
		}
		c.Stages = stages
	}
	if c.Report != nil {
		report := *c.Report
		report.LaunchedAt, report.PlannedLaunchAt = utcPtr(report.LaunchedAt), utcPtr(report.PlannedLaunchAt)
		c.Report = &report
	}
	return c
}

func (r campaignRow) toDomain() domain.Campaign {
	return domain.Campaign{
		ID: r.ID, WorkflowID: r.WorkflowID, Brief: r.Brief.V, Status: domain.Status(r.Status),
		Stage: domain.Stage(r.Stage), RequestedBy: r.RequestedBy, Actuals: r.Actuals.V,
		KPIs: r.KPIReport.V, Stages: r.Stages.V, Report: r.Report.V, Reason: r.Reason,
		Risks: r.Risks.V, HeldBy: r.HeldBy, HeldSince: fromDBPtr(r.HeldSince),
		CreatedAt: fromDB(r.CreatedAt), UpdatedAt: fromDB(r.UpdatedAt),
	}
}

func taskFromDomain(t domain.Task) taskRow {
	return taskRow{
		ID: t.ID, Process: string(t.Process), ProcessID: t.ProcessID, WorkflowID: t.WorkflowID,
		Kind: string(t.Kind), TaskKey: t.Key, Title: t.Title, Description: t.Description,
		Team: string(t.Team), Role: string(t.Role), Assignee: t.Assignee, RequestedBy: t.RequestedBy,
		Status: string(t.Status), DueAt: utc(t.DueAt), EscalationLevel: t.EscalationLevel,
		Outcome: string(t.Outcome), Comment: t.Comment, CompletedBy: t.CompletedBy, OnBehalfOf: t.OnBehalfOf,
		CompletedAt: utcPtr(t.CompletedAt), Data: jsonCol[map[string]any]{t.Data}, Form: jsonCol[*domain.Form]{t.Form},
		CreatedAt: utc(t.CreatedAt), UpdatedAt: utc(t.UpdatedAt), EstimateHours: t.EstimateHours, ActualHours: t.ActualHours,
	}
}

func (r taskRow) toDomain() domain.Task {
	return domain.Task{
		ID: r.ID, Process: domain.Process(r.Process), ProcessID: r.ProcessID, WorkflowID: r.WorkflowID,
		Kind: domain.TaskKind(r.Kind), Key: r.TaskKey, Title: r.Title, Description: r.Description,
		Team: domain.Team(r.Team), Role: domain.Role(r.Role), Assignee: r.Assignee, RequestedBy: r.RequestedBy,
		Status: domain.TaskStatus(r.Status), DueAt: fromDB(r.DueAt), EscalationLevel: r.EscalationLevel,
		Outcome: domain.Outcome(r.Outcome), Comment: r.Comment, CompletedBy: r.CompletedBy, OnBehalfOf: r.OnBehalfOf,
		CompletedAt: fromDBPtr(r.CompletedAt), Data: r.Data.V, Form: r.Form.V, CreatedAt: fromDB(r.CreatedAt), UpdatedAt: fromDB(r.UpdatedAt),
		EstimateHours: r.EstimateHours, ActualHours: r.ActualHours,
	}
}

func eventFromDomain(e domain.Event) eventRow {
	return eventRow{
		EventKey: e.Key, Process: string(e.Process), ProcessID: e.ProcessID, Kind: string(e.Kind),
		Actor: e.Actor, TaskID: e.TaskID, Message: e.Message, At: utc(e.At),
	}
}

func (r eventRow) toDomain() domain.Event {
	return domain.Event{
		Key: r.EventKey, Process: domain.Process(r.Process), ProcessID: r.ProcessID, Kind: domain.EventKind(r.Kind),
		Actor: r.Actor, TaskID: r.TaskID, Message: r.Message, At: fromDB(r.At),
	}
}

func notificationFromDomain(n domain.Notification, recipient string) notificationRow {
	return notificationRow{
		NotificationKey: n.Key, Recipient: recipient, Team: string(n.Team), Role: string(n.Role),
		Kind: string(n.Kind), Subject: n.Subject, Process: string(n.Process), ProcessID: n.ProcessID,
		TaskID: n.TaskID, CreatedAt: utc(n.CreatedAt), ReadAt: utcPtr(n.ReadAt), CommentID: n.CommentID,
	}
}

func (r notificationRow) toDomain() domain.Notification {
	return domain.Notification{
		Key: r.NotificationKey, ID: r.ID, Recipient: r.Recipient, Team: domain.Team(r.Team), Role: domain.Role(r.Role),
		Kind: domain.NotificationKind(r.Kind), Subject: r.Subject, Process: domain.Process(r.Process),
		ProcessID: r.ProcessID, TaskID: r.TaskID, CreatedAt: fromDB(r.CreatedAt), ReadAt: fromDBPtr(r.ReadAt),
		CommentID: r.CommentID,
	}
}
