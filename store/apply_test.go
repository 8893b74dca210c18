package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/tandemhq/tandem/domain"
)

// fullBatch is a step that writes everything at once: the campaign, tasks, events
// (two at the same time, one earlier than the others but written last) and
// notifications both direct and for a role.
func fullBatch() domain.Batch {
	c := newCampaign("cmp_000000000001", "pat", "maya", domain.StatusActive, t0)
	c.Actuals = []domain.KPIActual{{Name: "signups", Value: 950, RecordedAt: at(time.Hour), RecordedBy: "ana"}}
	c.KPIs = domain.EvaluateKPIs(c.Brief.KPIs, c.Actuals, 0.2)
	c.Stages = []domain.StageSpan{
		{Stage: domain.StageBriefReview, Entered: t0, Left: ptr(at(time.Minute))},
		{Stage: domain.StageProduction, Entered: at(time.Minute)},
	}
	c.Report = &domain.Report{
		KPIs:         c.KPIs,
		TimeInStage:  map[domain.Stage]domain.Duration{domain.StageBriefReview: domain.Duration(time.Minute)},
		OverdueTasks: 1, PlannedLaunchAt: ptr(at(time.Hour)), LaunchedAt: ptr(at(2 * time.Hour)), LaunchSlipped: true,
	}
	c.Risks = []domain.LinkedRisk{{ID: "rsk_000000000001", Cause: "kpi:signups", Severity: domain.SeverityCritical, Status: domain.RiskOpen,
		Title: "Signups lag", Owner: "maya", Seq: 2}}
	c.HeldBy, c.HeldSince = "rsk_000000000001", ptr(at(90*time.Minute))
	t1 := newTask("tsk_000000000001", t0)
	t1.Assignee = "cleo"
	t1.Data = map[string]any{"url": "https://example.com/assets", "pages": 3.0}
	t2 := newTask("tsk_000000000002", at(time.Second))
	return domain.Batch{
		Campaign: &c,
		Tasks:    []domain.Task{t1, t2},
		Events: []domain.Event{
			{Key: "e1", Process: domain.ProcessCampaign, ProcessID: c.ID, Kind: domain.EventStarted, Actor: "pat", Message: "started", At: at(time.Minute)},
			{Key: "e2", Process: domain.ProcessCampaign, ProcessID: c.ID, Kind: domain.EventTaskOpened, TaskID: t1.ID, Message: "opened 1", At: at(time.Minute)},
			{Key: "e3", Process: domain.ProcessCampaign, ProcessID: c.ID, Kind: domain.EventStage, Message: "brief review", At: t0},
		},
		Notifications: []domain.Notification{
			{Key: "n1", Recipient: "pat", Kind: domain.NotifyUpdate, Subject: "Campaign started", Process: domain.ProcessCampaign, ProcessID: c.ID, CreatedAt: t0},
			{Key: "n2", Role: domain.RoleCreative, Team: domain.TeamCreative, Kind: domain.NotifyAssigned, Subject: "New creative work", Process: domain.ProcessCampaign, ProcessID: c.ID, TaskID: t2.ID, CreatedAt: t0},
		},
	}
}

func seedPeople(t testing.TB, st *Store) {
	t.Helper()
	mustUpsert(t, st,
		person("pat", domain.TeamPMO, domain.RoleProjectManager),
		person("sam", domain.TeamPMO, domain.RoleProjectManager, domain.RoleAdmin),
		person("maya", domain.TeamMarketingOps, domain.RoleMarketingOpsManager),
		person("cleo", domain.TeamCreative, domain.RoleCreative),
		person("cara", domain.TeamCreative, domain.RoleCreative),
		// Holds the creative role but sits in web: not in the creative team's group.
		person("walt", domain.TeamWeb, domain.RoleCreative, domain.RoleWeb),
		person("wes", domain.TeamWeb, domain.RoleWeb),
	)
}

var projectionTables = []struct{ table, order string }{
	{"campaigns", "id"}, {"tasks", "id"}, {"events", "id"}, {"notifications", "id"},
}

func TestApplyIdempotent(t *testing.T) {
	eachBackend(t, func(t *testing.T, st *Store) {
		seedPeople(t, st)
		b := fullBatch()
		mustApply(t, st, b)
		once := map[string][]string{}
		for _, tb := range projectionTables {
			once[tb.table] = dump(t, st, tb.table, tb.order)
		}
		mustApply(t, st, b)
		for _, tb := range projectionTables {
			equal(t, "table "+tb.table+" after applying twice", dump(t, st, tb.table, tb.order), once[tb.table])
		}
		if n := count(t, st, "events"); n != 3 {
			t.Errorf("events = %d, want 3", n)
		}
		if n := count(t, st, "notifications"); n != 3 { // pat, and cara + cleo for the creative team
			t.Errorf("notifications = %d, want 3", n)
		}

		// The records read back exactly as written.
		c, err := st.Campaign(t.Context(), b.Campaign.ID)
		if err != nil {
			t.Fatal(err)
		}
		equal(t, "campaign", c, *b.Campaign)
		for _, want := range b.Tasks {
			got, err := st.Task(t.Context(), want.ID)
			if err != nil {
				t.Fatal(err)
			}
			equal(t, "task", got, want)
		}

		// Timeline: time order, and insertion order among equal times.
		tl, err := st.Timeline(t.Context(), domain.ProcessCampaign, b.Campaign.ID)
		if err != nil {
			t.Fatal(err)
		}
		equal(t, "timeline", tl, []domain.Event{b.Events[2], b.Events[0], b.Events[1]})
		if tl, err := st.Timeline(t.Context(), domain.ProcessRisk, b.Campaign.ID); err != nil || len(tl) != 0 {
			t.Errorf("timeline of another process = %v, %v; want empty", tl, err)
		}

		// A later step repeating old events with one new one adds only the new one.
		mustApply(t, st, domain.Batch{Events: append(b.Events, domain.Event{
			Key: "e4", Process: domain.ProcessCampaign, ProcessID: b.Campaign.ID, Kind: domain.EventEnded, Message: "ended", At: at(time.Hour),
		})})
		tl, err = st.Timeline(t.Context(), domain.ProcessCampaign, b.Campaign.ID)
		if err != nil {
			t.Fatal(err)
		}
		equal(t, "timeline keys", ids(tl, func(e domain.Event) string { return e.Key }), []string{"e3", "e1", "e2", "e4"})
	})
}

func TestApplyCampaignOverwrite(t *testing.T) {
	eachBackend(t, func(t *testing.T, st *Store) {
		b := fullBatch()
		mustApply(t, st, domain.Batch{Campaign: b.Campaign})
		c := *b.Campaign
		c.Status, c.Stage, c.Reason = domain.StatusCancelled, domain.StageReadiness, "budget cut"
		c.Brief.MarketingOpsManager = "mia"
		c.Report, c.Actuals, c.KPIs = nil, nil, nil
		c.UpdatedAt = at(48 * time.Hour)
		mustApply(t, st, domain.Batch{Campaign: &c})
		got, err := st.Campaign(t.Context(), c.ID)
		if err != nil {
			t.Fatal(err)
		}
		equal(t, "overwritten campaign", got, c)
		// The filter columns follow the record.
		p, err := st.Campaigns(t.Context(), domain.CampaignFilter{Owner: "maya"})
		if err != nil || len(p.Items) != 0 {
			t.Errorf("campaigns owned by the old MOps = %v, %v; want none", p.Items, err)
		}
		p, err = st.Campaigns(t.Context(), domain.CampaignFilter{Owner: "mia", Status: domain.StatusCancelled})
		if err != nil || len(p.Items) != 1 {
			t.Errorf("campaigns owned by the new MOps = %v, %v; want one", p.Items, err)
		}
	})
}

func TestApplyTaskUpsertOverwrites(t *testing.T) {
	eachBackend(t, func(t *testing.T, st *Store) {
		open := newTask("tsk_000000000001", t0)
		open.Assignee, open.Description = "cleo", "Hero image and banners"
		open.Data = map[string]any{"draft": true}
		mustApply(t, st, domain.Batch{Tasks: []domain.Task{open}})

		// The completed version clears what it leaves empty: a full overwrite, not a merge.
		done := open
		done.Assignee, done.Description, done.Data = "", "", nil
		done.Status, done.Outcome, done.Comment = domain.TaskDone, domain.OutcomeDone, "shipped"
		done.CompletedBy, done.OnBehalfOf, done.CompletedAt = "cara", "cleo", ptr(at(time.Hour))
		done.EscalationLevel, done.UpdatedAt = 2, at(time.Hour)
		mustApply(t, st, domain.Batch{Tasks: []domain.Task{done}})
		got, err := st.Task(t.Context(), open.ID)
		if err != nil {
			t.Fatal(err)
		}
		equal(t, "task after overwrite", got, done)

		// The same task twice in one batch: the last version wins.
		reopened := done
		reopened.Status, reopened.CompletedAt = domain.TaskOpen, nil
		mustApply(t, st, domain.Batch{Tasks: []domain.Task{done, reopened}})
		got, err = st.Task(t.Context(), open.ID)
		if err != nil {
			t.Fatal(err)
		}
		equal(t, "task given twice in a batch", got, reopened)
		if n := count(t, st, "tasks"); n != 1 {
			t.Errorf("tasks = %d, want 1", n)
		}

		// What a task is stays as first written (taskIdentity): a step never
		// changes it, and the upsert does not set it again.
		other := reopened
		other.Process, other.ProcessID, other.WorkflowID = domain.ProcessHiring, "hir_000000000009", "hiring/hir_000000000009"
		other.Kind, other.Key, other.RequestedBy, other.CreatedAt = domain.KindApproval, "other", "sam", at(5*time.Hour)
		other.Title = "Renamed"
		mustApply(t, st, domain.Batch{Tasks: []domain.Task{other}})
		got, err = st.Task(t.Context(), open.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := reopened
		want.Title = "Renamed"
		equal(t, "task given with other identity columns", got, want)

		_, err = st.Task(t.Context(), "tsk_missing")
		wantErr(t, err, domain.ErrNotFound, "Task of an unknown ID")
	})
}

func TestApplyTimesInUTC(t *testing.T) {
	eachBackend(t, func(t *testing.T, st *Store) {
		// A writer in another zone, with nanoseconds: stored as the same instant in
		// UTC at microsecond precision.
		paris := time.FixedZone("CET", 3600)
		local := time.Date(2026, 3, 2, 10, 0, 0, 123456789, paris)
		task := newTask("tsk_000000000001", local)
		mustApply(t, st, domain.Batch{Tasks: []domain.Task{task}})
		got, err := st.Task(t.Context(), task.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := time.Date(2026, 3, 2, 9, 0, 0, 123456000, time.UTC)
		if got.CreatedAt != want || got.CreatedAt.Location() != time.UTC {
			t.Errorf("created_at = %v, want %v in UTC", got.CreatedAt, want)
		}
	})
}

func TestApplyRefusesKeylessRecords(t *testing.T) {
	eachBackend(t, func(t *testing.T, st *Store) {
		for name, b := range map[string]domain.Batch{
			"campaign without ID":  {Campaign: &domain.Campaign{}},
			"task without ID":      {Tasks: []domain.Task{{Title: "x"}}},
			"event without key":    {Events: []domain.Event{{Message: "x"}}},
			"notification, no key": {Notifications: []domain.Notification{{Recipient: "pat"}}},
			"notification, no one": {Notifications: []domain.Notification{{Key: "n"}}},
			"good task, bad event": {Tasks: []domain.Task{newTask("tsk_1", t0)}, Events: []domain.Event{{}}},
		} {
			wantErr(t, st.Apply(t.Context(), b), domain.ErrInvalid, name)
		}
		if n := count(t, st, "tasks"); n != 0 {
			t.Errorf("a refused batch wrote %d tasks", n)
		}
		if err := st.Apply(t.Context(), domain.Batch{}); err != nil {
			t.Errorf("empty batch: %v", err)
		}
	})
}

func TestNotificationExpansion(t *testing.T) {
	eachBackend(t, func(t *testing.T, st *Store) {
		seedPeople(t, st)
		b := domain.Batch{Notifications: []domain.Notification{
			{Key: "n-team-role", Team: domain.TeamCreative, Role: domain.RoleCreative, Kind: domain.NotifyAssigned, Subject: "creative work", CreatedAt: t0},
			{Key: "n-role", Role: domain.RoleProjectManager, Kind: domain.NotifyOverdue, Subject: "overdue", CreatedAt: at(time.Second)},
			{Key: "n-team", Team: domain.TeamWeb, Kind: domain.NotifyUpdate, Subject: "web news", CreatedAt: at(2 * time.Second)},
			{Key: "n-direct", Recipient: "maya", Kind: domain.NotifyEscalated, Subject: "escalated", TaskID: "tsk_1", CreatedAt: at(3 * time.Second)},
			{Key: "n-nobody", Role: domain.RoleLegal, Kind: domain.NotifyUpdate, Subject: "no lawyer yet", CreatedAt: t0},
		}}
		mustApply(t, st, b)
		mustApply(t, st, b)

		want := map[string][]string{
			"cleo": {"n-team-role"}, "cara": {"n-team-role"}, // not walt: wrong team
			"pat": {"n-role"}, "sam": {"n-role"},
			"walt": {"n-team"}, "wes": {"n-team"},
			"maya": {"n-direct"},
		}
		total := 0
		for handle, keys := range want {
			p, err := st.Notifications(t.Context(), handle, domain.ListOptions{})
			if err != nil {
				t.Fatal(err)
			}
			equal(t, "notifications of "+handle, ids(p.Items, func(n domain.Notification) string { return n.Key }), keys)
			for _, n := range p.Items {
				if n.Recipient != handle || n.ID == 0 {
					t.Errorf("notification %s for %s has recipient %q, id %d", n.Key, handle, n.Recipient, n.ID)
				}
			}
			total += len(keys)
		}
		if n := count(t, st, "notifications"); n != total {
			t.Errorf("notifications = %d, want %d", n, total)
		}
		p, err := st.Notifications(t.Context(), "cleo", domain.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		got := p.Items[0]
		got.ID = 0
		equal(t, "expanded notification", got, domain.Notification{
			Key: "n-team-role", Recipient: "cleo", Team: domain.TeamCreative, Role: domain.RoleCreative,
			Kind: domain.NotifyAssigned, Subject: "creative work", CreatedAt: t0,
		})
	})
}

// However many groups a write's notifications name, their members are read
// with one query, and each group gets whom it got with a query of its own:
// the holders of a role in a team (not those of the team without it, nor the
// holders elsewhere), of a role anywhere, everyone in a team (one without any
// role too), and nobody for a role nobody holds.
func TestNotificationExpansionIsOneQuery(t *testing.T) {
	eachBackend(t, func(t *testing.T, st *Store) {
		seedPeople(t, st)
		mustUpsert(t, st, person("wren", domain.TeamWeb))
		reads := countDirectoryReads(t, st)
		mustApply(t, st, domain.Batch{Notifications: []domain.Notification{
			{Key: "n1", Team: domain.TeamCreative, Role: domain.RoleCreative, Kind: domain.NotifyAssigned, Subject: "s", CreatedAt: t0},
			{Key: "n2", Team: domain.TeamWeb, Role: domain.RoleWeb, Kind: domain.NotifyAssigned, Subject: "s", CreatedAt: t0},
			{Key: "n3", Role: domain.RoleCreative, Kind: domain.NotifyOverdue, Subject: "s", CreatedAt: t0},
			{Key: "n4", Role: domain.RoleProjectManager, Kind: domain.NotifyOverdue, Subject: "s", CreatedAt: t0},
			{Key: "n5", Team: domain.TeamWeb, Kind: domain.NotifyUpdate, Subject: "s", CreatedAt: t0},
			{Key: "n6", Team: domain.TeamCreative, Role: domain.RoleCreative, Kind: domain.NotifyUpdate, Subject: "again", CreatedAt: t0},
			{Key: "n7", Role: domain.RoleLegal, Kind: domain.NotifyUpdate, Subject: "s", CreatedAt: t0},
			{Key: "n8", Recipient: "maya", Kind: domain.NotifyEscalated, Subject: "s", CreatedAt: t0},
		}})
		if len(*reads) != 1 {
			t.Errorf("%d statements read the directory, want 1: %q", len(*reads), *reads)
		}
		want := map[string][]string{
			"n1": {"cara", "cleo"}, "n2": {"walt", "wes"}, "n3": {"cara", "cleo", "walt"}, "n4": {"pat", "sam"},
			"n5": {"walt", "wes", "wren"}, "n6": {"cara", "cleo"}, "n8": {"maya"},
		}
		var rows []notificationRow
		if err := st.db.Order("notification_key, recipient").Find(&rows).Error; err != nil {
			t.Fatal(err)
		}
		got := map[string][]string{}
		for _, r := range rows {
			got[r.NotificationKey] = append(got[r.NotificationKey], r.Recipient)
		}
		equal(t, "recipients by notification", got, want)
	})
}

// countDirectoryReads keeps the statements naming the people table that the
// store's writer sends inside its transactions from now on, whether through
// GORM or on the transaction's connection directly (as the records write does).
func countDirectoryReads(t *testing.T, st *Store) *[]string {
	t.Helper()
	reads := &[]string{}
	pool := st.db.Statement.ConnPool
	st.db.Statement.ConnPool = &countingPool{pool, reads}
	t.Cleanup(func() { st.db.Statement.ConnPool = pool }) // before the store closes it
	return reads
}

// countingPool begins transactions that count their directory reads.
type countingPool struct {
	gorm.ConnPool
	reads *[]string
}

func (p *countingPool) BeginTx(ctx context.Context, opts *sql.TxOptions) (gorm.ConnPool, error) {
	b, ok := p.ConnPool.(gorm.TxBeginner)
	if !ok {
		return nil, fmt.Errorf("the writer's pool %T begins no *sql.Tx", p.ConnPool)
	}
	tx, err := b.BeginTx(ctx, opts)
	if err != nil {
		return nil, err
	}
	return &countingTx{tx, p.reads}, nil
}

type countingTx struct {
	*sql.Tx
	reads *[]string
}

func (t *countingTx) count(query string) {
	if strings.Contains(query, "people") {
		*t.reads = append(*t.reads, query)
	}
}

func (t *countingTx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	t.count(query)
	return t.Tx.QueryContext(ctx, query, args...)
}

func (t *countingTx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	t.count(query)
	return t.Tx.QueryRowContext(ctx, query, args...)
}

func TestNotificationsNewestFirstPaged(t *testing.T) {
	eachBackend(t, func(t *testing.T, st *Store) {
		var want []string
		for i := range 7 {
			key := fmt.Sprintf("n%d", i)
			mustApply(t, st, domain.Batch{Notifications: []domain.Notification{
				{Key: key, Recipient: "maya", Kind: domain.NotifyReminder, Subject: key, CreatedAt: at(time.Duration(i) * time.Minute)},
				{Key: key, Recipient: "pat", Kind: domain.NotifyReminder, Subject: key, CreatedAt: at(time.Duration(i) * time.Minute)},
			}})
			want = append([]string{key}, want...)
		}
		got := collect(t, 3, func(o domain.ListOptions) (domain.Page[domain.Notification], error) {
			return st.Notifications(t.Context(), "maya", o)
		})
		equal(t, "maya's notifications, newest first", ids(got, func(n domain.Notification) string { return n.Key }), want)
		p, err := st.Notifications(t.Context(), "nobody", domain.ListOptions{})
		if err != nil || len(p.Items) != 0 || p.Items == nil || p.NextCursor != "" {
			t.Errorf("empty inbox = %#v, %v; want an empty, non-nil page", p, err)
		}
	})
}

func TestNotificationMarkMovesForwardOnly(t *testing.T) {
	eachBackend(t, func(t *testing.T, st *Store) {
		ctx := t.Context()
		mark := func(who string) domain.NotificationMark {
			t.Helper()
			m, err := st.NotificationMark(ctx, who)
			if err != nil {
				t.Fatal(err)
			}
			return m
		}
		seen := func(who string, through uint64) domain.NotificationMark {
			t.Helper()
			m, err := st.MarkNotificationsSeen(ctx, who, through, at(time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			return m
		}
		// Someone with no notifications: nothing unread, and marking sets nothing ahead.
		equal(t, "nobody's mark", mark("maya"), domain.NotificationMark{})
		equal(t, "nobody marking ahead", seen("maya", 99), domain.NotificationMark{})

		for i := range 4 {
			key := fmt.Sprintf("n%d", i)
			mustApply(t, st, domain.Batch{Notifications: []domain.Notification{
				{Key: key, Recipient: "maya", Kind: domain.NotifyReminder, Subject: key, CreatedAt: at(time.Duration(i) * time.Minute)},
				{Key: key, Recipient: "pat", Kind: domain.NotifyReminder, Subject: key, CreatedAt: at(time.Duration(i) * time.Minute)},
			}})
		}
		p, err := st.Notifications(ctx, "maya", domain.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		newest, second := p.Items[0].ID, p.Items[1].ID
		equal(t, "maya unread", mark("maya"), domain.NotificationMark{Unread: 4})

		equal(t, "maya read up to the second newest", seen("maya", second), domain.NotificationMark{SeenThrough: second, Unread: 1})
		equal(t, "an older page marks late", seen("maya", second-1), domain.NotificationMark{SeenThrough: second, Unread: 1})
		equal(t, "pat's are his own", mark("pat"), domain.NotificationMark{Unread: 4})
		// Past the newest: the mark stops at it, so the next one is unread.
		equal(t, "marking ahead", seen("maya", newest+1000), domain.NotificationMark{SeenThrough: newest})
		mustApply(t, st, domain.Batch{Notifications: []domain.Notification{
			{Key: "later", Recipient: "maya", Kind: domain.NotifyReminder, Subject: "later", CreatedAt: at(time.Hour)},
		}})
		equal(t, "a later notification", mark("maya"), domain.NotificationMark{SeenThrough: newest, Unread: 1})

		// The count stops at domain.MaxUnread.
		var many []domain.Notification
		for i := range domain.MaxUnread + 5 {
			many = append(many, domain.Notification{Key: fmt.Sprintf("m%d", i), Recipient: "pat", Kind: domain.NotifyUpdate, Subject: "s", CreatedAt: at(time.Hour)})
		}
		mustApply(t, st, domain.Batch{Notifications: many})
		equal(t, "pat's many", mark("pat"), domain.NotificationMark{Unread: domain.MaxUnread})
	})
}

func TestApplyConcurrent(t *testing.T) {
	// Several workers (each its own Store, as separate processes would be) write at
	// once; SQLite must wait for its lock rather than fail with SQLITE_BUSY.
	eachDSN(t, func(t *testing.T, dsn string) {
		const workers, batches = 4, 15
		stores := make([]*Store, workers)
		for i := range stores {
			stores[i] = openStore(t, dsn)
		}
		var wg sync.WaitGroup
		errs := make(chan error, workers*batches)
		for w, st := range stores {
			wg.Go(func() {
				for i := range batches {
					id := fmt.Sprintf("tsk_w%02di%02d", w, i)
					errs <- st.Apply(t.Context(), domain.Batch{
						Tasks:  []domain.Task{newTask(id, at(time.Duration(i)*time.Second))},
						Events: []domain.Event{{Key: id, Process: domain.ProcessCampaign, ProcessID: "cmp_000000000001", Message: id, At: t0}},
						// Every worker also repeats a shared event: exactly one copy survives.
						Notifications: []domain.Notification{{Key: "shared", Recipient: "pat", Subject: "shared", CreatedAt: t0}},
					})
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatalf("concurrent Apply: %v", err)
			}
		}
		st := stores[0]
		if n := count(t, st, "tasks"); n != workers*batches {
			t.Errorf("tasks = %d, want %d", n, workers*batches)
		}
		if n := count(t, st, "events"); n != workers*batches {
			t.Errorf("events = %d, want %d", n, workers*batches)
		}
		if n := count(t, st, "notifications"); n != 1 {
			t.Errorf("notifications = %d, want 1", n)
		}
	})
}
