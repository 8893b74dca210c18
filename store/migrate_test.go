package store

import (
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/domain"
	"github.com/tandemhq/tandem/store/storetest"
)

// oldPersonRow is the people table as an earlier release might have made it: the
// manager column of another type, which GORM can only change on SQLite by
// rebuilding the table.
type oldPersonRow struct {
	Handle      string `gorm:"primaryKey"`
	Name        string `gorm:"not null"`
	Email       string `gorm:"not null"`
	Team        string `gorm:"not null"`
	Manager     int64
	OOOFrom     *time.Time
	OOOTo       *time.Time
	OOODelegate *string
	CreatedAt   time.Time       `gorm:"not null;autoCreateTime:false"`
	UpdatedAt   time.Time       `gorm:"not null;autoUpdateTime:false"`
	Roles       []personRoleRow `gorm:"foreignKey:Handle;references:Handle;constraint:OnDelete:CASCADE"`
	Tokens      []tokenRow      `gorm:"foreignKey:Handle;references:Handle;constraint:OnDelete:CASCADE"`
}

func (oldPersonRow) TableName() string { return "people" }

func TestMigrateRebuildKeepsReferencingRows(t *testing.T) {
	// SQLite rebuilds a table to change a column, and dropping the old table with
	// foreign keys on would cascade: every role and token would silently go.
	st, err := Open(t.Context(), storetest.SQLiteDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	if err := st.db.AutoMigrate(&oldPersonRow{}, &personRoleRow{}, &tokenRow{}); err != nil {
		t.Fatal(err)
	}
	mustUpsert(t, st, person("pat", domain.TeamPMO, domain.RoleProjectManager, domain.RoleAdmin))
	tok, err := st.CreateToken(t.Context(), "pat", "laptop")
	if err != nil {
		t.Fatal(err)
	}

	if err := st.Migrate(t.Context()); err != nil {
		t.Fatalf("Migrate over the old schema: %v", err)
	}
	var typ string
	if err := st.db.Raw("SELECT type FROM pragma_table_info('people') WHERE name = 'manager'").Scan(&typ).Error; err != nil || !strings.EqualFold(typ, "text") {
		t.Fatalf("manager column is %q (%v) after Migrate, want text: the table was not rebuilt", typ, err)
	}
	p, err := st.PersonByToken(t.Context(), tok)
	if err != nil {
		t.Fatalf("token after the rebuild: %v", err)
	}
	equal(t, "roles after the rebuild", p.Roles, []domain.Role{domain.RoleProjectManager, domain.RoleAdmin})
	var fk int
	if err := st.db.Raw("PRAGMA foreign_keys").Scan(&fk).Error; err != nil || fk != 1 {
		t.Errorf("foreign_keys = %d (%v) after Migrate, want 1", fk, err)
	}
}

// oldTaskRow is the tasks table before tasks had forms.
type oldTaskRow struct {
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
	CreatedAt       time.Time `gorm:"not null;autoCreateTime:false"`
	UpdatedAt       time.Time `gorm:"not null;autoUpdateTime:false"`
}

func (oldTaskRow) TableName() string { return "tasks" }

// A database from before the forms gains the column: its tasks read back
// without a form, and a task written afterwards keeps its own.
func TestMigrateAddsTheFormColumn(t *testing.T) {
	eachDSN(t, func(t *testing.T, dsn string) {
		st, err := Open(t.Context(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = st.Close() })
		if err := st.db.AutoMigrate(&oldTaskRow{}); err != nil {
			t.Fatal(err)
		}
		old := newTask("tsk_old", t0)
		row := taskFromDomain(old)
		if err := st.db.Create(&oldTaskRow{ID: row.ID, Process: row.Process, ProcessID: row.ProcessID, WorkflowID: row.WorkflowID,
			Kind: row.Kind, TaskKey: row.TaskKey, Title: row.Title, Team: row.Team, Role: row.Role, Status: row.Status,
			DueAt: row.DueAt, CreatedAt: row.CreatedAt, UpdatedAt: row.UpdatedAt}).Error; err != nil {
			t.Fatal(err)
		}
		if err := st.Migrate(t.Context()); err != nil {
			t.Fatalf("Migrate over the old schema: %v", err)
		}
		got, err := st.Task(t.Context(), old.ID)
		if err != nil {
			t.Fatal(err)
		}
		equal(t, "a task from before the forms", got, old)

		answer := newTask("tsk_new", t0)
		answer.Key, answer.Form = "answer:cnd_1", domain.TaskForm(domain.ProcessHiring, "answer:cnd_1")
		mustApply(t, st, domain.Batch{Tasks: []domain.Task{answer}})
		p, err := st.Tasks(t.Context(), domain.TaskFilter{ListOptions: domain.ListOptions{Limit: 10}})
		if err != nil {
			t.Fatal(err)
		}
		equal(t, "tasks after the migration", p.Items, []domain.Task{answer, old}) // by creation, then ID
	})
}

func TestMigrateNamesTheRecordsOfBefore(t *testing.T) {
	eachDSN(t, func(t *testing.T, dsn string) {
		st := emptyStore(t, dsn)
		oldMigrate(t, st)
		c := newCampaign("cmp_old", "pat", "maya", domain.StatusCompleted, t0)
		h := testHiring("hir_old", domain.TeamWeb, "pat", domain.StatusFilled, t0)
		r := testRisk("rsk_old", t0, domain.SeverityLow, "pat", "")
		// The calendar's columns (version 4) are added for today's Apply to
		// write, and dropped with the name.
		later := []struct {
			model  any
			fields []string
		}{{&campaignRow{}, []string{"LaunchAt", "Audience"}}, {&hiringRow{}, []string{"NeededBy"}}, {&riskRow{}, []string{"ResponseDueAt"}}}
		for _, l := range later {
			for _, f := range l.fields {
				if err := st.db.Migrator().AddColumn(l.model, f); err != nil {
					t.Fatal(err)
				}
			}
		}
		mustApply(t, st, domain.Batch{Campaign: &c, Hiring: &h, Risk: &r})
		// As an earlier release left them: no name column.
		for _, l := range later {
			for _, f := range append(l.fields, "Name") {
				if err := st.db.Migrator().DropColumn(l.model, f); err != nil {
					t.Fatal(err)
				}
			}
		}
		if err := st.Migrate(t.Context()); err != nil {
			t.Fatalf("Migrate over the old schema: %v", err)
		}
		cs, err := st.Campaigns(t.Context(), domain.CampaignFilter{Name: strings.ToUpper(c.Brief.Name)})
		if err != nil || len(cs.Items) != 1 {
			t.Errorf("campaigns named %q: %+v, %v", c.Brief.Name, cs.Items, err)
		}
		hs, err := st.HiringRequests(t.Context(), domain.HiringFilter{Name: h.Request.Title})
		if err != nil || len(hs.Items) != 1 {
			t.Errorf("hiring requests named %q: %+v, %v", h.Request.Title, hs.Items, err)
		}
		rs, err := st.Risks(t.Context(), domain.RiskFilter{Name: r.Title})
		if err != nil || len(rs.Items) != 1 {
			t.Errorf("risks named %q: %+v, %v", r.Title, rs.Items, err)
		}
	})
}
