package contract

import (
	"encoding/json"

	"github.com/tandemhq/tandem/domain"
)

// TemplateRunInput starts a run of a process template (TemplateRunType).
//
// Template is the whole template the run follows, captured at its start as
// the JSON of a templates.Template (json.Marshal of a template templates.Parse
// or Validate accepted): editing or retiring the template afterwards never
// changes a run that has started. It is raw JSON rather than the type because
// the contract links only domain, and the template's model lives in package
// templates, which needs YAML and expr (contract/deps_test.go; the workflow
// decodes it with templates).
//
// Intake is the values of the template's intake form, as
// templates.Template.CheckIntake accepted them: the data of a form (dates as
// RFC 3339 strings, numbers, yes/no, lists).
type TemplateRunInput struct {
	ID          string          `json:"id"` // a tpr_ ID (domain.PrefixTemplateRun)
	Template    json.RawMessage `json:"template"`
	Intake      map[string]any  `json:"intake"`
	RequestedBy string          `json:"requested_by"`
	Policy      domain.Policy   `json:"policy"` // captured at start: later edits never change this run
}

// TemplateRunResult is how a template run ended.
type TemplateRunResult struct {
	Status domain.Status `json:"status"`
}

// TemplateRunDetail is the live detail of a template run, answered by
// QueryDetail and by the cancel update.
type TemplateRunDetail struct {
	domain.TemplateRun
	Tasks     []domain.Task      `json:"tasks"`
	WaitingOn []domain.WaitingOn `json:"waiting_on"`
	// TasksOmitted counts the oldest closed tasks left out of this answer to keep
	// it within Temporal's payload limit; the task list has them all.
	TasksOmitted int `json:"tasks_omitted,omitempty"`
}
