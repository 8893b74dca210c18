package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/tandemhq/tandem/domain"
)

// batchSize bounds the rows of one INSERT, well under SQLite's bind-variable limit.
const batchSize = 100

// Apply writes what one workflow step produced, in one transaction: the campaign
// record and the tasks as they now are (upserted by ID, every column overwritten),
// new timeline events and notifications (inserted once per key, and per recipient
// for notifications). Writing the same batch twice leaves the records as after once,
// so an activity may retry it freely.
func (st *Store) Apply(ctx context.Context, b domain.Batch) error {
	if err := checkBatch(b); err != nil {
		return err
	}
	if b.Empty() {
		return nil
	}
	err := st.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := applyBatch(tx, b); err != nil {
			return err
		}
		// Last, as appendAudit holds the chain until the transaction ends.
		for _, a := range b.Audit {
			if err := st.appendAudit(tx, a.Entry, a.CommandID); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("apply batch: %w", classify(err))
	}
	return nil
}

// applyBatch writes b inside transaction tx, as Apply describes.
func applyBatch(tx *gorm.DB, b domain.Batch) error {
	if b.Campaign != nil {
		row := campaignFromDomain(*b.Campaign)
		if err := insertCampaign.exec(tx, []campaignRow{row}); err != nil {
			return fmt.Errorf("campaign %s: %w", row.ID, err)
		}
	}
	if err := saveHiring(tx, b.Hiring); err != nil {
		return err
	}
	if err := saveRisk(tx, b.Risk); err != nil {
		return err
	}
	if err := saveTemplateRun(tx, b.TemplateRun); err != nil {
		return err
	}
	if len(b.Tasks) > 0 {
		rows := lastByID(b.Tasks)
		if err := insertTask.exec(tx, rows); err != nil {
			return fmt.Errorf("tasks: %w", err)
		}
	}
	if len(b.Events) > 0 {
		rows := make([]eventRow, len(b.Events))
		for i, e := range b.Events {
			rows[i] = eventFromDomain(e)
		}
		// In the batch's order, so the IDs keep the order of same-time events.
		if err := insertEvent.exec(tx, rows); err != nil {
			return fmt.Errorf("events: %w", err)
		}
	}
	if len(b.Notifications) > 0 {
		rows, err := expandNotifications(tx, b.Notifications)
		if err != nil {
			return err
		}
		if rows, err = dropMuted(tx, rows); err != nil {
			return err
		}
		if len(rows) > 0 {
			if err := insertNotification.exec(tx, rows); err != nil {
				return fmt.Errorf("notifications: %w", err)
			}
		}
	}
	return nil
}

// upsertByID inserts a row, or overwrites every column of the row with its ID: for
// the hiring, risk and template-run records, which stay on GORM's Create; the
// campaign, written on every decision, has insertCampaign (rawwrite.go).
var upsertByID = clause.OnConflict{Columns: []clause.Column{{Name: "id"}}, UpdateAll: true}

// checkBatch refuses records without the keys that make writing them idempotent.
func checkBatch(b domain.Batch) error {
	var p domain.Problems
	if b.Campaign != nil && b.Campaign.ID == "" {
		p.Add("campaign.id", "required")
	}
	for i, t := range b.Tasks {
		if t.ID == "" {
			p.Add(fmt.Sprintf("tasks[%d].id", i), "required")
		}
	}
	for i, e := range b.Events {
		if e.Key == "" {
			p.Add(fmt.Sprintf("events[%d].key", i), "required: it makes the write idempotent")
		}
	}
	for i, a := range b.Audit {
		if a.CommandID == "" {
			p.Add(fmt.Sprintf("audit[%d].command_id", i), "required: it makes the write idempotent")
		}
	}
	for i, n := range b.Notifications {
		if n.Key == "" {
			p.Add(fmt.Sprintf("notifications[%d].key", i), "required: it makes the write idempotent")
		}
		if n.Recipient == "" && n.Role == "" && n.Team == "" {
			p.Add(fmt.Sprintf("notifications[%d].recipient", i), "give a recipient, or a role or team to expand")
		}
	}
	return p.Err()
}

// lastByID converts tasks to rows, keeping the last version of a task given twice:
// PostgreSQL refuses an upsert that touches one row twice in a statement.
func lastByID(tasks []domain.Task) []taskRow {
	at := make(map[string]int, len(tasks))
	rows := make([]taskRow, 0, len(tasks))
	for _, t := range tasks {
		if i, ok := at[t.ID]; ok {
			rows[i] = taskFromDomain(t)
			continue
		}
		at[t.ID] = len(rows)
		rows = append(rows, taskFromDomain(t))
	}
	return rows
}

// expandNotifications makes one row per recipient. A notification without a
// recipient goes to everyone in the directory who holds its role (in its team when
// one is set; everyone in the team when only a team is set), as the directory is now.
// However many teams and roles the batch names, their members are read with one
// query: a step that opens work for four teams was four queries, about an eighth
// of the write's time.
func expandNotifications(tx *gorm.DB, ns []domain.Notification) ([]notificationRow, error) {
	members, err := groupMembers(tx, ns)
	if err != nil {
		return nil, err
	}
	var rows []notificationRow
	for _, n := range ns {
		if n.Recipient != "" {
			rows = append(rows, notificationFromDomain(n, n.Recipient))
			continue
		}
		for _, h := range members[group{n.Team, n.Role}] {
			rows = append(rows, notificationFromDomain(n, h))
		}
	}
	return rows, nil
}

// group is whom a notification without a recipient goes to: the holders of
// role in team; of role in any team when team is empty; everyone in team when
// role is empty.
type group struct {
	team domain.Team
	role domain.Role
}

// groupMembers answers the handles of each group the recipientless
// notifications of ns name, in handle order, with one query: everyone in the
// groups' teams with all their roles (a person without a role too), and the
// holders of a role that a group asks for in any team.
func groupMembers(tx *gorm.DB, ns []domain.Notification) (map[group][]string, error) {
	members := map[group][]string{}
	var teams, roles []string
	for _, n := range ns {
		g := group{n.Team, n.Role}
		if _, ok := members[g]; ok || n.Recipient != "" {
			continue
		}
		members[g] = nil
		if g.team != "" {
			teams = append(teams, string(g.team))
		} else {
			roles = append(roles, string(g.role))
		}
	}
	if len(members) == 0 {
		return members, nil
	}
	// The statement on the transaction's connection, as the records write's
	// others (rawwrite.go), not through GORM's Raw, which built a statement and
	// expanded the lists on every write; its text is the same for the same
	// number of teams and roles, which the statement caches key on.
	postgres := onPostgres(tx)
	var where []string
	var args []any
	if len(teams) > 0 {
		where = append(where, "p.team IN "+inList(postgres, &args, teams))
	}
	if len(roles) > 0 {
		where = append(where, "r.role IN "+inList(postgres, &args, roles))
	}
	rows, err := tx.Statement.ConnPool.QueryContext(tx.Statement.Context, `SELECT p.handle, p.team, r.role FROM people p LEFT JOIN person_roles r ON r.handle = p.handle
WHERE `+strings.Join(where, " OR ")+` ORDER BY p.handle`, args...)
	if err != nil {
		return nil, fmt.Errorf("expand notifications: %w", translated(tx, err))
	}
	defer rows.Close()
	for rows.Next() {
		var handle, team string
		var role sql.NullString
		if err := rows.Scan(&handle, &team, &role); err != nil {
			return nil, fmt.Errorf("expand notifications: %w", err)
		}
		gs := []group{{domain.Team(team), ""}}
		if role.Valid {
			gs = append(gs, group{domain.Team(team), domain.Role(role.String)}, group{"", domain.Role(role.String)})
		}
		for _, g := range gs {
			// A person comes once per role held, their rows together (by
			// handle): added to a group on the first row that qualifies them.
			if hs, ok := members[g]; ok && (len(hs) == 0 || hs[len(hs)-1] != handle) {
				members[g] = append(hs, handle)
			}
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("expand notifications: %w", err)
	}
	return members, nil
}
