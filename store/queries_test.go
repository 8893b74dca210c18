package store

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm/schema"

	"github.com/tandemhq/tandem/domain"
)

// inboxTasks is a mix of tasks across assignees, teams, roles, statuses and
// processes, with equal creation times so paging must break ties by ID.
func inboxTasks() []domain.Task {
	var ts []domain.Task
	add := func(id string, created time.Time, edit func(*domain.Task)) {
		task := newTask(id, created)
		edit(&task)
		ts = append(ts, task)
	}
	for i := range 7 {
		// Three share a creation time.
		created := at(time.Duration(i/3) * time.Minute)
		add(fmt.Sprintf("tsk_cleo_open_%d", 6-i), created, func(t *domain.Task) { t.Assignee = "cleo" })
	}
	for i := range 2 {
		add(fmt.Sprintf("tsk_cleo_done_%d", i), at(time.Duration(i)*time.Minute), func(t *domain.Task) {
			t.Assignee, t.Status = "cleo", domain.TaskDone
		})
	}
	for i := range 4 {
		add(fmt.Sprintf("tsk_creative_%d", i), at(-time.Duration(i)*time.Second), func(*domain.Task) {})
	}
	for i := range 3 {
		add(fmt.Sprintf("tsk_web_%d", i), at(time.Hour), func(t *domain.Task) {
			t.Team, t.Role = domain.TeamWeb, domain.RoleWeb
			if i == 0 {
				t.Status = domain.TaskExpired
			}
		})
	}
	for i := range 3 {
		add(fmt.Sprintf("tsk_hiring_%d", i), at(2*time.Hour), func(t *domain.Task) {
			t.Process, t.ProcessID, t.WorkflowID = domain.ProcessHiring, "hir_000000000001", "hiring/hir_000000000001"
			t.Team, t.Role, t.Kind = domain.TeamFinance, domain.RoleFinance, domain.KindApproval
		})
	}
	return ts
}

func TestTasksFiltersAndPaging(t *testing.T) {
	eachBackend(t, func(t *testing.T, st *Store) {
		all := inboxTasks()
		mustApply(t, st, domain.Batch{Tasks: all})

		for _, tc := range []struct {
			name  string
			f     domain.TaskFilter
			match func(domain.Task) bool
			want  int
		}{
			{"everything", domain.TaskFilter{}, func(domain.Task) bool { return true }, 19},
			{"assignee+status", domain.TaskFilter{Assignee: "cleo", Status: domain.TaskOpen},
				func(t domain.Task) bool { return t.Assignee == "cleo" && t.Status == domain.TaskOpen }, 7},
			{"assignee", domain.TaskFilter{Assignee: "cleo"}, func(t domain.Task) bool { return t.Assignee == "cleo" }, 9},
			{"team+status", domain.TaskFilter{Team: domain.TeamWeb, Status: domain.TaskOpen},
				func(t domain.Task) bool { return t.Team == domain.TeamWeb && t.Status == domain.TaskOpen }, 2},
			{"role+status", domain.TaskFilter{Role: domain.RoleCreative, Status: domain.TaskOpen},
				func(t domain.Task) bool { return t.Role == domain.RoleCreative && t.Status == domain.TaskOpen }, 11},
			{"status", domain.TaskFilter{Status: domain.TaskDone}, func(t domain.Task) bool { return t.Status == domain.TaskDone }, 2},
			{"process", domain.TaskFilter{Process: domain.ProcessHiring}, func(t domain.Task) bool { return t.Process == domain.ProcessHiring }, 3},
			{"process id", domain.TaskFilter{ProcessID: "cmp_000000000001"}, func(t domain.Task) bool { return t.ProcessID == "cmp_000000000001" }, 16},
			{"team+role+assignee", domain.TaskFilter{Team: domain.TeamCreative, Role: domain.RoleCreative, Assignee: "cleo", Status: domain.TaskDone},
				func(t domain.Task) bool { return t.Assignee == "cleo" && t.Status == domain.TaskDone }, 2},
			{"nothing matches", domain.TaskFilter{Assignee: "nobody"}, func(domain.Task) bool { return false }, 0},
		} {
			want := sortedTasks(slices.DeleteFunc(slices.Clone(all), func(t domain.Task) bool { return !tc.match(t) }))
			if len(want) != tc.want {
				t.Fatalf("%s: fixture has %d matches, test expects %d", tc.name, len(want), tc.want)
			}
			for _, limit := range []int{1, 2, 3, 50} {
				got := collect(t, limit, func(o domain.ListOptions) (domain.Page[domain.Task], error) {
					f := tc.f
					f.ListOptions = o
					return st.Tasks(t.Context(), f)
				})
				// Exactly the matches, in order, each once: no duplicates, no gaps.
				equal(t, fmt.Sprintf("%s, pages of %d", tc.name, limit), ids(got, taskID), ids(want, taskID))
			}
		}

		// Full records come back from a list, not just IDs.
		p, err := st.Tasks(t.Context(), domain.TaskFilter{Process: domain.ProcessHiring, ListOptions: domain.ListOptions{Limit: 1}})
		if err != nil {
			t.Fatal(err)
		}
		equal(t, "listed task", p.Items[0], sortedTasks(all[16:])[0])
	})
}

func TestTasksPagingWhileWritten(t *testing.T) {
	eachBackend(t, func(t *testing.T, st *Store) {
		var ts []domain.Task
		for i := range 6 {
			ts = append(ts, newTask(fmt.Sprintf("tsk_%02d", i), at(time.Duration(i)*time.Minute)))
		}
		mustApply(t, st, domain.Batch{Tasks: ts})
		f := domain.TaskFilter{Status: domain.TaskOpen, ListOptions: domain.ListOptions{Limit: 3}}
		p1, err := st.Tasks(t.Context(), f)
		if err != nil {
			t.Fatal(err)
		}
		// Between pages: a task on the first page is completed, a new one arrives at
		// the end. Keyset paging neither repeats nor skips what remains.
		done := ts[0]
		done.Status = domain.TaskDone
		mustApply(t, st, domain.Batch{Tasks: []domain.Task{done, newTask("tsk_99", at(time.Hour))}})
		f.Cursor = p1.NextCursor
		p2, err := st.Tasks(t.Context(), f)
		if err != nil {
			t.Fatal(err)
		}
		equal(t, "first page", ids(p1.Items, taskID), []string{"tsk_00", "tsk_01", "tsk_02"})
		equal(t, "second page", ids(p2.Items, taskID), []string{"tsk_03", "tsk_04", "tsk_05"})
		f.Cursor = p2.NextCursor
		p3, err := st.Tasks(t.Context(), f)
		if err != nil {
			t.Fatal(err)
		}
		equal(t, "third page", ids(p3.Items, taskID), []string{"tsk_99"})
		if p3.NextCursor != "" {
			t.Errorf("last page has a cursor")
		}
	})
}

func TestListLimits(t *testing.T) {
	eachBackend(t, func(t *testing.T, st *Store) {
		const n = domain.MaxLimit + 5
		ts := make([]domain.Task, n)
		for i := range ts {
			ts[i] = newTask(fmt.Sprintf("tsk_%04d", i), at(time.Duration(i)*time.Millisecond))
		}
		mustApply(t, st, domain.Batch{Tasks: ts})
		for _, tc := range []struct{ limit, want int }{
			{0, domain.DefaultLimit}, {-3, domain.DefaultLimit}, {7, 7}, {domain.MaxLimit, domain.MaxLimit}, {5000, domain.MaxLimit},
		} {
			p, err := st.Tasks(t.Context(), domain.TaskFilter{ListOptions: domain.ListOptions{Limit: tc.limit}})
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Items) != tc.want || p.NextCursor == "" {
				t.Errorf("limit %d: %d items, cursor %q; want %d and a cursor", tc.limit, len(p.Items), p.NextCursor, tc.want)
			}
		}
		p, err := st.Tasks(t.Context(), domain.TaskFilter{ListOptions: domain.ListOptions{Limit: n}})
		if err != nil {
			t.Fatal(err)
		}
		p, err = st.Tasks(t.Context(), domain.TaskFilter{ListOptions: domain.ListOptions{Limit: n, Cursor: p.NextCursor}})
		if err != nil || len(p.Items) != n-domain.MaxLimit || p.NextCursor != "" {
			t.Errorf("last page: %d items, cursor %q, %v; want %d and no cursor", len(p.Items), p.NextCursor, err, n-domain.MaxLimit)
		}
		// A page that ends exactly at the last row has no cursor.
		p, err = st.Tasks(t.Context(), domain.TaskFilter{ListOptions: domain.ListOptions{Limit: 5, Cursor: (cursor{At: ts[n-6].CreatedAt, ID: ts[n-6].ID}).encode()}})
		if err != nil || len(p.Items) != 5 || p.NextCursor != "" {
			t.Errorf("exact last page: %d items, cursor %q, %v", len(p.Items), p.NextCursor, err)
		}
	})
}

func TestCampaignFilters(t *testing.T) {
	eachBackend(t, func(t *testing.T, st *Store) {
		cs := []domain.Campaign{
			newCampaign("cmp_1", "pat", "maya", domain.StatusActive, at(3*time.Minute)),
			newCampaign("cmp_2", "sam", "maya", domain.StatusCompleted, t0),
			newCampaign("cmp_3", "pat", "mia", domain.StatusCancelled, at(time.Minute)),
			newCampaign("cmp_4", "sam", "mia", domain.StatusActive, at(time.Minute)),
			newCampaign("cmp_5", "maya", "pat", domain.StatusActive, at(2*time.Minute)),
		}
		for i := range cs {
			mustApply(t, st, domain.Batch{Campaign: &cs[i]})
		}
		for _, tc := range []struct {
			name string
			f    domain.CampaignFilter
			want []string
		}{
			{"all, oldest first", domain.CampaignFilter{}, []string{"cmp_2", "cmp_3", "cmp_4", "cmp_5", "cmp_1"}},
			{"owner as PM or MOps", domain.CampaignFilter{Owner: "pat"}, []string{"cmp_3", "cmp_5", "cmp_1"}},
			{"owner as MOps or PM", domain.CampaignFilter{Owner: "maya"}, []string{"cmp_2", "cmp_5", "cmp_1"}},
			{"status", domain.CampaignFilter{Status: domain.StatusActive}, []string{"cmp_4", "cmp_5", "cmp_1"}},
			{"owner and status", domain.CampaignFilter{Owner: "sam", Status: domain.StatusActive}, []string{"cmp_4"}},
			{"owner and status, none", domain.CampaignFilter{Owner: "mia", Status: domain.StatusCompleted}, nil},
			{"unknown owner", domain.CampaignFilter{Owner: "zed"}, nil},
		} {
			for _, limit := range []int{1, 2, 10} {
				got := collect(t, limit, func(o domain.ListOptions) (domain.Page[domain.Campaign], error) {
					f := tc.f
					f.ListOptions = o
					return st.Campaigns(t.Context(), f)
				})
				want := tc.want
				if want == nil {
					want = []string{}
				}
				equal(t, fmt.Sprintf("%s, pages of %d", tc.name, limit), ids(got, campaignID), want)
			}
		}
		p, err := st.Campaigns(t.Context(), domain.CampaignFilter{Owner: "sam", Status: domain.StatusCompleted})
		if err != nil {
			t.Fatal(err)
		}
		equal(t, "listed campaign", p.Items, []domain.Campaign{cs[1]})
		_, err = st.Campaign(t.Context(), "cmp_missing")
		wantErr(t, err, domain.ErrNotFound, "Campaign of an unknown ID")
	})
}

// Task lists scan rows by hand (scanTasks): every field a task has must come back
// from a list as it does from Task, which GORM reads, on both databases.
func TestListedTaskHasEveryField(t *testing.T) {
	eachBackend(t, func(t *testing.T, st *Store) {
		done := at(3 * time.Hour)
		task := newTask("tsk_full", at(time.Hour))
		task.Description, task.Assignee, task.RequestedBy = "Every column set", "cleo", "pat"
		task.Status, task.EscalationLevel, task.Outcome, task.Comment = domain.TaskDone, 2, domain.OutcomeApproved, "Looks right"
		task.CompletedBy, task.OnBehalfOf, task.CompletedAt = "sam", "cleo", &done
		task.Data = map[string]any{"step": "finance", "n": float64(2)}
		task.Form = domain.TaskForm(domain.ProcessHiring, "interview:cnd_1")
		task.Form.SetCurrency(domain.DataOfferAmount, "EUR")
		task.Form.SetDefaults(map[string]any{domain.DataOfferAmount: 90000.0})
		task.UpdatedAt = done
		mustApply(t, st, domain.Batch{Tasks: []domain.Task{task}})

		p, err := st.Tasks(t.Context(), domain.TaskFilter{Assignee: "cleo"})
		if err != nil {
			t.Fatal(err)
		}
		one, err := st.Task(t.Context(), task.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Items) != 1 {
			t.Fatalf("listed %d tasks, want 1", len(p.Items))
		}
		equal(t, "listed task against Task", p.Items[0], one)
		equal(t, "listed task against what was written", p.Items[0], task)
	})
}

// taskColumns names taskRow's columns in the order of its fields.
func TestTaskColumnsFollowTheModel(t *testing.T) {
	s, err := schema.Parse(&taskRow{}, &sync.Map{}, schema.NamingStrategy{})
	if err != nil {
		t.Fatal(err)
	}
	var model []string
	for _, f := range s.Fields {
		model = append(model, f.DBName)
	}
	equal(t, "taskColumns", taskColumns, model)
}

func TestListsSearchByName(t *testing.T) {
	eachBackend(t, func(t *testing.T, st *Store) {
		names := []string{"Spring launch", "Summer SOCIAL push", "Autumn social", "Ünïcode Straße launch", "winter"}
		for i, n := range names {
			c := newCampaign(fmt.Sprintf("cmp_%d", i), "pat", "maya", domain.StatusCompleted, at(time.Duration(i)*time.Minute))
			c.Brief.Name = n
			h := testHiring(fmt.Sprintf("hir_%d", i), domain.TeamWeb, "pat", domain.StatusFilled, at(time.Duration(i)*time.Minute))
			h.Request.Title = n
			r := testRisk(fmt.Sprintf("rsk_%d", i), at(time.Duration(i)*time.Minute), domain.SeverityLow, "pat", "")
			r.Title, r.Status = n, domain.RiskResolved
			mustApply(t, st, domain.Batch{Campaign: &c})
			mustApply(t, st, domain.Batch{Hiring: &h})
			mustApply(t, st, domain.Batch{Risk: &r})
		}
		// One still running, whose name matches: the status filter keeps it out.
		running := newCampaign("cmp_run", "pat", "maya", domain.StatusActive, at(time.Hour))
		running.Brief.Name = "Social running"
		mustApply(t, st, domain.Batch{Campaign: &running})

		for _, tc := range []struct {
			q      string
			status domain.Status
			want   []int // positions in names
		}{
			{"social", domain.StatusCompleted, []int{1, 2}},
			{"LAUNCH", domain.StatusCompleted, []int{0, 3}},
			{"straße", domain.StatusCompleted, []int{3}},
			{"ÜNÏ", domain.StatusCompleted, []int{3}},
			{"% _", domain.StatusCompleted, nil}, // no wildcard: the text as typed
			{"nothing like it", domain.StatusCompleted, nil},
		} {
			for _, limit := range []int{1, 10} {
				what := fmt.Sprintf("%q, pages of %d", tc.q, limit)
				got := collect(t, limit, func(o domain.ListOptions) (domain.Page[domain.Campaign], error) {
					return st.Campaigns(t.Context(), domain.CampaignFilter{Status: tc.status, Name: tc.q, ListOptions: o})
				})
				want := []string{}
				for _, i := range tc.want {
					want = append(want, fmt.Sprintf("cmp_%d", i))
				}
				equal(t, "campaigns named "+what, ids(got, campaignID), want)
				hs := collect(t, limit, func(o domain.ListOptions) (domain.Page[domain.HiringRequest], error) {
					return st.HiringRequests(t.Context(), domain.HiringFilter{Status: domain.StatusFilled, Name: tc.q, ListOptions: o})
				})
				rs := collect(t, limit, func(o domain.ListOptions) (domain.Page[domain.Risk], error) {
					return st.Risks(t.Context(), domain.RiskFilter{Status: domain.RiskResolved, Name: tc.q, ListOptions: o})
				})
				if len(hs) != len(want) || len(rs) != len(want) {
					t.Errorf("%s: %d hiring requests and %d risks, want %d of each", what, len(hs), len(rs), len(want))
				}
			}
		}
		// Newest first, searched or not, in pages.
		newest := func(f domain.CampaignFilter) []string {
			return ids(collect(t, 1, func(o domain.ListOptions) (domain.Page[domain.Campaign], error) {
				f.ListOptions, f.Newest = o, true
				return st.Campaigns(t.Context(), f)
			}), campaignID)
		}
		equal(t, "completed, newest first", newest(domain.CampaignFilter{Status: domain.StatusCompleted}), []string{"cmp_4", "cmp_3", "cmp_2", "cmp_1", "cmp_0"})
		equal(t, "social, newest first", newest(domain.CampaignFilter{Name: "social"}), []string{"cmp_run", "cmp_2", "cmp_1"})
		got, err := st.Campaigns(t.Context(), domain.CampaignFilter{Name: "social"})
		if err != nil {
			t.Fatal(err)
		}
		equal(t, "social, any status", ids(got.Items, campaignID), []string{"cmp_1", "cmp_2", "cmp_run"})
		equal(t, "a found campaign whole", got.Items[0], func() domain.Campaign {
			c := newCampaign("cmp_1", "pat", "maya", domain.StatusCompleted, at(time.Minute))
			c.Brief.Name = names[1]
			return c
		}())
	})
}

// A search reads at most MaxSearchScan records a page: past them it answers
// what it found, maybe nothing, and a cursor to read on from there.
func TestSearchByNameReadsABoundedRangeAPage(t *testing.T) {
	eachBackend(t, func(t *testing.T, st *Store) {
		rows := make([]campaignRow, MaxSearchScan+5)
		for i := range rows {
			c := newCampaign(fmt.Sprintf("cmp_%05d", i), "pat", "maya", domain.StatusCompleted, at(time.Duration(i)*time.Second))
			if i == 3 || i == MaxSearchScan+2 {
				c.Brief.Name = "Needle " + c.ID
			}
			rows[i] = campaignFromDomain(c)
		}
		if err := st.db.CreateInBatches(rows, 200).Error; err != nil {
			t.Fatal(err)
		}
		f := domain.CampaignFilter{Name: "needle", ListOptions: domain.ListOptions{Limit: 10}}
		first, err := st.Campaigns(t.Context(), f)
		if err != nil {
			t.Fatal(err)
		}
		equal(t, "the first page's matches", ids(first.Items, campaignID), []string{"cmp_00003"})
		if first.NextCursor == "" {
			t.Fatal("the first page read its bound and stopped without a cursor")
		}
		f.Cursor = first.NextCursor
		second, err := st.Campaigns(t.Context(), f)
		if err != nil {
			t.Fatal(err)
		}
		equal(t, "the second page's matches", ids(second.Items, campaignID), []string{fmt.Sprintf("cmp_%05d", MaxSearchScan+2)})
		if second.NextCursor != "" {
			t.Errorf("the last page has a cursor")
		}
	})
}

// TestUnheldTasksAreThoseNoTeamAndNobodyHolds: a role's own queue lists the
// open task no team and nobody holds, not the team's nor the one taken.
func TestUnheldTasksAreThoseNoTeamAndNobodyHolds(t *testing.T) {
	eachBackend(t, func(t *testing.T, st *Store) {
		queued := newTask("tsk_queue_free", at(3*time.Hour))
		queued.Team, queued.Role = "", domain.RoleAnalytics
		taken := newTask("tsk_queue_taken", at(3*time.Hour))
		taken.Team, taken.Role, taken.Assignee = "", domain.RoleAnalytics, "cleo"
		teamed := newTask("tsk_queue_team", at(3*time.Hour))
		teamed.Team, teamed.Role = domain.TeamAnalytics, domain.RoleAnalytics
		mustApply(t, st, domain.Batch{Tasks: append(inboxTasks(), queued, taken, teamed)})
		p, err := st.Tasks(t.Context(), domain.TaskFilter{Role: domain.RoleAnalytics, Status: domain.TaskOpen, Unheld: true})
		if err != nil {
			t.Fatal(err)
		}
		equal(t, "unheld", ids(p.Items, taskID), []string{"tsk_queue_free"})
	})
}
