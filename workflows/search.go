package workflows

import (
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
)

// Search attributes every Tandem run carries, so the Temporal UI can list and filter
// them. Registered by `tandem dev`, the compose one-shot and the end-to-end tests.
// They are indexed in clear, so they hold no personal data and no money: stages,
// statuses, teams and due times, never a person's handle.
var (
	AttrProcess   = temporal.NewSearchAttributeKeyKeyword("TandemProcess")
	AttrStage     = temporal.NewSearchAttributeKeyKeyword("TandemStage")
	AttrStatus    = temporal.NewSearchAttributeKeyKeyword("TandemStatus")
	AttrWaitingOn = temporal.NewSearchAttributeKeyKeywordList("TandemWaitingOn")
	AttrNextDue   = temporal.NewSearchAttributeKeyTime("TandemNextDue")
)

// Risk search attributes: what the Temporal UI filters risks by.
var (
	AttrSeverity = temporal.NewSearchAttributeKeyKeyword("TandemSeverity")
	AttrLevel    = temporal.NewSearchAttributeKeyInt64("TandemLevel")
)

// AttrTemplate is which template a run of a process template follows, by its
// key (the version is in the run's details).
var AttrTemplate = temporal.NewSearchAttributeKeyKeyword("TandemTemplate")

// SearchAttributes lists the custom search attributes by name with their type, for
// registering them on a Temporal namespace.
var SearchAttributes = map[string]enumspb.IndexedValueType{
	AttrProcess.GetName():   enumspb.INDEXED_VALUE_TYPE_KEYWORD,
	AttrStage.GetName():     enumspb.INDEXED_VALUE_TYPE_KEYWORD,
	AttrStatus.GetName():    enumspb.INDEXED_VALUE_TYPE_KEYWORD,
	AttrWaitingOn.GetName(): enumspb.INDEXED_VALUE_TYPE_KEYWORD_LIST,
	AttrNextDue.GetName():   enumspb.INDEXED_VALUE_TYPE_DATETIME,
	// Risk
	AttrSeverity.GetName(): enumspb.INDEXED_VALUE_TYPE_KEYWORD,
	AttrLevel.GetName():    enumspb.INDEXED_VALUE_TYPE_INT,
	// Template
	AttrTemplate.GetName(): enumspb.INDEXED_VALUE_TYPE_KEYWORD,
}
