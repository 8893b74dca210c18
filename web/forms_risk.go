package web

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/tandemhq/tandem/domain"
)

// riskRequest is the body of POST /api/v1/risks.
type riskRequest struct {
	Title       string          `json:"title"`
	Description string          `json:"description"`
	Category    string          `json:"category"`
	Probability int             `json:"probability"`
	Impact      int             `json:"impact"`
	Owner       string          `json:"owner"`
	Related     *domain.Related `json:"related,omitempty"`
}

var riskForm = &startForm{
	slug:    "risk",
	tab:     "Risk",
	title:   "Raise a risk",
	intro:   "The owner gets a task to acknowledge the risk, with a deadline set by its severity; if it is missed, the risk escalates one level up. Anyone may raise a risk.",
	submit:  "Raise the risk",
	create:  "/risks",
	page:    "/risks",
	roles:   []domain.Role{""},
	related: true,
	// One picker stands for both parts of the related process.
	alias: map[string]string{"related.process": "related", "related.id": "related"},

	// /new/risk?related=cmp_… starts the form about that campaign (or hir_…).
	defaults: func(s *session, _ directory, r *http.Request, _ time.Time) url.Values {
		v := url.Values{}
		v.Set("owner", s.me.Handle)
		v.Set("related", r.URL.Query().Get("related"))
		return v
	},

	draw: func(v url.Values, d directory, _ time.Time) []section {
		category := input{Name: "category", Label: "Category", Kind: "select", Value: v.Get("category"), Required: true,
			Options: []option{{"", "Choose a category…"}}}
		for _, c := range domain.RiskCategories {
			category.Options = append(category.Options, option{Value: string(c), Label: label(c)})
		}
		return []section{
			{Inputs: []input{
				{Name: "title", Label: "Title", Hint: "What could go wrong, in a line.", Kind: "text", Value: v.Get("title"), Required: true, MaxLength: 200},
				{Name: "description", Label: "Description", Hint: "What you have seen and what it could lead to.", Kind: "textarea",
					Value: v.Get("description"), Optional: true, MaxLength: 5000},
				category,
			}},
			{Legend: "Assessment", Row: true,
				Hint: "Score = probability × impact: 1–4 is low, 5–9 medium, 10–16 high, 20–25 critical.",
				Inputs: []input{
					{Name: "probability", Label: "Probability", Hint: "1 rare to 5 almost certain.", Kind: "number", Value: v.Get("probability"),
						Required: true, Min: "1", Max: "5", Step: "1", Class: "short"},
					{Name: "impact", Label: "Impact", Hint: "1 minor to 5 severe.", Kind: "number", Value: v.Get("impact"),
						Required: true, Min: "1", Max: "5", Step: "1", Class: "short"},
				}},
			{Row: true, Inputs: []input{
				personPicker("owner", "Owner", "Acknowledges the risk and chooses a response.", d, "", v.Get("owner")),
				relatedPicker(d, v.Get("related")),
			}},
		}
	},

	body: func(v url.Values) (any, map[string]string) {
		p := formProblems{}
		req := riskRequest{
			Title:       text(v, "title"),
			Description: text(v, "description"),
			Category:    text(v, "category"),
			Probability: p.whole(v, "probability"),
			Impact:      p.whole(v, "impact"),
			Owner:       text(v, "owner"),
		}
		switch id := text(v, "related"); {
		case id == "":
		case strings.HasPrefix(id, domain.PrefixCampaign):
			req.Related = &domain.Related{Process: domain.ProcessCampaign, ID: id}
		case strings.HasPrefix(id, domain.PrefixHiring):
			req.Related = &domain.Related{Process: domain.ProcessHiring, ID: id}
		default:
			p.add("related", "choose a campaign or a hiring request from the list")
		}
		return req, p
	},

	started: func(v url.Values) string {
		return "Risk " + quoted(text(v, "title")) + " raised: its owner has been asked to acknowledge it."
	},
}

// relatedPicker offers the running campaigns and hiring requests a risk may
// belong to.
func relatedPicker(d directory, value string) input {
	in := input{Name: "related", Label: "Related process", Kind: "select", Value: value, Optional: true,
		Hint: "A critical risk on a campaign holds its launch until it is resolved or accepted.", Options: []option{{"", "None"}}}
	found := value == ""
	if len(d.campaigns) > 0 {
		g := optionGroup{Label: "Campaigns"}
		for _, c := range d.campaigns {
			g.Options = append(g.Options, option{Value: c.ID, Label: c.Brief.Name})
			found = found || c.ID == value
		}
		in.Groups = append(in.Groups, g)
	}
	if len(d.hiring) > 0 {
		g := optionGroup{Label: "Hiring requests"}
		for _, h := range d.hiring {
			g.Options = append(g.Options, option{Value: h.ID, Label: h.Request.Title})
			found = found || h.ID == value
		}
		in.Groups = append(in.Groups, g)
	}
	if !found { // not running, or not in the first lists: keep it, the API says whether it exists
		in.Options = append(in.Options, option{Value: value, Label: value})
	}
	return in
}
