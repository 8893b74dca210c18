package web

import (
	"cmp"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/tandemhq/tandem/domain"
)

// kpiRows is how many KPIs the brief form offers; empty rows are ignored.
const kpiRows = 3

// campaignRequest is the body of POST /api/v1/campaigns.
type campaignRequest struct {
	Name                string       `json:"name"`
	Objective           string       `json:"objective"`
	Audience            string       `json:"audience"`
	Channels            []string     `json:"channels"`
	Budget              domain.Money `json:"budget"`
	LaunchAt            string       `json:"launch_at"`
	TrackingWindow      string       `json:"tracking_window,omitempty"` // empty: the policy's default
	KPIs                []domain.KPI `json:"kpis"`
	ProjectManager      string       `json:"project_manager"`
	MarketingOpsManager string       `json:"marketing_ops_manager"`
	Regulated           bool         `json:"regulated"`
}

var campaignForm = &startForm{
	may: domain.CheckStartCampaign,
	// Marketing ops reviews the brief and approves budget increases.
	approvers: []domain.Role{domain.RoleMarketingOpsManager},
	sole:      "the review of your brief, and of any budget increase,",
	slug:      "campaign",
	tab:       "Campaign launch",
	title:     "Start a campaign launch",
	intro:     "The brief goes to marketing ops for review first. Once approved, Tandem plans the work from the channels and schedules it back from the launch date.",
	submit:    "Start the campaign",
	create:    "/campaigns",
	page:      "/campaigns",
	roles:     []domain.Role{domain.RoleProjectManager, domain.RoleMarketingOpsManager},

	defaults: func(s *session, d directory, _ *http.Request, now time.Time) url.Values {
		v := url.Values{}
		// Four weeks out, at 09:00 where the viewer is (UTC until the page
		// knows): enough for the work plan's lead times.
		loc := time.UTC
		if s.zone != nil {
			loc = s.zone
			v.Set(tzField, s.zone.String())
		}
		y, m, day := now.In(loc).Date()
		launch := time.Date(y, m, day+28, 9, 0, 0, 0, loc)
		v.Set("launch_at", launch.Format(localTimeLayout))
		v.Set("budget.currency", "EUR")
		v.Set("project_manager", defaultPerson(s, d, domain.RoleProjectManager))
		v.Set("marketing_ops_manager", defaultPerson(s, d, domain.RoleMarketingOpsManager))
		for i := range kpiRows {
			v.Set(kpiField(i, "direction"), string(domain.Higher))
		}
		return v
	},

	draw: func(v url.Values, d directory, now time.Time) []section {
		zone := zoneOf(v.Get(tzField)) // the viewer's, once the page (or its script) knows it
		channels := input{Name: "channels", Label: "Channels", Kind: "checkboxes", Values: v["channels"],
			Hint: "At least one. Tandem plans a deliverable per team from these; paid channels also get a legal review."}
		for _, c := range domain.Channels {
			channels.Options = append(channels.Options, option{Value: string(c), Label: label(c)})
		}
		secs := []section{
			{Inputs: []input{
				{Name: "name", Label: "Campaign name", Kind: "text", Value: v.Get("name"), Required: true, MaxLength: 200},
				{Name: "objective", Label: "Objective", Hint: "What the campaign should achieve.", Kind: "textarea", Value: v.Get("objective"), Required: true},
				{Name: "audience", Label: "Audience", Hint: "Who it is for.", Kind: "textarea", Value: v.Get("audience"), Required: true},
				channels,
			}},
			{Legend: "Timing", Row: true, Inputs: []input{
				{Name: "launch_at", Label: "Launch at", Kind: "datetime-local", Value: v.Get("launch_at"), Required: true,
					Zone: zoneName(zone), Convert: zone == nil, Min: now.In(cmp.Or(zone, time.UTC)).Format(localTimeLayout)},
				{Name: "tracking_window", Label: "Track KPIs for (days)", Kind: "number", Value: v.Get("tracking_window"), Optional: true,
					Min: "1", Max: "3650", Step: "1", Class: "short", Hint: "After launch. Leave empty for the policy's default."},
			}},
			{Legend: "Budget", Name: "budget", Row: true, Inputs: []input{
				{Name: "budget.amount", Label: "Amount", Kind: "number", Value: v.Get("budget.amount"), Required: true, Min: "0", Step: "0.01", Class: "short"},
				{Name: "budget.currency", Label: "Currency", Kind: "text", Value: v.Get("budget.currency"), Required: true,
					Pattern: currencyPattern, MaxLength: 3, Class: "tiny", Hint: "ISO code, e.g. EUR."},
			}},
		}
		for i := range kpiRows {
			sec := section{Legend: fmt.Sprintf("KPI %d", i+1), Row: true, Inputs: []input{
				{Name: kpiField(i, "name"), Label: "Name", Kind: "text", Value: v.Get(kpiField(i, "name")), Required: i == 0, MaxLength: 100},
				{Name: kpiField(i, "target"), Label: "Target", Kind: "number", Value: v.Get(kpiField(i, "target")), Required: i == 0, Step: "any", Class: "short"},
				{Name: kpiField(i, "unit"), Label: "Unit", Kind: "text", Value: v.Get(kpiField(i, "unit")), Optional: true, MaxLength: 30, Class: "short"},
				{Name: kpiField(i, "direction"), Label: "Better when", Kind: "select", Value: v.Get(kpiField(i, "direction")), Class: "short",
					Options: []option{{string(domain.Higher), "higher"}, {string(domain.Lower), "lower"}}},
			}}
			if i == 0 {
				sec.Name = "kpis"
				sec.Hint = "At least one goal, e.g. signups: 5000, higher is better. Leave the rows you do not need empty."
			}
			secs = append(secs, sec)
		}
		return append(secs,
			section{Legend: "People", Row: true, Inputs: []input{
				personPicker("project_manager", "Project manager", "", d, domain.RoleProjectManager, v.Get("project_manager")),
				personPicker("marketing_ops_manager", "Marketing ops manager", "Reviews the brief.", d, domain.RoleMarketingOpsManager, v.Get("marketing_ops_manager")),
			}},
			section{Inputs: []input{
				{Name: "regulated", Label: "Regulated: legal must review and sign off before launch", Kind: "checkbox", Value: v.Get("regulated")},
			}},
		)
	},

	body: func(v url.Values) (any, map[string]string) {
		p := formProblems{}
		compactKPIs(v)
		req := campaignRequest{
			Name:      text(v, "name"),
			Objective: text(v, "objective"),
			Audience:  text(v, "audience"),
			Channels:  append([]string{}, v["channels"]...),
			Budget: domain.Money{
				Amount:   p.number(v, "budget.amount", true),
				Currency: currency(v, "budget.currency"),
			},
			LaunchAt:            p.zonedTime(v, "launch_at", cmp.Or(zoneOf(v.Get(tzField)), time.UTC)),
			KPIs:                []domain.KPI{},
			ProjectManager:      text(v, "project_manager"),
			MarketingOpsManager: text(v, "marketing_ops_manager"),
			Regulated:           v.Get("regulated") != "",
		}
		if days := p.whole(v, "tracking_window"); days != 0 {
			req.TrackingWindow = strconv.Itoa(days*24) + "h"
		}
		for i := range kpiRows {
			if kpiEmpty(v, i) {
				break // compacted: the rest are empty too
			}
			req.KPIs = append(req.KPIs, domain.KPI{
				Name:      text(v, kpiField(i, "name")),
				Target:    p.number(v, kpiField(i, "target"), true),
				Unit:      text(v, kpiField(i, "unit")),
				Direction: domain.Direction(v.Get(kpiField(i, "direction"))),
			})
		}
		return req, p
	},

	started: func(v url.Values) string {
		return "Campaign " + quoted(text(v, "name")) + " started: its brief is waiting for marketing ops' review."
	},
}

// kpiField is the API's path of a KPI's field, which is also the input's name.
func kpiField(i int, f string) string { return fmt.Sprintf("kpis[%d].%s", i, f) }

// kpiEmpty reports whether KPI row i holds nothing a person typed; its direction
// always has a value, so it does not count.
func kpiEmpty(v url.Values, i int) bool {
	return text(v, kpiField(i, "name")) == "" && text(v, kpiField(i, "target")) == "" && text(v, kpiField(i, "unit")) == ""
}

// compactKPIs moves the filled KPI rows to the top, so the API's kpis[i] is the
// form's row i and its problems land on the right row.
func compactKPIs(v url.Values) {
	type row struct{ name, target, unit, direction string }
	var rows []row
	for i := range kpiRows {
		if !kpiEmpty(v, i) {
			rows = append(rows, row{v.Get(kpiField(i, "name")), v.Get(kpiField(i, "target")), v.Get(kpiField(i, "unit")), v.Get(kpiField(i, "direction"))})
		}
	}
	for i := range kpiRows {
		r := row{direction: string(domain.Higher)}
		if i < len(rows) {
			r = rows[i]
		}
		v.Set(kpiField(i, "name"), r.name)
		v.Set(kpiField(i, "target"), r.target)
		v.Set(kpiField(i, "unit"), r.unit)
		v.Set(kpiField(i, "direction"), r.direction)
	}
}
