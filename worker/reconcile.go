package worker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"

	"github.com/tandemhq/tandem/contract"
	"github.com/tandemhq/tandem/domain"
)

// Runs is what the reconciler asks Temporal; the SDK's client.Client has both.
type Runs interface {
	ListWorkflow(ctx context.Context, req *workflowservice.ListWorkflowExecutionsRequest) (*workflowservice.ListWorkflowExecutionsResponse, error)
	DescribeWorkflowExecution(ctx context.Context, workflowID, runID string) (*workflowservice.DescribeWorkflowExecutionResponse, error)
	SignalWorkflow(ctx context.Context, workflowID, runID, signalName string, arg any) error
}

// EndedRuns is what the reconciler reads and writes in the records; the store has both.
type EndedRuns interface {
	// Unfinished reports whether a process's record exists and has not ended.
	Unfinished(ctx context.Context, p domain.Process, id string) (bool, error)
	// Risk reads a risk's record.
	Risk(ctx context.Context, id string) (domain.Risk, error)
	// CloseEndedRun ends the record of a run that ended in Temporal, once; it
	// reports whether this call closed it.
	CloseEndedRun(ctx context.Context, e domain.EndedRun) (bool, error)
}

// ReconcileConfig says how often the reconciler looks and how far back.
type ReconcileConfig struct {
	// Every is the time between passes; zero means DefaultReconcileEvery.
	Every time.Duration
	// Lookback is how far back the first pass looks, to catch runs that ended
	// while no worker ran; zero means DefaultReconcileLookback.
	Lookback time.Duration
	// Grace is how long after a run closed it is left alone, and how much each
	// pass overlaps the one before; zero means DefaultReconcileGrace. See Pass.
	Grace time.Duration
}

// Defaults of ReconcileConfig.
const (
	DefaultReconcileEvery    = time.Minute
	DefaultReconcileLookback = 7 * 24 * time.Hour
	DefaultReconcileGrace    = time.Minute
)

// firstPassAfter is when Run makes its first pass: soon, but after the worker
// has settled in.
const firstPassAfter = 10 * time.Second

// abnormal maps the statuses of a run that closed without its process ending to
// how the records tell it. A process that ends through Tandem (or is cancelled
// in Temporal, for campaigns and hiring requests, which record that themselves)
// completes its run: Completed is never here, nor ContinuedAsNew, which a risk
// does to bound its history.
var abnormal = map[enumspb.WorkflowExecutionStatus]domain.RunEnd{
	enumspb.WORKFLOW_EXECUTION_STATUS_TERMINATED: domain.RunTerminated,
	enumspb.WORKFLOW_EXECUTION_STATUS_CANCELED:   domain.RunCancelled,
	enumspb.WORKFLOW_EXECUTION_STATUS_FAILED:     domain.RunFailed,
	enumspb.WORKFLOW_EXECUTION_STATUS_TIMED_OUT:  domain.RunTimedOut,
}

// abnormalStatuses lists abnormal's statuses as a visibility query does:
// 'Canceled', 'Failed', 'Terminated', 'TimedOut'.
func abnormalStatuses() string {
	names := make([]string, 0, len(abnormal))
	for s := range abnormal {
		names = append(names, "'"+s.String()+"'")
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}

// Reconciler finds Tandem's runs that Temporal closed without the process ending
// (terminated or cancelled by someone talking to Temporal directly, failed, timed
// out) and closes their records: a run ended that way cannot write its own end,
// and its record and open tasks would otherwise stay open for ever.
//
// A risk linked to a campaign is told to the campaign too, as its run would
// have, so a critical one no longer holds the launch.
//
// It runs in every worker process. Several reconcilers finding the same run do no
// harm: the records change once (see EndedRuns.CloseEndedRun).
type Reconciler struct {
	runs    Runs
	records EndedRuns
	log     *slog.Logger
	cfg     ReconcileConfig

	mu    sync.Mutex
	since time.Time // runs that closed after this are still to look at
}

// NewReconciler builds a reconciler over Temporal's runs and the records.
func NewReconciler(runs Runs, records EndedRuns, logger *slog.Logger, cfg ReconcileConfig) *Reconciler {
	if cfg.Every <= 0 {
		cfg.Every = DefaultReconcileEvery
	}
	if cfg.Lookback <= 0 {
		cfg.Lookback = DefaultReconcileLookback
	}
	if cfg.Grace <= 0 {
		cfg.Grace = DefaultReconcileGrace
	}
	return &Reconciler{runs: runs, records: records, log: logger, cfg: cfg}
}

// Run makes a pass shortly after it starts, then every cfg.Every, until ctx ends.
// A failed pass is logged; the next one covers what it missed.
func (r *Reconciler) Run(ctx context.Context) {
	t := time.NewTimer(min(firstPassAfter, r.cfg.Every))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		pctx, cancel := context.WithTimeout(ctx, max(r.cfg.Every, time.Minute))
		if _, err := r.Pass(pctx, time.Now()); err != nil && ctx.Err() == nil {
			r.log.Warn("reconcile: a pass over runs that ended in Temporal failed; the next pass retries", "error", err)
		}
		cancel()
		t.Reset(r.cfg.Every)
	}
}

// Pass closes the records of the runs that closed abnormally between the last
// successful pass (the first looks back cfg.Lookback, none further) and now minus
// cfg.Grace, and returns how many it closed.
//
// The grace period lets a write the run started before it was ended finish first
// (a records write times out within seconds), so that write cannot put an open
// record back after it was closed. Each pass overlaps the one before by the same
// period, so a run that reached Temporal's visibility store late, or whose close
// time differs a little from this clock, is still found. A run found twice costs
// one records read.
//
// Before it closes anything it asks Temporal for the workflow's latest run: a
// workflow reset in Temporal ends its old run as terminated and carries on in a
// new one, and that process has not ended.
func (r *Reconciler) Pass(ctx context.Context, now time.Time) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	// The first pass looks back cfg.Lookback, and no pass further: a run that
	// failed every pass for that long (each failure logged) is given up, rather
	// than every pass listing more.
	if oldest := now.Add(-r.cfg.Lookback); r.since.Before(oldest) {
		r.since = oldest
	}
	upto := now.Add(-r.cfg.Grace)
	wids, err := r.list(ctx, r.since, upto)
	if err != nil {
		return 0, err
	}
	closed := 0
	var errs []error
	for _, wid := range wids {
		ok, err := r.reconcile(ctx, wid)
		if err != nil {
			errs = append(errs, err)
		}
		if ok {
			closed++
		}
	}
	if len(errs) > 0 {
		// The window stays where it was, so the next pass tries these again.
		return closed, errors.Join(errs...)
	}
	r.since = upto.Add(-r.cfg.Grace)
	return closed, nil
}

// list returns the IDs of Tandem's workflows with a run that closed abnormally
// after since and no later than upto, each once, in the order Temporal lists them.
func (r *Reconciler) list(ctx context.Context, since, upto time.Time) ([]string, error) {
	query := fmt.Sprintf("WorkflowType IN ('%s', '%s', '%s', '%s') AND ExecutionStatus IN (%s) AND CloseTime > '%s' AND CloseTime <= '%s'",
		contract.CampaignLaunchType, contract.HiringRequestType, contract.RiskType, contract.TemplateRunType, abnormalStatuses(),
		since.UTC().Format(time.RFC3339Nano), upto.UTC().Format(time.RFC3339Nano))
	seen := map[string]bool{}
	var wids []string
	var token []byte
	for {
		resp, err := r.runs.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Query: query, PageSize: 100, NextPageToken: token})
		if err != nil {
			return nil, fmt.Errorf("list runs that ended in Temporal: %w", err)
		}
		for _, e := range resp.GetExecutions() {
			if wid := e.GetExecution().GetWorkflowId(); !seen[wid] {
				seen[wid] = true
				wids = append(wids, wid)
			}
		}
		if token = resp.GetNextPageToken(); len(token) == 0 {
			return wids, nil
		}
	}
}

// reconcile closes the record of workflow wid if its latest run closed
// abnormally and the record has not ended; it reports whether it closed it.
func (r *Reconciler) reconcile(ctx context.Context, wid string) (bool, error) {
	p, id, ok := contract.ProcessOfWorkflowID(wid)
	if !ok {
		return false, nil // not one of Tandem's processes
	}
	open, err := r.records.Unfinished(ctx, p, id)
	if err != nil || !open {
		return false, err // missing, or ended: nothing to close
	}
	d, err := r.runs.DescribeWorkflowExecution(ctx, wid, "")
	if err != nil {
		return false, fmt.Errorf("describe %s: %w", wid, err)
	}
	info := d.GetWorkflowExecutionInfo()
	how, ok := abnormal[info.GetStatus()]
	if !ok {
		// Running again after a reset, or completed: the run keeps its own records.
		r.log.Info("reconcile: a run of this workflow ended in Temporal, but its latest run did not; left alone",
			"workflow_id", wid, "latest_status", strings.ToLower(info.GetStatus().String()))
		return false, nil
	}
	e := domain.EndedRun{Process: p, ProcessID: id, RunID: info.GetExecution().GetRunId(), How: how, At: info.GetCloseTime().AsTime()}
	if p == domain.ProcessRisk {
		if err := r.tellCampaign(ctx, e); err != nil {
			return false, err
		}
	}
	closed, err := r.records.CloseEndedRun(ctx, e)
	if err != nil {
		return false, err
	}
	if closed {
		r.log.Info("reconcile: closed the record of a run that ended in Temporal",
			"process", p, "id", id, "workflow_id", wid, "run_id", e.RunID, "how", how)
	}
	return closed, nil
}

// tellCampaign tells the campaign a risk is linked to that the risk has ended, as
// the risk's run would have: a critical risk holds the campaign's launch until it
// hears so. It comes before the records change, so a failure leaves the risk open
// and the next pass tells again; telling twice changes nothing. A campaign that
// has ended needs no telling.
func (r *Reconciler) tellCampaign(ctx context.Context, e domain.EndedRun) error {
	risk, err := r.records.Risk(ctx, e.ProcessID)
	if err != nil {
		return err
	}
	rel := risk.Related
	ended := e.EndRisk(risk, nil).Risk
	if rel == nil || rel.Process != domain.ProcessCampaign || ended == nil {
		return nil
	}
	link := domain.LinkedRisk{ID: ended.ID, Cause: ended.Cause, Severity: ended.Severity, Status: ended.Status, Title: ended.Title, Owner: ended.Owner}
	err = r.runs.SignalWorkflow(ctx, contract.CampaignWorkflowID(rel.ID), "", contract.SignalRiskChanged, link)
	var notFound *serviceerror.NotFound
	if err != nil && !errors.As(err, &notFound) {
		return fmt.Errorf("tell campaign %s that risk %s ended: %w", rel.ID, e.ProcessID, err)
	}
	return nil
}
