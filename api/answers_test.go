package api

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/domain"
)

// TestAnswersAreTheAPIsOwn holds what answers.go promises: every struct in an
// answer is the API's own, down to the values. A domain or contract struct in
// an answer would tie the public JSON to what running workflows keep in their
// histories again.
func TestAnswersAreTheAPIsOwn(t *testing.T) {
	apiPkg := reflect.TypeFor[campaignBody]().PkgPath()
	seen := map[reflect.Type]bool{}
	var walk func(path string, typ reflect.Type)
	walk = func(path string, typ reflect.Type) {
		if seen[typ] {
			return
		}
		seen[typ] = true
		switch typ.Kind() {
		case reflect.Pointer, reflect.Slice:
			walk(path+"[]", typ.Elem())
		case reflect.Map:
			walk(path+"{key}", typ.Key())
			walk(path+"{}", typ.Elem())
		case reflect.Struct:
			if typ == reflect.TypeFor[time.Time]() {
				return
			}
			if typ.PkgPath() != apiPkg {
				t.Errorf("%s is %s: an answer holds structs of the API's own", path, typ)
				return
			}
			for i := range typ.NumField() {
				f := typ.Field(i)
				walk(path+"."+f.Name, f.Type)
			}
		case reflect.Interface:
			// Task data and form defaults: what people answered, as they answered it.
		default: // a value: a string, number or bool, or a domain enum or duration
			if typ.PkgPath() != "" && typ.PkgPath() != apiPkg && typ.PkgPath() != reflect.TypeFor[domain.Status]().PkgPath() {
				t.Errorf("%s is %s, from neither the API nor domain", path, typ)
			}
		}
	}
	for _, typ := range []reflect.Type{
		reflect.TypeFor[campaignBody](), reflect.TypeFor[hiringBody](), reflect.TypeFor[riskBody](), reflect.TypeFor[taskBody](),
	} {
		walk(typ.Name(), typ)
	}
}

// TestAnswersCarryEveryFieldOfTheRecords fills every field of each record the
// API answers and compares the answer with it, field by Go field name (the
// JSON names may differ: that is what the answers are for). Every field
// reaches the answer with its value but for what is listed here, the
// workflows' bookkeeping. A field added to a record fails this test until its
// answer says what to make of it: answer it (a field in answers.go) or leave
// it out (a line here).
func TestAnswersCarryEveryFieldOfTheRecords(t *testing.T) {
	for _, tc := range []struct {
		name   string
		record any
		answer func(record any) any
		// leftOut are the record's fields the answer leaves out, as paths of
		// Go field names and list indexes.
		leftOut []string
	}{
		{"campaign", &domain.Campaign{}, func(r any) any { return campaignItemOf(*r.(*domain.Campaign)) },
			[]string{"Risks.0.Seq"}},
		{"hiring request", &domain.HiringRequest{}, func(r any) any { return hiringItemOf(*r.(*domain.HiringRequest)) }, nil},
		{"risk", &domain.Risk{}, func(r any) any { return riskItemOf(*r.(*domain.Risk)) }, nil},
		{"task", &domain.Task{}, func(r any) any { return taskOf(*r.(*domain.Task)) }, nil},
		{"waiting on", &domain.WaitingOn{}, func(r any) any { return waitingOnOf(*r.(*domain.WaitingOn)) }, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fill(reflect.ValueOf(tc.record).Elem(), new(int), 0)
			want := byName(reflect.ValueOf(tc.record)).(map[string]any)
			for _, path := range tc.leftOut {
				if !drop(want, strings.Split(path, ".")) {
					t.Errorf("the record has no %s to leave out", path)
				}
			}
			if got := byName(reflect.ValueOf(tc.answer(tc.record))); !reflect.DeepEqual(got, want) {
				t.Errorf("answered\n%v\nwant the record's\n%v", got, want)
			}
		})
	}
}

// TestGetCampaignLeavesOutTheRisksNewsCount: a campaign's linked risks carry the
// count of news their runs sent, which the campaign's workflow orders news by.
// The answer leaves it out, as openapi.json does (e.do checks the answer
// against it).
func TestGetCampaignLeavesOutTheRisksNewsCount(t *testing.T) {
	e := newEnv(t)
	e.temporal.query = func(string, string) (any, error) {
		d := liveDetail()
		d.Risks = []domain.LinkedRisk{{ID: "rsk_aaaaaaaaaaaa", Severity: domain.SeverityHigh, Status: domain.RiskOpen, Title: "Copy late", Owner: "paula", Seq: 3}}
		return d, nil
	}
	rr := e.do("GET", "/api/v1/campaigns/"+campaignID1, "tok-cara", "")
	want(t, rr, sOK, "")
	if strings.Contains(rr.Body.String(), `"seq"`) {
		t.Errorf("the answer carries the news count: %s", rr.Body)
	}
	if got := decodeJSON[campaignBody](t, rr).Risks; len(got) != 1 || got[0].Title != "Copy late" || got[0].Owner != "paula" {
		t.Errorf("risks = %+v", got)
	}
}

// TestHiringListHidesWhatOnlyThoseInvolvedRead: an answer of the API's own is
// hidden the way the record was: budget and justification null, no offer.
func TestHiringListHidesWhatOnlyThoseInvolvedRead(t *testing.T) {
	h := domain.HiringRequest{ID: "hir_aaaaaaaaaaaa", Request: domain.Requisition{Justification: "growth",
		Budget: domain.SalaryRange{Min: 1, Max: 2, Currency: "EUR"}}, Offer: &domain.Offer{CandidateID: "cnd_1", Amount: 2}}
	item := hiringItemOf(h)
	item.hideConfidential()
	b, err := json.Marshal(item)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	req := got["request"].(map[string]any)
	if req["budget"] != nil || req["justification"] != nil || got["offer"] != nil {
		t.Errorf("hidden answer = %v", got)
	}
	if _, ok := req["budget"]; !ok {
		t.Error("a hidden budget is null, not absent")
	}
}

// fill sets every field of v to a value of its own, n counting them: pointers
// and lists hold one filled element, maps one entry, interfaces a string.
// depth bounds recursive types (a form's list fields hold fields).
func fill(v reflect.Value, n *int, depth int) {
	*n++
	switch v.Kind() {
	case reflect.String:
		v.SetString(fmt.Sprintf("s%d", *n))
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int64:
		v.SetInt(int64(*n))
	case reflect.Float64:
		v.SetFloat(float64(*n) + 0.5)
	case reflect.Interface:
		v.Set(reflect.ValueOf(fmt.Sprintf("any%d", *n)))
	case reflect.Pointer:
		if depth > 2 {
			return
		}
		p := reflect.New(v.Type().Elem())
		fill(p.Elem(), n, depth+1)
		v.Set(p)
	case reflect.Slice:
		if depth > 2 {
			return
		}
		s := reflect.MakeSlice(v.Type(), 1, 1)
		fill(s.Index(0), n, depth+1)
		v.Set(s)
	case reflect.Map:
		m := reflect.MakeMap(v.Type())
		k, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
		fill(k, n, depth+1)
		fill(e, n, depth+1)
		m.SetMapIndex(k, e)
		v.Set(m)
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[time.Time]() {
			v.Set(reflect.ValueOf(testNow.Add(time.Duration(*n) * time.Second)))
			return
		}
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fill(v.Field(i), n, depth)
			}
		}
	default:
		panic(fmt.Sprintf("fill: no value for a %s", v.Type()))
	}
}

// byName is v as maps of its fields by Go name (an embedded struct's fields
// as its holder's), lists and values: what an answer and its record have in
// common whatever their types and JSON names. A pointer is what it points to;
// an empty list is no list.
func byName(v reflect.Value) any {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil
		}
		return byName(v.Elem())
	case reflect.Slice:
		out := []any{}
		for i := range v.Len() {
			out = append(out, byName(v.Index(i)))
		}
		return out
	case reflect.Map:
		out := map[string]any{}
		for _, k := range v.MapKeys() {
			out[fmt.Sprint(k)] = byName(v.MapIndex(k))
		}
		return out
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[time.Time]() {
			return v.Interface()
		}
		out := map[string]any{}
		for i := range v.NumField() {
			f := v.Type().Field(i)
			switch {
			case !f.IsExported() && !f.Anonymous:
			case f.Anonymous:
				for k, e := range byName(v.Field(i)).(map[string]any) {
					out[k] = e
				}
			default:
				out[f.Name] = byName(v.Field(i))
			}
		}
		return out
	case reflect.String:
		return v.String()
	case reflect.Int, reflect.Int64:
		return v.Int()
	case reflect.Float64:
		return v.Float()
	case reflect.Bool:
		return v.Bool()
	}
	panic(fmt.Sprintf("byName: a %s", v.Type()))
}

// drop deletes the field at path (list indexes as numbers) and reports whether it was there.
func drop(m map[string]any, path []string) bool {
	if len(path) == 1 {
		_, ok := m[path[0]]
		delete(m, path[0])
		return ok
	}
	switch next := m[path[0]].(type) {
	case map[string]any:
		return drop(next, path[1:])
	case []any:
		var i int
		if _, err := fmt.Sscan(path[1], &i); err != nil || i >= len(next) {
			return false
		}
		if inner, ok := next[i].(map[string]any); ok {
			return drop(inner, path[2:])
		}
	}
	return false
}
