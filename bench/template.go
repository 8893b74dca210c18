package bench

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/tandemhq/tandem/api"
	"github.com/tandemhq/tandem/store"
)

// benchTemplate is the template whose runs the bench starts: the shape of
// examples/templates/webinar.yaml (six intake fields, triage, four stages,
// conditions, dependencies), kept here because the bench runs from the
// binary, without the repository's files.
const benchTemplate = `key: bench-webinar
version: 1
name: Bench webinar
triage:
  role: marketing_ops_manager
intake:
  - {name: title, type: text, label: Title, required: true, max_length: 120}
  - {name: event_date, type: date_time, label: Starts at, required: true, future: true}
  - {name: host, type: person, label: Host, required: true, role: project_manager}
  - name: audience
    type: multi_choice
    label: Audience
    required: true
    choices:
      - {value: customers, label: Customers}
      - {value: partners, label: Partners}
  - {name: expected_registrations, type: number, label: Registrations expected, required: true, min: 1}
  - {name: recorded, type: yes_no, label: Recorded}
stages:
  - key: plan
    name: Plan
    tasks:
      - key: agenda
        title: Agenda
        kind: work
        assignee: {person: host}
        due: 15 working days before event_date
      - key: agenda_review
        title: Review the agenda
        kind: approval
        assignee: {team: marketing-ops, role: marketing_ops_manager}
        due: 2 working days after stage_start
        depends_on: [agenda]
        on_changes_requested: plan
        on_reject: end
  - key: promote
    name: Promote
    tasks:
      - key: landing_page
        title: Registration page
        kind: work
        assignee: {team: web}
        due: 10 working days before event_date
      - key: partner_mailing
        title: Mailing to partners
        kind: work
        assignee: {team: marketing-ops}
        due: 8 working days before event_date
        when: '"partners" in intake.audience'
  - key: run
    name: Run
    tasks:
      - key: recording
        title: Publish the recording
        kind: work
        assignee: {team: web}
        due: 3 working days after event_date
        when: intake.recorded
  - key: follow_up
    name: Follow-up
    tasks:
      - key: follow_up_mail
        title: Follow-up e-mail
        kind: work
        assignee: {team: content}
        due: 2 working days after stage_start
board:
  title: title
  card: [event_date, host]
`

// publishBenchTemplate stores benchTemplate, as marketing ops would publish it.
func publishBenchTemplate(ctx context.Context, st *store.Store) error {
	if _, _, err := api.ApplyTemplate(ctx, st, []byte(benchTemplate), "maya", time.Now()); err != nil {
		return fmt.Errorf("publish the bench's template: %w", err)
	}
	return nil
}

// startTemplateRun starts a run of the bench's template as pat, with an
// Idempotency-Key as createCampaign sends, and returns its ID.
func (h *httpClient) startTemplateRun(ctx context.Context) (string, error) {
	n := h.seq.Add(1)
	body := map[string]any{"template": "bench-webinar", "intake": map[string]any{
		"title": fmt.Sprintf("Bench webinar %d", n), "host": "pat", "audience": []string{"customers", "partners"},
		"event_date":             time.Now().UTC().Add(30 * 24 * time.Hour).Truncate(time.Hour).Format(time.RFC3339),
		"expected_registrations": 300, "recorded": true,
	}}
	var created struct{ ID string }
	err := h.call(ctx, "pat", http.MethodPost, "/api/v1/template-runs", body, http.StatusCreated, &created, "Idempotency-Key", fmt.Sprintf("bench-%d", n))
	return created.ID, err
}
