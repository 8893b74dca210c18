package api

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/tandemhq/tandem/codec"
	"github.com/tandemhq/tandem/contract"
	"github.com/tandemhq/tandem/domain"
)

// testKeys seal the payloads the codec endpoint tests decode.
var testKeys = func() *codec.Keyring {
	entry, err := codec.NewKeyEntry("test", time.Now())
	if err != nil {
		panic(err)
	}
	k, err := codec.ParseKeys(entry)
	if err != nil {
		panic(err)
	}
	return k
}()

// secretText is what every sealed test payload holds.
const secretText = "feedback: strong hire, offer 95000"

// sealedFor is a decode request body, as the Temporal UI sends it, of one payload
// sealed for workflow wid of the default namespace (none when wid is empty).
func sealedFor(t testing.TB, keys *codec.Keyring, wid string) string {
	t.Helper()
	p, err := converter.GetDefaultDataConverter().ToPayload(secretText)
	if err != nil {
		t.Fatal(err)
	}
	var c converter.PayloadCodec = codec.New(keys, codec.Options{})
	if wid != "" {
		c = c.(*codec.Codec).WithSerializationContext(converter.WorkflowSerializationContext{Namespace: "default", WorkflowID: wid})
	}
	sealed, err := c.Encode([]*commonpb.Payload{p})
	if err != nil {
		t.Fatal(err)
	}
	b, err := protojson.Marshal(&commonpb.Payloads{Payloads: sealed})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// decoded reads the one payload of a decode answer as a string.
func decoded(t *testing.T, body string) string {
	t.Helper()
	var out commonpb.Payloads
	if err := protojson.Unmarshal([]byte(body), &out); err != nil || len(out.Payloads) != 1 {
		t.Fatalf("decode answer %s: %v", body, err)
	}
	var s string
	if err := converter.GetDefaultDataConverter().FromPayload(out.Payloads[0], &s); err != nil {
		t.Fatalf("decoded payload %v: %v", out.Payloads[0], err)
	}
	return s
}

func TestCodecDecodesForAPersonWhoMayReadTheProcess(t *testing.T) {
	e := newEnv(t)
	rr := e.do(http.MethodPost, "/api/v1/codec/decode", "tok-cara", sealedFor(t, testKeys, contract.CampaignWorkflowID(campaignID1)))
	if rr.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rr.Code, rr.Body)
	}
	if got := decoded(t, rr.Body.String()); got != secretText {
		t.Errorf("decoded %q", got)
	}
	if rr.Header().Get("Cache-Control") != "no-store" {
		t.Error("decoded payloads may be cached")
	}
}

func TestCodecRefusesWhoMayNotReadAndWhatDoesNotOpen(t *testing.T) {
	e := newEnv(t)
	e.records.hiring().requests[permHiringID] = domain.HiringRequest{ID: permHiringID, RequestedBy: "rita", Request: domain.Requisition{HiringManager: "hugo"}}
	hiring := sealedFor(t, testKeys, contract.HiringWorkflowID(permHiringID))
	other, _ := codec.ParseKeys(strings.Replace(mustEntry(t), "test", "gone", 1))
	for _, tc := range []struct {
		name, token, body string
		status            int
		code              string
	}{
		{"no credentials", "", sealedFor(t, testKeys, contract.CampaignWorkflowID(campaignID1)), http.StatusUnauthorized, "unauthorized"},
		{"a hiring request the caller is not involved in", "tok-cara", hiring, http.StatusForbidden, domain.CodeForbidden},
		{"a hiring request of no record", "tok-mo", sealedFor(t, testKeys, contract.HiringWorkflowID("hir_bbbbbbbbbbbb")), http.StatusForbidden, domain.CodeForbidden},
		{"a run that is no Tandem process", "tok-paula", sealedFor(t, testKeys, "bench-floor/1"), http.StatusForbidden, domain.CodeForbidden},
		{"a payload bound to no run", "tok-paula", sealedFor(t, testKeys, ""), http.StatusForbidden, domain.CodeForbidden},
		{"a key the server does not hold", "tok-paula", sealedFor(t, other, contract.CampaignWorkflowID(campaignID1)), http.StatusUnprocessableEntity, domain.CodeInvalid},
		{"not the codec protocol", "tok-paula", `{"payload": 1}`, http.StatusBadRequest, "bad_request"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rr := e.do(http.MethodPost, "/api/v1/codec/decode", tc.token, tc.body)
			want(t, rr, tc.status, tc.code)
			if strings.Contains(rr.Body.String(), "95000") {
				t.Errorf("a refusal shows the payload: %s", rr.Body)
			}
		})
	}
	// Those involved, and the roles that approve hires, may read it.
	for _, tok := range []string{"tok-mo", "tok-ada"} {
		if rr := e.do(http.MethodPost, "/api/v1/codec/decode", tok, hiring); rr.Code != http.StatusOK {
			t.Errorf("%s: status %d", tok, rr.Code)
		}
	}
}

func mustEntry(t *testing.T) string {
	t.Helper()
	entry, err := codec.NewKeyEntry("test", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return entry
}

func TestCodecNeverEncodes(t *testing.T) {
	e := newEnv(t)
	rr := e.do(http.MethodPost, "/api/v1/codec/encode", "tok-ada", `{"payloads": []}`)
	want(t, rr, http.StatusForbidden, domain.CodeForbidden)
}

func TestCodecTakesTheBoardCookieFromTheTemporalUIOnly(t *testing.T) {
	e := newEnv(t)
	body := sealedFor(t, testKeys, contract.RiskWorkflowID(riskID1))

	pre := e.do(http.MethodOptions, "/api/v1/codec/decode", "", "", "Origin", "http://localhost:8233",
		"Access-Control-Request-Method", "POST", "Access-Control-Request-Headers", "content-type,x-namespace")
	if pre.Code != http.StatusNoContent || pre.Header().Get("Access-Control-Allow-Origin") != "http://localhost:8233" ||
		pre.Header().Get("Access-Control-Allow-Credentials") != "true" {
		t.Fatalf("preflight from the UI: %d %v", pre.Code, pre.Header())
	}
	if rr := e.do(http.MethodOptions, "/api/v1/codec/decode", "", "", "Origin", "https://evil.example"); rr.Code != http.StatusForbidden ||
		rr.Header().Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("preflight from another site: %d %v", rr.Code, rr.Header())
	}

	wes := e.signIn("wes")
	rr := e.do(http.MethodPost, "/api/v1/codec/decode", "", body, "Origin", "http://localhost:8233", "Cookie", SessionCookie+"="+wes)
	if rr.Code != http.StatusOK || decoded(t, rr.Body.String()) != secretText {
		t.Fatalf("decode with the board's cookie: %d %s", rr.Code, rr.Body)
	}
	if rr.Header().Get("Access-Control-Allow-Origin") != "http://localhost:8233" {
		t.Error("the UI may not read the answer")
	}
	// Another site's page cannot read what it makes the browser fetch.
	rr = e.do(http.MethodPost, "/api/v1/codec/decode", "", body, "Origin", "https://evil.example", "Cookie", SessionCookie+"="+wes)
	if rr.Header().Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("another origin is allowed to read the answer: %v", rr.Header())
	}
	// The cookie stands in for a credential on the codec endpoint only.
	want(t, e.do(http.MethodGet, "/api/v1/me", "", "", "Cookie", SessionCookie+"="+wes), http.StatusUnauthorized, "unauthorized")
	// It holds a session: an API token put there is not one (the board never
	// keeps a token in it).
	want(t, e.do(http.MethodPost, "/api/v1/codec/decode", "", body, "Origin", "http://localhost:8233", "Cookie", SessionCookie+"=tok-wes"),
		http.StatusUnauthorized, "unauthorized")
	// Signed out, the cookie decodes nothing more.
	if rr := e.do(http.MethodDelete, "/api/v1/sessions/current", "", "", "Authorization", "Session "+wes); rr.Code != http.StatusNoContent {
		t.Fatalf("sign out: %d %s", rr.Code, rr.Body)
	}
	want(t, e.do(http.MethodPost, "/api/v1/codec/decode", "", body, "Origin", "http://localhost:8233", "Cookie", SessionCookie+"="+wes),
		http.StatusUnauthorized, "unauthorized")
}

func TestCodecPassesClearPayloadsThrough(t *testing.T) {
	e := newEnv(t)
	p, _ := converter.GetDefaultDataConverter().ToPayload(secretText)
	b, _ := protojson.Marshal(&commonpb.Payloads{Payloads: []*commonpb.Payload{p}})
	rr := e.do(http.MethodPost, "/api/v1/codec/decode", "tok-cara", string(b))
	if rr.Code != http.StatusOK || decoded(t, rr.Body.String()) != secretText {
		t.Fatalf("clear payload: %d %s", rr.Code, rr.Body)
	}
}

// uiPage is a page of the Temporal UI's decode requests, one per payload, with
// room to spare: UI 2.54 sent 65 at once for a page of 100 events.
const uiPage = 300

func TestCodecBudgetFitsATemporalUIPage(t *testing.T) {
	e := newEnv(t) // the default budgets
	body := sealedFor(t, testKeys, contract.CampaignWorkflowID(campaignID1))
	wes := e.signIn("wes")
	for i := range uiPage {
		rr := e.doFrom("198.51.100.7:4000", http.MethodPost, "/api/v1/codec/decode", "", body,
			"Origin", "http://localhost:8233", "Cookie", SessionCookie+"="+wes)
		if rr.Code != http.StatusOK {
			t.Fatalf("decode request %d of a page: %d %s", i+1, rr.Code, rr.Body)
		}
	}
	// The board, on the same session, still has its whole budget.
	for i := range defaultRateBurst {
		if rr := e.do(http.MethodGet, "/api/v1/me", "", "", "Authorization", "Session "+wes); rr.Code != http.StatusOK {
			t.Fatalf("API request %d after browsing runs: %d %s", i+1, rr.Code, rr.Body)
		}
	}
}

func TestCodecBudgetIsEachTokensOwn(t *testing.T) {
	e, _ := limitedEnv(t, 1, 3)
	e.srv.decodes = newCodecLimiter(RateLimit{PerSecond: 1, Burst: 3})
	e.srv.decodes.now = e.srv.limiter.now
	body := sealedFor(t, testKeys, contract.CampaignWorkflowID(campaignID1))
	sessions := map[string]string{"wes": e.signIn("wes"), "cara": e.signIn("cara")}
	decode := func(who string) *httptest.ResponseRecorder {
		return e.do(http.MethodPost, "/api/v1/codec/decode", "", body, "Origin", "http://localhost:8233", "Cookie", SessionCookie+"="+sessions[who])
	}
	for i := range 3 * codecBudgetFactor {
		if rr := decode("wes"); rr.Code != http.StatusOK {
			t.Fatalf("decode %d of Wes's codec budget: %d %s", i+1, rr.Code, rr.Body)
		}
	}
	rr := decode("wes")
	want(t, rr, http.StatusTooManyRequests, "rate_limited")
	if rr.Header().Get("Retry-After") == "" || rr.Header().Get("Access-Control-Allow-Origin") != "http://localhost:8233" {
		t.Errorf("the UI cannot read when to retry: %v", rr.Header())
	}
	// Cookies are keyed by their own session, not shared by everyone without a
	// header, and the API's budget is apart.
	want(t, decode("cara"), http.StatusOK, "")
	want(t, e.do(http.MethodGet, "/api/v1/me", "", "", "Authorization", "Session "+sessions["wes"]), http.StatusOK, "")
	// A header's session and the same session in the cookie are one budget; the
	// token it was signed in with is a credential of its own.
	want(t, e.do(http.MethodPost, "/api/v1/codec/decode", "", body, "Authorization", "Session "+sessions["wes"]), http.StatusTooManyRequests, "rate_limited")
	want(t, e.do(http.MethodPost, "/api/v1/codec/decode", "tok-wes", body), http.StatusOK, "")
}

func TestCodecCallsWithoutCredentialsSpendNoAddressBudget(t *testing.T) {
	e, _ := addressEnv(t, Config{}, 1, 3)
	const office = "198.51.100.7:4000"
	body := sealedFor(t, testKeys, contract.CampaignWorkflowID(campaignID1))
	// Someone signed out opens a run in the Temporal UI: a page of refusals.
	for i := range uiPage {
		rr := e.doFrom(office, http.MethodPost, "/api/v1/codec/decode", "", body, "Origin", "http://localhost:8233")
		if rr.Code != http.StatusUnauthorized {
			t.Fatalf("decode %d without credentials: %d %s", i+1, rr.Code, rr.Body)
		}
	}
	// Everyone else at that address still gets in.
	want(t, e.doFrom(office, http.MethodGet, "/api/v1/me", "tok-paula", ""), http.StatusOK, "")
	// A credential that is wrong is a guess, in the cookie as in the header.
	for range 3 {
		want(t, e.doFrom(office, http.MethodPost, "/api/v1/codec/decode", "", body, "Cookie", SessionCookie+"=tok-guess"), http.StatusUnauthorized, "unauthorized")
	}
	want(t, e.doFrom(office, http.MethodPost, "/api/v1/codec/decode", "", body, "Cookie", SessionCookie+"=tok-guess"), http.StatusTooManyRequests, "rate_limited")
	want(t, e.doFrom(office, http.MethodGet, "/api/v1/me", "tok-paula", ""), http.StatusTooManyRequests, "rate_limited")
}
