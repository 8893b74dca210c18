package store

import (
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/schema"

	"github.com/tandemhq/tandem/domain"
)

// Before migrations were versioned, every start of `tandem migrate` or `tandem
// dev` ran GORM's AutoMigrate over the models, a few data migrations and CREATE
// INDEX IF NOT EXISTS. A database made that way, by any release, has Tandem's
// tables but no version table. bridgeLegacy brings it to version 1 the way the
// old Migrate did, with the models frozen as they were at version 1, and
// prepareVersions records version 1 in the same transaction: later versions then
// apply to it as to any other. The frozen models
// below are never changed; a change of schema is a new numbered SQL file.
// TestLegacyBridgeMakesVersion1 shows that on an empty database they make
// exactly what migrations/*/00001_schema.sql makes.

// legacyTables are the tables of version 1; a database with any of them and no
// version table was made before versioned migrations.
var legacyTables = []any{
	&v1Person{}, &v1PersonRole{}, &v1Token{}, &v1Campaign{}, &v1Task{}, &v1Event{},
	&v1Notification{}, &v1NotificationMark{}, &v1Idempotency{}, &v1Audit{}, &v1Command{},
	&v1Hiring{}, &v1Candidate{}, &v1Risk{}, &v1Webhook{}, &v1Delivery{}, &v1Email{},
}

// isLegacy says whether tx's database has Tandem's tables without a version table
// (the caller checked there is none).
func isLegacy(tx *gorm.DB) bool {
	for _, m := range legacyTables {
		if tx.Migrator().HasTable(m) {
			return true
		}
	}
	return false
}

// bridgeLegacy migrates tx's database, made by an earlier release's AutoMigrate,
// to the schema of version 1, keeping its data: the old Migrate, frozen.
func bridgeLegacy(tx *gorm.DB, postgres bool) error {
	// Records kept from before their name had a column of its own get it once.
	var unnamed []string
	for _, m := range []any{&v1Campaign{}, &v1Hiring{}, &v1Risk{}} {
		if tx.Migrator().HasTable(m) && !tx.Migrator().HasColumn(m, "name") {
			unnamed = append(unnamed, tableName(m))
		}
	}
	if err := tx.AutoMigrate(legacyTables...); err != nil {
		return fmt.Errorf("tables: %w", err)
	}
	for _, table := range unnamed {
		if err := nameRecords(tx, table, postgres); err != nil {
			return err
		}
	}
	if err := classifyLegacyDeliveries(tx); err != nil {
		return err
	}
	// The indexes of version 1, made if missing. They come last: SQLite drops a
	// column (classifyLegacyDeliveries) by rebuilding the table, and its indexes
	// with it.
	for _, ddl := range version1Indexes(postgres) {
		if err := tx.Exec(ddl).Error; err != nil {
			return fmt.Errorf("index: %w", err)
		}
	}
	return nil
}

// version1Indexes are the CREATE INDEX statements of version 1's SQL, made
// IF NOT EXISTS. Each is one line of that file.
func version1Indexes(postgres bool) []string {
	dir := "sqlite"
	if postgres {
		dir = "postgres"
	}
	sql, err := migrationFiles.ReadFile("migrations/" + dir + "/00001_schema.sql")
	if err != nil {
		panic(err) // embedded at build time; TestLegacyBridgeMakesVersion1 reads it
	}
	var out []string
	for line := range strings.Lines(string(sql)) {
		for _, create := range []string{"CREATE INDEX ", "CREATE UNIQUE INDEX "} {
			if rest, ok := strings.CutPrefix(line, create); ok {
				out = append(out, create+"IF NOT EXISTS "+strings.TrimSpace(rest))
			}
		}
	}
	return out
}

func tableName(m any) string { return m.(schema.Tabler).TableName() }

// recordNames says where the records of each table kept their name before it had
// a column: the JSON column and its key.
var recordNames = map[string]struct{ column, key string }{
	"campaigns":       {"brief", "name"},    // the brief's
	"hiring_requests": {"request", "title"}, // the role's title
	"risks":           {"record", "title"},  // the risk's title
}

// nameRecords fills the name column of a table that had none from the part of
// each record that holds it. Table, column and key are constants of this file.
func nameRecords(tx *gorm.DB, table string, postgres bool) error {
	src := recordNames[table]
	value := fmt.Sprintf("json_extract(%s, '$.%s')", src.column, src.key)
	if postgres {
		value = fmt.Sprintf("%s->>'%s'", src.column, src.key)
	}
	if err := tx.Exec(fmt.Sprintf("UPDATE %s SET name = COALESCE(%s, '')", table, value)).Error; err != nil {
		return fmt.Errorf("name the records of %s: %w", table, err)
	}
	return nil
}

// classifyLegacyDeliveries rewrites a delivery log from before outcomes: each
// attempt gets the outcome its status code and error text imply, and the
// columns that held the raw error and the exact status code are dropped, so no
// answer ever shows them again.
func classifyLegacyDeliveries(tx *gorm.DB) error {
	m := tx.Migrator()
	if !m.HasColumn(&v1Delivery{}, "error") {
		return nil
	}
	// The same SQL on both databases: integer division, CAST to text, || to join.
	err := tx.Exec(`UPDATE webhook_deliveries SET
		outcome = CASE
			WHEN delivered THEN ?
			WHEN status_code >= 300 THEN ?
			WHEN LOWER(error) LIKE '%timeout%' OR LOWER(error) LIKE '%deadline exceeded%' THEN ?
			ELSE ? END,
		status_class = CASE WHEN status_code BETWEEN 200 AND 599 THEN CAST(status_code / 100 AS TEXT) || 'xx' ELSE '' END
		WHERE outcome = ''`,
		domain.DeliveryDelivered, domain.DeliveryRefused, domain.DeliveryTimedOut, domain.DeliveryUnreachable).Error
	if err != nil {
		return fmt.Errorf("classify old deliveries: %w", err)
	}
	for _, col := range []string{"error", "status_code"} {
		if err := m.DropColumn(&v1Delivery{}, col); err != nil {
			return fmt.Errorf("drop webhook_deliveries.%s: %w", col, err)
		}
	}
	return nil
}

// v1JSON is a JSON column as version 1 declared it: jsonb on PostgreSQL, text on
// SQLite. The bridge only makes tables, so it needs no value methods.
type v1JSON string

// GormDBDataType picks the column type per database.
func (v1JSON) GormDBDataType(db *gorm.DB, _ *schema.Field) string {
	if db.Dialector.Name() == "postgres" {
		return "jsonb"
	}
	return "text"
}

// The models of version 1, frozen: see the top of this file.

type v1Person struct {
	Handle      string `gorm:"primaryKey"`
	Name        string `gorm:"not null"`
	Email       string `gorm:"not null"`
	Team        string `gorm:"not null"`
	Manager     string `gorm:"not null"`
	OOOFrom     *time.Time
	OOOTo       *time.Time
	OOODelegate *string
	CreatedAt   time.Time      `gorm:"not null;autoCreateTime:false"`
	UpdatedAt   time.Time      `gorm:"not null;autoUpdateTime:false"`
	Roles       []v1PersonRole `gorm:"foreignKey:Handle;references:Handle;constraint:OnDelete:CASCADE"`
	Tokens      []v1Token      `gorm:"foreignKey:Handle;references:Handle;constraint:OnDelete:CASCADE"`
}

func (v1Person) TableName() string { return "people" }

type v1PersonRole struct {
	Handle   string `gorm:"primaryKey"`
	Role     string `gorm:"primaryKey"`
	Position int    `gorm:"not null"`
}

func (v1PersonRole) TableName() string { return "person_roles" }

type v1Token struct {
	Hash       string    `gorm:"primaryKey"`
	Handle     string    `gorm:"not null"`
	Label      string    `gorm:"not null"`
	CreatedAt  time.Time `gorm:"not null;autoCreateTime:false"`
	LastUsedAt *time.Time
	RevokedAt  *time.Time
	ExpiresAt  *time.Time
}

func (v1Token) TableName() string { return "api_tokens" }

type v1Campaign struct {
	ID                  string `gorm:"primaryKey"`
	WorkflowID          string `gorm:"not null"`
	Status              string `gorm:"not null"`
	Stage               string `gorm:"not null"`
	ProjectManager      string `gorm:"not null"`
	MarketingOpsManager string `gorm:"not null"`
	RequestedBy         string `gorm:"not null"`
	Reason              string `gorm:"not null"`
	Name                string `gorm:"not null;default:''"`
	Brief               v1JSON
	Actuals             v1JSON
	KPIReport           v1JSON `gorm:"column:kpi_report"`
	Stages              v1JSON
	Report              v1JSON
	Risks               v1JSON
	HeldBy              string `gorm:"not null;default:''"`
	HeldSince           *time.Time
	CreatedAt           time.Time `gorm:"not null;autoCreateTime:false"`
	UpdatedAt           time.Time `gorm:"not null;autoUpdateTime:false"`
}

func (v1Campaign) TableName() string { return "campaigns" }

type v1Task struct {
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
	Data            v1JSON
	Form            v1JSON
	CreatedAt       time.Time `gorm:"not null;autoCreateTime:false"`
	UpdatedAt       time.Time `gorm:"not null;autoUpdateTime:false"`
}

func (v1Task) TableName() string { return "tasks" }

type v1Event struct {
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

func (v1Event) TableName() string { return "events" }

type v1Notification struct {
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
}

func (v1Notification) TableName() string { return "notifications" }

type v1NotificationMark struct {
	Recipient   string    `gorm:"primaryKey"`
	SeenThrough uint64    `gorm:"not null"`
	UpdatedAt   time.Time `gorm:"not null;autoUpdateTime:false"`
}

func (v1NotificationMark) TableName() string { return "notification_marks" }

type v1Idempotency struct {
	Scope      string    `gorm:"primaryKey"`
	IdemKey    string    `gorm:"primaryKey"`
	BodyHash   string    `gorm:"not null"`
	ResourceID string    `gorm:"not null"`
	CreatedAt  time.Time `gorm:"not null;autoCreateTime:false"`
}

func (v1Idempotency) TableName() string { return "idempotency_keys" }

type v1Audit struct {
	Seq        int64     `gorm:"primaryKey;autoIncrement:false"`
	At         time.Time `gorm:"not null;autoCreateTime:false"`
	Actor      string    `gorm:"not null"`
	OnBehalfOf string    `gorm:"not null"`
	Action     string    `gorm:"not null"`
	Object     string    `gorm:"not null"`
	Outcome    string    `gorm:"not null"`
	Status     int       `gorm:"not null"`
	Reason     string    `gorm:"not null"`
	RequestID  string    `gorm:"not null"`
	ClientIP   string    `gorm:"not null"`
	PrevHash   string    `gorm:"not null"`
	Hash       string    `gorm:"not null"`
}

func (v1Audit) TableName() string { return "audit_log" }

type v1Command struct {
	ID         string    `gorm:"primaryKey"`
	Caller     string    `gorm:"not null"`
	Kind       string    `gorm:"not null"`
	Target     string    `gorm:"not null"`
	WorkflowID string    `gorm:"not null"`
	UpdateName string    `gorm:"not null"`
	BodyHash   string    `gorm:"not null"`
	Input      string    `gorm:"not null"`
	Status     string    `gorm:"not null"`
	RunID      string    `gorm:"not null;default:''"`
	Refusal    string    `gorm:"not null;default:''"`
	CreatedAt  time.Time `gorm:"not null;autoCreateTime:false"`
	UpdatedAt  time.Time `gorm:"not null;autoUpdateTime:false"`
}

func (v1Command) TableName() string { return "commands" }

type v1Hiring struct {
	ID            string `gorm:"primaryKey"`
	WorkflowID    string `gorm:"not null"`
	Status        string `gorm:"not null"`
	Stage         string `gorm:"not null"`
	Step          string `gorm:"not null"`
	RequestedBy   string `gorm:"not null"`
	Team          string `gorm:"not null"`
	HiringManager string `gorm:"not null"`
	Round         int    `gorm:"not null"`
	Hired         string `gorm:"not null"`
	Reason        string `gorm:"not null"`
	Name          string `gorm:"not null;default:''"`
	Request       v1JSON
	Chain         v1JSON
	Candidates    v1JSON
	Offer         v1JSON
	CreatedAt     time.Time `gorm:"not null;autoCreateTime:false"`
	UpdatedAt     time.Time `gorm:"not null;autoUpdateTime:false"`
}

func (v1Hiring) TableName() string { return "hiring_requests" }

type v1Candidate struct {
	ID        string    `gorm:"primaryKey"`
	HiringID  string    `gorm:"not null"`
	Name      string    `gorm:"not null"`
	Email     string    `gorm:"not null"`
	AddedBy   string    `gorm:"not null"`
	CreatedAt time.Time `gorm:"not null;autoCreateTime:false"`
}

func (v1Candidate) TableName() string { return "candidates" }

type v1Risk struct {
	ID             string `gorm:"primaryKey"`
	WorkflowID     string `gorm:"not null"`
	Status         string `gorm:"not null"`
	Severity       string `gorm:"not null"`
	Score          int    `gorm:"not null"`
	Owner          string `gorm:"not null"`
	Level          int    `gorm:"not null"`
	RelatedProcess string `gorm:"not null"`
	RelatedID      string `gorm:"not null"`
	Name           string `gorm:"not null;default:''"`
	Record         v1JSON
	CreatedAt      time.Time `gorm:"not null;autoCreateTime:false"`
	UpdatedAt      time.Time `gorm:"not null;autoUpdateTime:false"`
}

func (v1Risk) TableName() string { return "risks" }

type v1Webhook struct {
	ID        string    `gorm:"primaryKey"`
	Owner     string    `gorm:"not null"`
	URL       string    `gorm:"not null"`
	Secret    string    `gorm:"not null"`
	Events    v1JSON    `gorm:"not null"`
	Format    string    `gorm:"not null"`
	CreatedAt time.Time `gorm:"not null;autoCreateTime:false"`
}

func (v1Webhook) TableName() string { return "webhooks" }

type v1Delivery struct {
	ID             uint64    `gorm:"primaryKey;autoIncrement"`
	SubscriptionID string    `gorm:"not null"`
	EventKey       string    `gorm:"not null"`
	Kind           string    `gorm:"not null"`
	Attempt        int       `gorm:"not null"`
	Outcome        string    `gorm:"not null;default:''"`
	StatusClass    string    `gorm:"not null;default:''"`
	Delivered      bool      `gorm:"not null"`
	Abandoned      bool      `gorm:"not null"`
	At             time.Time `gorm:"not null"`
}

func (v1Delivery) TableName() string { return "webhook_deliveries" }

type v1Email struct {
	NotificationKey string    `gorm:"primaryKey"`
	Recipient       string    `gorm:"primaryKey"`
	SentAt          time.Time `gorm:"not null;autoCreateTime:false"`
}

func (v1Email) TableName() string { return "emails_sent" }
