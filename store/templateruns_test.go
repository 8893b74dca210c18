package store

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/tandemhq/tandem/domain"
)

func testTemplateRun(id, key, by string, status domain.Status, created time.Time) domain.TemplateRun {
	return domain.TemplateRun{
		ID: id, WorkflowID: "template/" + id, TemplateKey: key, TemplateVersion: 2, TemplateName: "Webinar",
		Title: "Spring webinar " + id, Status: status, Stage: "promote", Round: 1, RequestedBy: by,
		Intake: map[string]any{
			"title": "Spring webinar " + id, "event_date": "2030-03-04T15:00:00Z", "host": "pat",
			"audience": []any{"customers", "partners"}, "expected_registrations": 300.0, "recorded": true,
			"venue": map[string]any{"city": "Lyon"},
		},
		CreatedAt: created, UpdatedAt: created.Add(time.Minute),
	}
}

func TestTemplateRunRecordRoundTripsAndLists(t *testing.T) {
	eachBackend(t, func(t *testing.T, st *Store) {
		ctx := t.Context()
		base := time.Date(2030, 1, 7, 9, 0, 0, 0, time.UTC)
		a := testTemplateRun("tpr_aaaaaaaaaaaa", "webinar", "pat", domain.StatusActive, base)
		b := testTemplateRun("tpr_bbbbbbbbbbbb", "trade-show", "sam", domain.StatusActive, base.Add(time.Minute))
		c := testTemplateRun("tpr_cccccccccccc", "webinar", "pat", domain.StatusRejected, base.Add(2*time.Minute))
		c.Reason, c.Round, c.Title = "no budget", 3, "Autumn webinar"
		for _, r := range []domain.TemplateRun{a, b, c, a} { // a twice: idempotent
			if err := st.Apply(ctx, domain.Batch{TemplateRun: &r}); err != nil {
				t.Fatal(err)
			}
		}
		for _, want := range []domain.TemplateRun{a, c} {
			got, err := st.TemplateRun(ctx, want.ID)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("read back\n%+v\nwant\n%+v", got, want)
			}
		}
		if _, err := st.TemplateRun(ctx, "tpr_zzzzzzzzzzzz"); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("missing run: %v, want not found", err)
		}
		// A later write of the same run overwrites it: the projection as it now is.
		a.Status, a.Stage, a.Round = domain.StatusCompleted, "follow_up", 2
		mustApply(t, st, domain.Batch{TemplateRun: &a})
		if got, err := st.TemplateRun(ctx, a.ID); err != nil || got.Status != domain.StatusCompleted || got.Stage != "follow_up" || got.Round != 2 {
			t.Errorf("after the second write: %+v, %v", got, err)
		}
		for name, tc := range map[string]struct {
			f    domain.TemplateRunFilter
			want []string
		}{
			"all":          {domain.TemplateRunFilter{}, []string{a.ID, b.ID, c.ID}},
			"status":       {domain.TemplateRunFilter{Status: domain.StatusActive}, []string{b.ID}},
			"template":     {domain.TemplateRunFilter{TemplateKey: "webinar"}, []string{a.ID, c.ID}},
			"requested_by": {domain.TemplateRunFilter{RequestedBy: "sam"}, []string{b.ID}},
			"combined":     {domain.TemplateRunFilter{TemplateKey: "webinar", Status: domain.StatusRejected}, []string{c.ID}},
			"name":         {domain.TemplateRunFilter{Name: "SPRING"}, []string{a.ID, b.ID}},
		} {
			var ids []string
			f := tc.f
			f.Limit = 2
			for {
				page, err := st.TemplateRuns(ctx, f)
				if err != nil {
					t.Fatal(err)
				}
				for _, r := range page.Items {
					ids = append(ids, r.ID)
				}
				if page.NextCursor == "" {
					break
				}
				f.Cursor = page.NextCursor
			}
			if !reflect.DeepEqual(ids, tc.want) {
				t.Errorf("%s: %v, want %v", name, ids, tc.want)
			}
		}
	})
}

// A run's tasks go in the tasks table every process shares, under the process
// "template", and its inbox queries find them as any other's.
func TestTemplateRunTasksShareTheTasksTable(t *testing.T) {
	eachBackend(t, func(t *testing.T, st *Store) {
		r := testTemplateRun("tpr_tasks0000001", "webinar", "pat", domain.StatusActive, t0)
		task := processTask(domain.ProcessTemplate, r.ID, "tsk_tpl000000001", t0)
		task.Key, task.Team, task.Role = "landing_page", domain.TeamWeb, ""
		task.Form = &domain.Form{Name: "landing_page", Fields: []domain.FormField{{Name: "url", Type: domain.FieldText, Label: "URL", Required: true}}}
		mustApply(t, st, domain.Batch{TemplateRun: &r, Tasks: []domain.Task{task}})
		page, err := st.Tasks(t.Context(), domain.TaskFilter{Process: domain.ProcessTemplate, ProcessID: r.ID})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Items) != 1 || !reflect.DeepEqual(*page.Items[0].Form, *task.Form) || page.Items[0].Key != "landing_page" {
			t.Errorf("the run's tasks: %+v", page.Items)
		}
		team, err := st.Tasks(t.Context(), domain.TaskFilter{Team: domain.TeamWeb, Status: domain.TaskOpen})
		if err != nil || len(team.Items) != 1 || team.Items[0].ID != task.ID {
			t.Errorf("the web team's queue: %+v, %v", team.Items, err)
		}
	})
}
