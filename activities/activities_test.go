package activities

import (
	"context"
	"errors"
	"testing"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/tandemhq/tandem/domain"
)

type fakeRecords struct {
	applied []domain.Batch
	err     error
}

func (f *fakeRecords) Apply(_ context.Context, b domain.Batch) error {
	f.applied = append(f.applied, b)
	return f.err
}

func run(t *testing.T, recs *fakeRecords, b domain.Batch) error {
	t.Helper()
	var s testsuite.WorkflowTestSuite
	env := s.NewTestActivityEnvironment()
	env.RegisterActivity(&Activities{Records: recs})
	_, err := env.ExecuteActivity((&Activities{}).SaveRecords, b)
	return err
}

func TestSaveRecordsWritesTheBatch(t *testing.T) {
	recs := &fakeRecords{}
	b := domain.Batch{Events: []domain.Event{{Key: "cmp_1/event/1", Message: "started"}}}
	if err := run(t, recs, b); err != nil {
		t.Fatal(err)
	}
	if len(recs.applied) != 1 || recs.applied[0].Events[0].Key != "cmp_1/event/1" {
		t.Errorf("applied %+v", recs.applied)
	}
	if err := run(t, recs, domain.Batch{}); err != nil || len(recs.applied) != 1 {
		t.Errorf("an empty batch reached the records (%v)", err)
	}
}

func TestSaveRecordsErrors(t *testing.T) {
	// A refused batch will be refused again: not retried, with a type the workflow can tell apart.
	err := run(t, &fakeRecords{err: domain.Invalid(domain.FieldProblem{Field: "events.key", Problem: "required"})}, domain.Batch{Events: []domain.Event{{}}})
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) || appErr.Type() != ErrTypeBadRecord || !appErr.NonRetryable() {
		t.Errorf("invalid batch: %v, want a non-retryable %s", err, ErrTypeBadRecord)
	}
	// Anything else (the database is down) is retried by Temporal.
	err = run(t, &fakeRecords{err: domain.ErrUnavailable}, domain.Batch{Events: []domain.Event{{Key: "k"}}})
	if !errors.As(err, &appErr) || appErr.NonRetryable() {
		t.Errorf("unavailable database: %v, want a retryable error", err)
	}
}

// SaveRecords tells the workflow which outbound work a written batch needs.
func TestSaveRecordsSaysWhatOutboundWorkIsNeeded(t *testing.T) {
	opened := domain.Batch{Events: []domain.Event{{Key: "cmp_1/event/1", Kind: domain.EventTaskOpened}}}
	for _, tc := range []struct {
		name string
		acts *Activities
		want SaveRecordsResult
	}{
		{"webhooks and e-mail off", &Activities{}, SaveRecordsResult{NoWebhooks: true, NoEmail: true}},
		{"nobody subscribed", &Activities{Webhooks: &fakeWebhooks{}}, SaveRecordsResult{NoWebhooks: true, NoEmail: true}},
		{"a subscription to other kinds", &Activities{Webhooks: &fakeWebhooks{subs: []domain.Webhook{{ID: "whk_1", Events: []domain.EventKind{domain.EventRiskRaised}}}}},
			SaveRecordsResult{NoWebhooks: true, NoEmail: true}},
		{"a subscription that wants it", &Activities{Webhooks: &fakeWebhooks{subs: []domain.Webhook{{ID: "whk_1", Events: []domain.EventKind{domain.EventTaskOpened}}}}},
			SaveRecordsResult{NoEmail: true}},
		{"e-mail on", &Activities{Mail: &Mailer{}}, SaveRecordsResult{NoWebhooks: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.acts.Records = &fakeRecords{}
			var s testsuite.WorkflowTestSuite
			env := s.NewTestActivityEnvironment()
			env.RegisterActivity(tc.acts)
			v, err := env.ExecuteActivity((&Activities{}).SaveRecords, opened)
			if err != nil {
				t.Fatal(err)
			}
			var got SaveRecordsResult
			if err := v.Get(&got); err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}
