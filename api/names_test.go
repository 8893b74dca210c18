package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/tandemhq/tandem/domain"
)

// namesOf reads a names answer as a map from ID to name.
func namesOf(t *testing.T, body []byte) map[string]string {
	t.Helper()
	var got struct {
		Items []struct {
			ID, Kind, Name string
		} `json:"items"`
	}
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, n := range got.Items {
		out[n.ID] = n.Kind + ":" + n.Name
	}
	return out
}

func TestNamesAnswersEachIDAndCandidatesOnlyToThoseAllowed(t *testing.T) {
	e := hiringEnv(t)
	e.records.campaigns["cmp_aaaaaaaaaaaa"] = domain.Campaign{ID: "cmp_aaaaaaaaaaaa", Brief: domain.Brief{Name: "Spring launch"}}
	e.records.tasks["tsk_aaaaaaaaaaaa"] = domain.Task{ID: "tsk_aaaaaaaaaaaa", Title: "Make the assets"}
	e.records.risk().risks["rsk_aaaaaaaaaaaa"] = domain.Risk{ID: "rsk_aaaaaaaaaaaa", Title: "Print vendor may be late"}
	e.records.hiring().requests["hir_aaaaaaaaaaaa"] = domain.HiringRequest{ID: "hir_aaaaaaaaaaaa", RequestedBy: "paula",
		Request: domain.Requisition{Title: "Marketing analyst", HiringManager: "paula"}}
	e.records.hiring().candidates["cnd_aaaaaaaaaaaa"] = domain.Candidate{ID: "cnd_aaaaaaaaaaaa", HiringID: "hir_aaaaaaaaaaaa", Name: "Jane Roe"}

	q := "/api/v1/names?id=cmp_aaaaaaaaaaaa&id=tsk_aaaaaaaaaaaa&id=rsk_aaaaaaaaaaaa&id=hir_aaaaaaaaaaaa&id=cnd_aaaaaaaaaaaa&id=cmp_nosuchthing0&id=cmp_aaaaaaaaaaaa"
	all := map[string]string{
		"cmp_aaaaaaaaaaaa": "campaign:Spring launch", "tsk_aaaaaaaaaaaa": "task:Make the assets",
		"rsk_aaaaaaaaaaaa": "risk:Print vendor may be late", "hir_aaaaaaaaaaaa": "hiring:Marketing analyst",
	}
	for who, sees := range map[string]bool{"tok-hana": true, "tok-paula": true, "tok-mo": true, "tok-finn": false, "tok-cara": false} {
		rr := e.do(http.MethodGet, q, who, "")
		want(t, rr, http.StatusOK, "")
		w := map[string]string{"cnd_aaaaaaaaaaaa": "candidate:"}
		if sees {
			w["cnd_aaaaaaaaaaaa"] = "candidate:Jane Roe"
		}
		for k, v := range all {
			w[k] = v
		}
		if got := namesOf(t, rr.Body.Bytes()); !reflect.DeepEqual(got, w) {
			t.Errorf("%s: names %v, want %v", who, got, w)
		}
		if strings.Contains(rr.Body.String(), "hiring_id") {
			t.Errorf("%s: the answer tells the candidate's hiring request: %s", who, rr.Body)
		}
	}
}

func TestNamesRefusals(t *testing.T) {
	e := newEnv(t)
	want(t, e.do(http.MethodGet, "/api/v1/names", "tok-paula", ""), http.StatusUnprocessableEntity, domain.CodeInvalid)
	want(t, e.do(http.MethodGet, "/api/v1/names?id=cmp_aaaaaaaaaaaa&id=paula", "tok-paula", ""), http.StatusUnprocessableEntity, domain.CodeInvalid)
	want(t, e.do(http.MethodGet, "/api/v1/names?id=cmp_AAAA", "tok-paula", ""), http.StatusUnprocessableEntity, domain.CodeInvalid)
	many := "/api/v1/names?id=" + strings.Repeat("cmp_aaaaaaaaaaaa&id=", domain.MaxNamedIDs) + "cmp_aaaaaaaaaaaa"
	want(t, e.do(http.MethodGet, many, "tok-paula", ""), http.StatusUnprocessableEntity, domain.CodeInvalid)
	want(t, e.do(http.MethodGet, "/api/v1/names?id=cmp_aaaaaaaaaaaa", "", ""), http.StatusUnauthorized, "unauthorized")
	e.records.fail["Names"] = fmt.Errorf("%w: database is down", domain.ErrUnavailable)
	want(t, e.do(http.MethodGet, "/api/v1/names?id=cmp_aaaaaaaaaaaa", "tok-paula", ""), http.StatusServiceUnavailable, codeUnavailable)
}
