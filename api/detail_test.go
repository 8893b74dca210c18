package api

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	"github.com/tandemhq/tandem/domain"
)

// queryClient is a Temporal client whose detail query answers as told: a value
// or an error, as the server sends them.
type queryClient struct {
	client.Client
	value *commonpb.Payloads
	err   error
}

func (c queryClient) QueryWorkflowWithOptions(context.Context, *client.QueryWorkflowWithOptionsRequest) (*client.QueryWorkflowWithOptionsResponse, error) {
	if c.err != nil {
		return nil, c.err
	}
	return &client.QueryWorkflowWithOptionsResponse{QueryResult: client.NewValue(c.value)}, nil
}

// jsonPayloads is raw JSON as a worker's data converter sends a query's answer.
func jsonPayloads(raw string) *commonpb.Payloads {
	return &commonpb.Payloads{Payloads: []*commonpb.Payload{{
		Metadata: map[string][]byte{converter.MetadataEncoding: []byte(converter.MetadataEncodingJSON)},
		Data:     []byte(raw),
	}}}
}

// Blob data size exceeds limit. is what Temporal answers (common.ErrBlobSizeExceedsLimit
// in the server) for a query result over limit.blobSize.error, 2 MiB by default:
// as a QueryFailed when the query went to the worker directly
// (RespondQueryTaskCompleted), as an InvalidArgument when it rode a workflow task
// (a consistent query on a run with work pending).
const blobTooLarge = "Blob data size exceeds limit."

// TestGetCampaign200FromRecordsWhenTheLiveDetailCannotBeRead is the issue's
// case: a process whose live detail Temporal cannot return (too large) or the API
// cannot read (nested past the JSON decoder's 10,000 levels) once answered 500 for
// good. It answers from the records instead, marked live: false, and the log
// says why. The errors pass through the real SDK adapter.
func TestGetCampaign200FromRecordsWhenTheLiveDetailCannotBeRead(t *testing.T) {
	deep := `{"id": "` + campaignID1 + `", "tasks": [{"id": "tsk_aaaaaaaaaaaa", "data": ` + deepJSON(9_999) + `}]}`
	for name, c := range map[string]queryClient{
		"over the blob limit, direct query":     {err: serviceerror.NewQueryFailed(blobTooLarge)},
		"over the blob limit, consistent query": {err: serviceerror.NewInvalidArgument(blobTooLarge)},
		"nested past the decoder's limit":       {value: jsonPayloads(deep)},
		"failed in the workflow":                {err: serviceerror.NewQueryFailed("runtime error: invalid memory address or nil pointer dereference")},
	} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t)
			e.srv.temporal = NewTemporal(c, "default")
			e.records.campaigns[campaignID1] = domain.Campaign{ID: campaignID1, WorkflowID: "campaign/" + campaignID1, Status: domain.StatusActive, Stage: domain.StageProduction}
			e.records.tasks["tsk_aaaaaaaaaaaa"] = domain.Task{ID: "tsk_aaaaaaaaaaaa", Process: domain.ProcessCampaign, ProcessID: campaignID1, Status: domain.TaskOpen, Title: "Copy"}
			rr := e.do("GET", "/api/v1/campaigns/"+campaignID1, "tok-cara", "")
			want(t, rr, sOK, "")
			got := decodeJSON[campaignBody](t, rr)
			if got.Live || got.Stage != domain.StageProduction || len(got.Tasks) != 1 || len(got.WaitingOn) != 1 {
				t.Errorf("detail = %+v, want the records' view", got)
			}
			if !strings.Contains(rr.Body.String(), `"live":false`) {
				t.Errorf("the answer does not say it is the records' view: %s", rr.Body)
			}
			if !strings.Contains(e.logs.String(), "answered from the records") {
				t.Errorf("the log does not say why: %s", e.logs)
			}
		})
	}
}

func TestGetHiringAndRisk200FromRecordsWhenTheLiveDetailIsTooLarge(t *testing.T) {
	e := hiringEnv(t)
	e.srv.temporal = NewTemporal(queryClient{err: serviceerror.NewQueryFailed(blobTooLarge)}, "default")
	const hid = "hir_aaaaaaaaaaaa"
	e.records.hiring().requests[hid] = domain.HiringRequest{ID: hid, Status: domain.StatusActive, Stage: domain.StageRecruiting, RequestedBy: "paula"}
	rr := e.do("GET", "/api/v1/hiring-requests/"+hid, "tok-paula", "")
	want(t, rr, sOK, "")
	if got := decodeJSON[hiringBody](t, rr); got.Live || got.Stage != domain.StageRecruiting {
		t.Errorf("hiring detail = %+v", got)
	}

	e = riskEnv(t)
	e.srv.temporal = NewTemporal(queryClient{err: serviceerror.NewInvalidArgument(blobTooLarge)}, "default")
	const rid = "rsk_aaaaaaaaaaaa"
	e.records.risk().risks[rid] = domain.Risk{ID: rid, Status: domain.RiskAcknowledged, Owner: "paula"}
	rr = e.do("GET", "/api/v1/risks/"+rid, "tok-paula", "")
	want(t, rr, sOK, "")
	if got := decodeJSON[riskBody](t, rr); got.Live || got.Status != domain.RiskAcknowledged {
		t.Errorf("risk detail = %+v", got)
	}
}

// TestGetCampaign500WhenNeitherAnswers: a live detail that cannot be read and no
// record is a fault, not a missing process: 500, and the log has the cause.
func TestGetCampaign500WhenNeitherAnswers(t *testing.T) {
	e := newEnv(t)
	e.srv.temporal = NewTemporal(queryClient{err: serviceerror.NewQueryFailed(blobTooLarge)}, "default")
	want(t, e.do("GET", "/api/v1/campaigns/"+campaignID1, "tok-cara", ""), sInternal, codeInternal)
	if !strings.Contains(e.logs.String(), blobTooLarge) {
		t.Errorf("the log lacks the cause: %s", e.logs)
	}
}

// TestRecordsNeverAnswerDataOverTheCaps: a task completed before the caps with
// data nested thousands deep is answered without it, marked, wherever the API
// answers it from the records; its readers (the board among them) would
// otherwise fail to decode the answer.
func TestRecordsNeverAnswerDataOverTheCaps(t *testing.T) {
	var deep map[string]any
	if err := json.Unmarshal([]byte(deepJSON(9_990)), &deep); err != nil {
		t.Fatal(err)
	}
	e := newEnv(t)
	withTasks(e)
	e.records.campaigns[campaignID1] = domain.Campaign{ID: campaignID1, Status: domain.StatusActive, Stage: domain.StageProduction}
	legacy := e.records.tasks[workTask]
	legacy.Status, legacy.Data = domain.TaskDone, deep
	e.records.tasks[workTask] = legacy
	fine := e.records.tasks[poolTask]
	fine.Status, fine.Data = domain.TaskDone, map[string]any{"link": "https://assets"}
	e.records.tasks[poolTask] = fine

	check := func(where string, tasks []taskBody) {
		t.Helper()
		for _, task := range tasks {
			switch task.ID {
			case workTask:
				if task.Data != nil || !task.DataOmitted {
					t.Errorf("%s: the data over the caps was answered", where)
				}
			case poolTask:
				if task.Data["link"] != "https://assets" || task.DataOmitted {
					t.Errorf("%s: data within the caps was left out", where)
				}
			}
		}
	}
	rr := e.do("GET", "/api/v1/campaigns/"+campaignID1, "tok-cara", "") // the fake's query: not found
	want(t, rr, sOK, "")
	check("detail", decodeJSON[campaignBody](t, rr).Tasks)
	rr = e.do("GET", "/api/v1/tasks?process_id="+campaignID1, "tok-cara", "")
	want(t, rr, sOK, "")
	check("list", decodeJSON[domain.Page[taskBody]](t, rr).Items)
	rr = e.do("GET", "/api/v1/tasks/"+workTask, "tok-cara", "")
	want(t, rr, sOK, "")
	check("task", []taskBody{decodeJSON[taskBody](t, rr)})
}

// noPoller is how Temporal refuses a query when no worker has polled Tandem's
// task queue for a while: right after it restarts, or with every worker down.
var noPoller = serviceerror.NewFailedPrecondition("no poller seen for task queue recently, worker may be down")

// TestDetailWithoutWorkersAnswersFromTheRecords is issue 18's first case: with
// every worker down, each detail answered 500. It answers from the records,
// saying the live view is unavailable and why, and logs no fault; a process
// whose record is not written yet (a worker writes it) is 503, not 500.
func TestDetailWithoutWorkersAnswersFromTheRecords(t *testing.T) {
	e := newEnv(t)
	e.srv.temporal = NewTemporal(queryClient{err: noPoller}, "default")
	e.records.campaigns[campaignID1] = domain.Campaign{ID: campaignID1, WorkflowID: "campaign/" + campaignID1, Status: domain.StatusActive, Stage: domain.StageProduction}
	rr := e.do("GET", "/api/v1/campaigns/"+campaignID1, "tok-cara", "")
	want(t, rr, sOK, "")
	got := decodeJSON[campaignBody](t, rr)
	if got.Live || got.Stage != domain.StageProduction || !strings.Contains(got.LiveUnavailable, "no worker is running") {
		t.Errorf("detail = live %t, stage %s, live_unavailable %q; want the records' view saying no worker runs", got.Live, got.Stage, got.LiveUnavailable)
	}
	if strings.Contains(e.logs.String(), "answered from the records") {
		t.Errorf("a missing worker was logged as a fault: %s", e.logs)
	}

	const fresh = "cmp_bbbbbbbbbbbb"
	want(t, e.do("GET", "/api/v1/campaigns/"+fresh, "tok-cara", ""), sUnavail, codeUnavailable)

	h := hiringEnv(t)
	h.srv.temporal = NewTemporal(queryClient{err: noPoller}, "default")
	const hid = "hir_aaaaaaaaaaaa"
	h.records.hiring().requests[hid] = domain.HiringRequest{ID: hid, Status: domain.StatusActive, Stage: domain.StageApproval, RequestedBy: "paula"}
	rr = h.do("GET", "/api/v1/hiring-requests/"+hid, "tok-paula", "")
	want(t, rr, sOK, "")
	if got := decodeJSON[hiringBody](t, rr); got.Live || got.LiveUnavailable == "" {
		t.Errorf("hiring detail = live %t, live_unavailable %q", got.Live, got.LiveUnavailable)
	}

	r := riskEnv(t)
	r.srv.temporal = NewTemporal(queryClient{err: noPoller}, "default")
	const rid = "rsk_aaaaaaaaaaaa"
	r.records.risk().risks[rid] = domain.Risk{ID: rid, Status: domain.RiskOpen, Owner: "paula"}
	rr = r.do("GET", "/api/v1/risks/"+rid, "tok-paula", "")
	want(t, rr, sOK, "")
	if got := decodeJSON[riskBody](t, rr); got.Live || got.LiveUnavailable == "" {
		t.Errorf("risk detail = live %t, live_unavailable %q", got.Live, got.LiveUnavailable)
	}
}

// A live detail says nothing of the records.
func TestLiveDetailHasNoLiveUnavailable(t *testing.T) {
	e := newEnv(t)
	e.srv.temporal = NewTemporal(queryClient{value: jsonPayloads(`{"id": "` + campaignID1 + `", "stage": "production"}`)}, "default")
	rr := e.do("GET", "/api/v1/campaigns/"+campaignID1, "tok-cara", "")
	want(t, rr, sOK, "")
	if strings.Contains(rr.Body.String(), "live_unavailable") || !strings.Contains(rr.Body.String(), `"live":true`) {
		t.Errorf("live detail = %s", rr.Body)
	}
}
