package api

import (
	"net/url"
	"strings"
	"testing"

	"github.com/tandemhq/tandem/domain"
)

// The three process lists filter by status, finished ones included, and search
// by name with ?q=: the filters reach the records as asked, and only the
// matches come back.
func TestListsFilterByStatusAndName(t *testing.T) {
	e := newEnv(t)
	for id, c := range map[string]struct {
		name string
		done bool
	}{"cmp_aaaaaaaaaaa1": {"Summer social", true}, "cmp_aaaaaaaaaaa2": {"Social running", false}, "cmp_aaaaaaaaaaa3": {"Winter", true}} {
		status, hiring, risk := domain.StatusActive, domain.StatusActive, domain.RiskOpen
		if c.done {
			status, hiring, risk = domain.StatusCompleted, domain.StatusFilled, domain.RiskResolved
		}
		e.records.campaigns[id] = domain.Campaign{ID: id, Status: status, Brief: domain.Brief{Name: c.name}}
		hid, rid := "hir"+strings.TrimPrefix(id, "cmp"), "rsk"+strings.TrimPrefix(id, "cmp")
		e.records.hiring().requests[hid] = domain.HiringRequest{ID: hid, Status: hiring, Request: domain.Requisition{Title: c.name}}
		e.records.risk().risks[rid] = domain.Risk{ID: rid, Status: risk, Title: c.name}
	}
	q := url.Values{"q": {"  SOCIAL "}}
	for _, tc := range []struct {
		path, status string
		filter       func() (string, string) // the status and name the records were asked for
	}{
		{"/api/v1/campaigns", "completed", func() (string, string) {
			return string(e.records.lastCampaigns.Status), e.records.lastCampaigns.Name
		}},
		{"/api/v1/hiring-requests", "filled", func() (string, string) {
			return string(e.records.hiring().lastHiring.Status), e.records.hiring().lastHiring.Name
		}},
		{"/api/v1/risks", "resolved", func() (string, string) {
			return string(e.records.risk().lastRisk.Status), e.records.risk().lastRisk.Name
		}},
	} {
		q.Set("status", tc.status)
		rr := e.do("GET", tc.path+"?"+q.Encode(), "tok-cara", "")
		want(t, rr, sOK, "")
		got := decodeJSON[domain.Page[struct {
			ID string `json:"id"`
		}]](t, rr)
		if len(got.Items) != 1 || !strings.HasSuffix(got.Items[0].ID, "aaaaaaaaaaa1") {
			t.Errorf("%s: items %+v, want the finished one named Summer social", tc.path, got.Items)
		}
		if status, name := tc.filter(); status != tc.status || name != "SOCIAL" {
			t.Errorf("%s: the records were asked for status %q, name %q", tc.path, status, name)
		}

		// Newest first, when asked; anything but oldest or newest is refused.
		rr = e.do("GET", tc.path+"?order=newest", "tok-cara", "")
		want(t, rr, sOK, "")
		newest := decodeJSON[domain.Page[struct {
			ID string `json:"id"`
		}]](t, rr)
		if len(newest.Items) != 3 || !strings.HasSuffix(newest.Items[0].ID, "aaaaaaaaaaa3") {
			t.Errorf("%s?order=newest: items %+v, want the newest first", tc.path, newest.Items)
		}
		bad := want(t, e.do("GET", tc.path+"?order=sideways", "tok-cara", ""), sInvalid, domain.CodeInvalid)
		if !hasProblem(bad, "order", "oldest or newest") {
			t.Errorf("%s: details %v do not name order", tc.path, bad.Details)
		}

		long := url.Values{"q": {strings.Repeat("é", domain.MaxNameQuery+1)}}
		got422 := want(t, e.do("GET", tc.path+"?"+long.Encode(), "tok-cara", ""), sInvalid, domain.CodeInvalid)
		if !hasProblem(got422, "q", "at most 100 characters") {
			t.Errorf("%s: details %v do not name q", tc.path, got422.Details)
		}
		ok := url.Values{"q": {strings.Repeat("é", domain.MaxNameQuery)}}
		want(t, e.do("GET", tc.path+"?"+ok.Encode(), "tok-cara", ""), sOK, "")
		want(t, e.do("GET", tc.path+"?q=%00", "tok-cara", ""), sInvalid, domain.CodeInvalid)
	}
}
