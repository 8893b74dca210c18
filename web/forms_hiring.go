package web

import (
	"net/http"
	"net/url"
	"time"

	"github.com/tandemhq/tandem/domain"
)

// hiringRequest is the body of POST /api/v1/hiring-requests. The requester is the
// caller.
type hiringRequest struct {
	Title         string             `json:"title"`
	Team          string             `json:"team"`
	Level         string             `json:"level"`
	Kind          string             `json:"kind"`
	Justification string             `json:"justification"`
	Budget        domain.SalaryRange `json:"budget"`
	NeededBy      string             `json:"needed_by"`
	HiringManager string             `json:"hiring_manager"`
}

var hiringForm = &startForm{
	may: domain.CheckRequestHire,
	// The roles of the built-in approval chain and offer approvals; a policy
	// with other approvers is not known to the page.
	approvers: []domain.Role{domain.RoleMarketingOpsManager, domain.RoleFinance, domain.RoleDirector, domain.RoleHR},
	sole:      "each approval of your request that needs it",
	slug:      "hiring-request",
	tab:       "Hiring request",
	title:     "Request a hire",
	intro:     "You are the requester. The request goes through the approval chain your policy sets (by default marketing ops, finance, a director for large budgets, then HR); each step has a deadline and escalates when it is missed.",
	submit:    "Send for approval",
	create:    "/hiring-requests",
	page:      "/hiring-requests",
	roles:     []domain.Role{""},

	defaults: func(s *session, _ directory, _ *http.Request, now time.Time) url.Values {
		v := url.Values{}
		v.Set("team", string(s.me.Team))
		v.Set("kind", string(domain.HireNew))
		v.Set("budget.currency", "EUR")
		// Twelve weeks: approval, posting, interviews and notice take time.
		v.Set("needed_by", now.UTC().AddDate(0, 0, 84).Format(dateLayout))
		v.Set("hiring_manager", s.me.Handle)
		return v
	},

	draw: func(v url.Values, d directory, now time.Time) []section {
		team := input{Name: "team", Label: "Team", Kind: "select", Value: v.Get("team"), Required: true,
			Options: []option{{"", "Choose a team…"}}}
		for _, t := range domain.Teams {
			team.Options = append(team.Options, option{Value: string(t), Label: label(t)})
		}
		return []section{
			{Inputs: []input{
				{Name: "title", Label: "Job title", Kind: "text", Value: v.Get("title"), Required: true, MaxLength: 200},
			}},
			{Row: true, Inputs: []input{
				team,
				{Name: "level", Label: "Level", Hint: "e.g. Senior, L4.", Kind: "text", Value: v.Get("level"), Required: true, MaxLength: 50, Class: "short"},
				{Name: "kind", Label: "Kind", Kind: "radios", Value: v.Get("kind"),
					Options: []option{{string(domain.HireNew), "New headcount"}, {string(domain.HireBackfill), "Backfill"}}},
			}},
			{Inputs: []input{
				{Name: "justification", Label: "Justification", Hint: "Why the team needs this person now.", Kind: "textarea",
					Value: v.Get("justification"), Required: true, MaxLength: 4000},
			}},
			{Legend: "Yearly salary budget", Name: "budget", Row: true, Inputs: []input{
				{Name: "budget.min", Label: "From", Kind: "number", Value: v.Get("budget.min"), Required: true, Min: "0", Step: "any", Class: "short"},
				{Name: "budget.max", Label: "To", Kind: "number", Value: v.Get("budget.max"), Required: true, Min: "1", Step: "any", Class: "short"},
				{Name: "budget.currency", Label: "Currency", Kind: "text", Value: v.Get("budget.currency"), Required: true,
					Pattern: currencyPattern, MaxLength: 3, Class: "tiny", Hint: "ISO code, e.g. EUR."},
			}},
			{Row: true, Inputs: []input{
				{Name: "needed_by", Label: "Needed by", Kind: "date", Value: v.Get("needed_by"), Required: true,
					Min: now.UTC().AddDate(0, 0, 1).Format(dateLayout), Hint: "If it is still waiting for approval on this day (UTC), it expires."},
				personPicker("hiring_manager", "Hiring manager", "", d, "", v.Get("hiring_manager")),
			}},
		}
	},

	body: func(v url.Values) (any, map[string]string) {
		p := formProblems{}
		req := hiringRequest{
			Title:         text(v, "title"),
			Team:          text(v, "team"),
			Level:         text(v, "level"),
			Kind:          text(v, "kind"),
			Justification: text(v, "justification"),
			Budget: domain.SalaryRange{
				Min:      p.number(v, "budget.min", true),
				Max:      p.number(v, "budget.max", true),
				Currency: currency(v, "budget.currency"),
			},
			NeededBy:      p.utcDate(v, "needed_by"),
			HiringManager: text(v, "hiring_manager"),
		}
		return req, p
	},

	started: func(v url.Values) string {
		return "Hiring request " + quoted(text(v, "title")) + " sent for approval."
	},
}
