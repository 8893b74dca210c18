package domain

import "strings"

// The forms of the built-in tasks, each declared once and found by what
// identifies a task's kind today: its process and the key the process opens it
// with (the packages workflows/campaign, hiring and risk name the keys). A key
// ending in ":" is a prefix: "interview:" is every candidate's interview
// feedback. Tasks whose data no process reads have no form: their answer is the
// outcome and the comment.
//
// What depends on the run — the work a sign-off may send back, the currency of
// an offer, the brief a revision starts from — the workflow fills in when it
// opens the task (SetChoices, SetCurrency, SetDefaults), and the form goes with
// the task: into its record, the API's answers and the board, so what a person
// is offered is what the validator checks.

// The names of the task forms.
const (
	FormReviseBrief       = "revise_brief"
	FormSignOff           = "sign_off"
	FormReviseRequest     = "revise_request"
	FormInterviewFeedback = "interview_feedback"
	FormReviseOffer       = "revise_offer"
	FormOfferAnswer       = "offer_answer"
	FormRiskResponse      = "risk_response"
)

// taskForm ties a kind of task to its form.
type taskForm struct {
	process Process
	key     string // exact, or a prefix when it ends in ":"
	form    func() Form
}

var taskForms = []taskForm{
	{ProcessCampaign, "revise_brief", reviseBriefForm},
	{ProcessCampaign, "sign_off:", signOffForm},
	{ProcessHiring, "revise_request", reviseRequestForm},
	{ProcessHiring, "interview:", interviewFeedbackForm},
	{ProcessHiring, "revise_offer:", reviseOfferForm},
	{ProcessHiring, "answer:", offerAnswerForm},
	{ProcessRisk, "acknowledge", riskResponseForm},
}

// TaskForm returns a fresh copy of the form of the task a process opens with
// key, or nil when that task takes no data.
func TaskForm(p Process, key string) *Form {
	for _, tf := range taskForms {
		if tf.process != p {
			continue
		}
		if key == tf.key || strings.HasSuffix(tf.key, ":") && strings.HasPrefix(key, tf.key) {
			f := tf.form()
			return &f
		}
	}
	return nil
}

// TaskForms returns a fresh copy of every task form, by name.
func TaskForms() map[string]Form {
	out := map[string]Form{}
	for _, tf := range taskForms {
		f := tf.form()
		out[f.Name] = f
	}
	return out
}

// Keys of a revision's data (data.brief, data.request) and of the other forms,
// for the code that reads the answers.
const (
	DataBrief       = "brief"
	DataRequest     = "request"
	DataRework      = "rework"
	DataHire        = "hire"
	DataOfferAmount = "offer_amount"
	DataAnswer      = "answer"
	DataResponse    = "response"
	DataPlan        = "plan"
	DataDueAt       = "due_at"
)

// The candidate's answers to an offer.
const (
	AnswerAccepted = "accepted"
	AnswerDeclined = "declined"
)

func reviseBriefForm() Form {
	channels := make([]Choice, len(Channels))
	for i, c := range Channels {
		channels[i] = Choice{Value: string(c), Label: channelLabels[c]}
	}
	return Form{Name: FormReviseBrief, Fields: []FormField{
		{Name: "brief.objective", Type: FieldLongText, Label: "Objective", Help: "What the campaign should achieve.",
			Required: true, MaxLength: MaxDescriptionChars},
		{Name: "brief.audience", Type: FieldLongText, Label: "Audience", Help: "Who it is for.",
			Required: true, MaxLength: MaxDescriptionChars},
		{Name: "brief.channels", Type: FieldMultiChoice, Label: "Channels", Required: true, MaxItems: len(Channels), Choices: channels,
			Help: "Tandem plans a deliverable per team from these; paid channels also get a legal review."},
		{Name: "brief.budget.amount", Type: FieldMoney, Label: "Budget", Required: true, Min: Bound(0)},
		{Name: "brief.budget.currency", Type: FieldCurrency, Label: "Currency", Required: true, Help: "ISO code, e.g. EUR."},
		{Name: "brief.launch_at", Type: FieldDateTime, Label: "Launch at", Required: true, Future: true},
		{Name: "brief.kpis", Type: FieldList, Label: "KPIs", ItemLabel: "KPI", Required: true, MaxItems: MaxKPIs,
			Help: "The goals the campaign is measured by, e.g. signups: 5000, higher is better.",
			Fields: []FormField{
				{Name: "name", Type: FieldText, Label: "Name", Required: true, MaxLength: MaxKPINameChars},
				{Name: "target", Type: FieldNumber, Label: "Target", Required: true},
				{Name: "unit", Type: FieldText, Label: "Unit", MaxLength: MaxKPIUnitChars},
				{Name: "direction", Type: FieldChoice, Label: "Better when", Required: true, Choices: []Choice{
					{Value: string(Higher), Label: "Higher"}, {Value: string(Lower), Label: "Lower"},
				}},
			}},
	}}
}

var channelLabels = map[Channel]string{
	ChannelEmail: "Email", ChannelSocial: "Social", ChannelPaidSearch: "Paid search", ChannelPaidSocial: "Paid social",
	ChannelWeb: "Web", ChannelEvents: "Events", ChannelPR: "PR",
}

func signOffForm() Form {
	return Form{Name: FormSignOff, Fields: []FormField{
		{Name: DataRework, Type: FieldTaskPicker, Label: "Work to redo",
			Help: "Only when you reject: the finished work to do again. Pick none to redo all of it."},
	}}
}

func reviseRequestForm() Form {
	return Form{Name: FormReviseRequest, Fields: []FormField{
		{Name: "request.title", Type: FieldText, Label: "Role title", Required: true, MaxLength: MaxNameChars},
		{Name: "request.level", Type: FieldText, Label: "Level", Required: true, MaxLength: MaxLevelChars},
		{Name: "request.justification", Type: FieldLongText, Label: "Justification", Required: true, MaxLength: MaxJustificationChars},
		{Name: "request.budget.min", Type: FieldMoney, Label: "Budget from", Help: "Yearly salary.", Required: true, Min: Bound(0)},
		{Name: "request.budget.max", Type: FieldMoney, Label: "Budget up to", Help: "Yearly salary.", Required: true, Min: Bound(0)},
		{Name: "request.budget.currency", Type: FieldCurrency, Label: "Currency", Required: true, Help: "ISO code, e.g. EUR."},
		{Name: "request.needed_by", Type: FieldDate, Label: "Needed by", Required: true, Future: true},
	}}
}

// MinOffer is the least an offer may be: a positive yearly salary.
const MinOffer = 0.01

func interviewFeedbackForm() Form {
	return Form{Name: FormInterviewFeedback, Fields: []FormField{
		{Name: DataHire, Type: FieldYesNo, Label: "Make an offer?", Required: true,
			Help: "Yes sends an offer for approval; no ends this candidate's application."},
		{Name: DataOfferAmount, Type: FieldMoney, Label: "Offer", Min: Bound(MinOffer),
			RequiredWhen: &Condition{Field: DataHire, Equals: true},
			Help:         "Needed when you make an offer: the yearly salary. Above the budget's maximum, finance approves the offer too."},
	}}
}

func reviseOfferForm() Form {
	return Form{Name: FormReviseOffer, Fields: []FormField{
		{Name: DataOfferAmount, Type: FieldMoney, Label: "Offer", Required: true, Min: Bound(MinOffer),
			Help: "Yearly salary; the offer goes to approval again."},
	}}
}

func offerAnswerForm() Form {
	return Form{Name: FormOfferAnswer, Fields: []FormField{
		{Name: DataAnswer, Type: FieldChoice, Label: "The candidate's answer", Required: true, Choices: []Choice{
			{Value: AnswerAccepted, Label: "Accepted the offer"}, {Value: AnswerDeclined, Label: "Declined the offer"},
		}, Help: "A decline sends the request back to recruiting."},
	}}
}

func riskResponseForm() Form {
	responses := make([]Choice, len(Responses))
	for i, r := range Responses {
		responses[i] = Choice{Value: string(r), Label: responseLabels[r]}
	}
	return Form{Name: FormRiskResponse, Fields: []FormField{
		{Name: DataResponse, Type: FieldChoice, Label: "Response", Required: true, Choices: responses,
			Help: "Accepting a high or critical risk needs marketing ops or a director."},
		{Name: DataPlan, Type: FieldLongText, Label: "Plan", Required: true, MaxLength: MaxDescriptionChars,
			Help: "What will be done about the risk, and by whom."},
		{Name: DataDueAt, Type: FieldDateTime, Label: "Plan due", Required: true, Future: true},
	}}
}

var responseLabels = map[Response]string{
	ResponseAvoid:    "Avoid: change the plan so it cannot happen",
	ResponseMitigate: "Mitigate: make it less likely or less harmful",
	ResponseTransfer: "Transfer: hand it to someone better placed",
	ResponseAccept:   "Accept: live with it",
}
