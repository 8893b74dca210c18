package api

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tandemhq/tandem/contract"
	"github.com/tandemhq/tandem/domain"
)

// Every route that changes a running process (a decision, a reassignment, a
// change request, KPI actuals, a task or a candidate added, a cancel, a risk
// re-assessed or decided) is a command: one Temporal Update, whose ID the
// command keeps for its whole life.
//
//   - The ID comes from the caller's Idempotency-Key, scoped to the caller, the
//     route and its target, so two people's or two routes' keys never meet; a
//     request without a key gets a random one. A retry with the same key and
//     body is the same update: Temporal attaches it to the one in flight, or
//     answers the outcome of the one done, and never applies it twice. The same
//     key with another body is a conflict (409).
//   - The update's input is bound to that ID (contract.Command): a workflow
//     refuses an input sent as any other update.
//   - When Temporal has admitted the update but no worker has processed it
//     within the request's deadline (every worker down), the answer is 202 with
//     a status URL, GET /api/v1/commands/{id}, which answers 202 while it is
//     pending and the command's own answer once it is done. A 503 means
//     Temporal was not reached: nothing was admitted.
//
// Commands are stored (Records.ClaimCommand) before they are sent: a retry and
// the status URL send the stored input again, as the same update, which is how
// they learn the outcome (Temporal deduplicates by update ID; an update that
// was refused, or lost from Temporal's memory before a worker took it, is
// validated again). A refusal is final and kept, so it answers the same way.

// errAdmitted says Temporal admitted an update that no worker has processed yet.
var errAdmitted = errors.New("the update is admitted; no worker has processed it yet")

const (
	// commandPrefix starts every command ID, and so every Update ID Tandem makes.
	commandPrefix = "cmd_"
	// commandsPath is where a command's status is read.
	commandsPath = "/api/v1/commands/"
	// commandRetryAfter is what a 202 tells a client to wait before asking again.
	commandRetryAfter = "2"
)

// commandInput is an update's input: each embeds contract.Command, whose Bind
// this is.
type commandInput interface {
	Bind(id string, at time.Time, audit domain.AuditEntry)
}

// commandKind is one command route: what it sends, and how it answers.
type commandKind struct {
	name   string // stored with each command, and part of its ID
	status int    // the answer's status when done: 200, or 201 for what it creates
	what   string // what the route's target is, for a not-found: "task", "campaign", …
	update string
	// input and result make empty values to decode a stored input and an
	// update's result into.
	input  func() commandInput
	result func() any
	// answer writes the route's answer for a command done.
	answer func(s *Server, c *gin.Context, cmd domain.SentCommand, in commandInput, result any)
	// refused, when set, undoes what the route's prepare did, for a command
	// that the process refused, or that was not sent (its storing failed, or a
	// racing request with the same key stored its own).
	refused func(s *Server, ctx context.Context, in commandInput) error
}

// commandKinds are the command routes by kind, for the status route.
var commandKinds = map[string]*commandKind{}

// newKind registers the command route name, whose update takes an In and
// answers an Out, answered to the client by answer.
func newKind[In any, PIn interface {
	*In
	commandInput
}, Out any](name, what, update string, answer func(s *Server, c *gin.Context, cmd domain.SentCommand, in PIn, out *Out)) *commandKind {
	k := &commandKind{
		name: name, what: what, update: update, status: http.StatusOK,
		input:  func() commandInput { return PIn(new(In)) },
		result: func() any { return new(Out) },
		answer: func(s *Server, c *gin.Context, cmd domain.SentCommand, in commandInput, result any) {
			answer(s, c, cmd, in.(PIn), result.(*Out))
		},
	}
	commandKinds[name] = k
	return k
}

// The command routes.
var (
	cmdCompleteTask = newKind[contract.CompleteTaskInput, *contract.CompleteTaskInput, domain.Task]("complete-task", "task", contract.UpdateCompleteTask, answerTask)
	cmdReassignTask = newKind[contract.ReassignTaskInput, *contract.ReassignTaskInput, domain.Task]("reassign-task", "task", contract.UpdateReassignTask, answerReassign)

	cmdAddTask        = created(newKind[contract.AddTaskInput, *contract.AddTaskInput, domain.Task]("add-task", "campaign", contract.UpdateAddTask, answerAddTask))
	cmdChangeCampaign = newKind[contract.ChangeCampaignInput, *contract.ChangeCampaignInput, contract.CampaignDetail]("change-campaign", "campaign", contract.UpdateChangeCampaign, answerCampaign)
	cmdRecordKPIs     = newKind[contract.RecordKPIsInput, *contract.RecordKPIsInput, contract.CampaignDetail]("record-kpis", "campaign", contract.UpdateRecordKPIs, answerCampaign)
	cmdCancelCampaign = newKind[contract.CancelInput, *contract.CancelInput, contract.CampaignDetail]("cancel-campaign", "campaign", contract.UpdateCancel, answerCampaign)

	cmdAddCandidate = func() *commandKind {
		k := created(newKind[contract.AddCandidateInput, *contract.AddCandidateInput, domain.Task]("add-candidate", "hiring request", contract.UpdateAddCandidate, answerCandidate))
		k.refused = func(s *Server, ctx context.Context, in commandInput) error {
			return s.records.RemoveCandidate(ctx, in.(*contract.AddCandidateInput).CandidateID)
		}
		return k
	}()
	cmdCancelHiring = newKind[contract.CancelInput, *contract.CancelInput, contract.HiringDetail]("cancel-hiring", "hiring request", contract.UpdateCancel,
		func(s *Server, c *gin.Context, _ domain.SentCommand, _ *contract.CancelInput, d *contract.HiringDetail) {
			c.JSON(http.StatusOK, s.hiringBody(*d, true))
		})

	cmdRecordTemplateKPIs = newKind[contract.RecordKPIsInput, *contract.RecordKPIsInput, contract.TemplateRunDetail]("record-template-kpis", "template run", contract.UpdateRecordKPIs, answerTemplateRun)
	cmdCancelTemplateRun  = newKind[contract.CancelInput, *contract.CancelInput, contract.TemplateRunDetail]("cancel-template-run", "template run", contract.UpdateCancel, answerTemplateRun)

	cmdAssessRisk = newKind[contract.AssessRiskInput, *contract.AssessRiskInput, contract.RiskDetail]("assess-risk", "risk", contract.UpdateAssessRisk, answerRisk)
	cmdDecideRisk = func() map[domain.RiskDecision]*commandKind {
		out := map[domain.RiskDecision]*commandKind{}
		for _, d := range domain.RiskDecisions {
			out[d] = newKind[contract.DecideRiskInput, *contract.DecideRiskInput, contract.RiskDetail](string(d)+"-risk", "risk", contract.UpdateDecideRisk, answerRisk)
		}
		return out
	}()
)

// created marks k as a route whose answer when done is 201 Created.
func created(k *commandKind) *commandKind {
	k.status = http.StatusCreated
	return k
}

func answerTask[In any](_ *Server, c *gin.Context, _ domain.SentCommand, _ In, t *domain.Task) {
	c.JSON(http.StatusOK, taskOf(*t))
}

func answerCampaign[In any](s *Server, c *gin.Context, _ domain.SentCommand, _ In, d *contract.CampaignDetail) {
	c.JSON(http.StatusOK, s.campaignBody(*d, true))
}

func answerRisk[In any](s *Server, c *gin.Context, _ domain.SentCommand, _ In, d *contract.RiskDetail) {
	c.JSON(http.StatusOK, s.riskBody(*d, true))
}

// answerCandidate answers the candidate, as stored, with the interview task
// the workflow opened.
func answerCandidate(s *Server, c *gin.Context, cmd domain.SentCommand, in *contract.AddCandidateInput, t *domain.Task) {
	ctx, cancel := s.ctx(c)
	defer cancel()
	people, err := s.records.Candidates(ctx, cmd.Target)
	if err != nil {
		s.fail(c, fmt.Errorf("candidates of %s: %w", cmd.Target, err))
		return
	}
	var cand domain.Candidate
	for _, p := range people {
		if p.ID == in.CandidateID {
			cand = p
		}
	}
	c.Header("Location", "/api/v1/hiring-requests/"+cmd.Target)
	c.JSON(http.StatusCreated, gin.H{"candidate": cand, "interview_task": taskOf(*t)})
}

// commandID is the Temporal Update ID of a command: made from the caller's
// Idempotency-Key, scoped to who sent it, the route and its target, or random
// without a key.
func commandID(caller, kind, target, key string) string {
	if key == "" {
		b := make([]byte, 16)
		_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
		return commandPrefix + hex.EncodeToString(b)
	}
	sum := sha256.Sum256([]byte(strings.Join([]string{caller, kind, target, key}, "\x00")))
	return commandPrefix + hex.EncodeToString(sum[:16])
}

// validCommandID reports whether id could be one commandID made.
func validCommandID(id string) bool {
	rest, ok := strings.CutPrefix(id, commandPrefix)
	if !ok || len(rest) != 32 {
		return false
	}
	_, err := hex.DecodeString(rest)
	return err == nil && strings.ToLower(rest) == rest
}

// commandRequest reads a command route's {id} with parseID, then its body into
// dst. On failure it has answered the request.
func (s *Server) commandRequest(c *gin.Context, parseID func(*gin.Context) (string, error), dst any) (string, []byte, bool) {
	id, err := parseID(c)
	if err == nil {
		var raw []byte
		if raw, err = decode(c, dst); err == nil {
			return id, raw, true
		}
	}
	s.fail(c, err)
	return "", nil, false
}

// command runs command route k on target for the request whose body is raw,
// already checked as far as it can be without the records. prepare checks the
// rest and makes the update's input and names the workflow; it runs only for a
// command not sent before: a retry with the same Idempotency-Key sends the
// stored input again (or answers its stored refusal), whatever has changed
// since, which is what makes it the same command.
func (s *Server) command(c *gin.Context, k *commandKind, target string, raw []byte,
	prepare func(ctx context.Context) (workflowID string, in commandInput, err error)) {
	key, err := idempotencyKey(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	me := caller(c)
	ctx, cancel := s.ctx(c)
	defer cancel()
	sum := sha256.Sum256(raw)
	hash := hex.EncodeToString(sum[:])
	id := commandID(me.Handle, k.name, target, key)
	if key != "" {
		prev, err := s.records.Command(ctx, id)
		switch {
		case err == nil && prev.BodyHash != hash:
			s.fail(c, domain.Conflictf("Idempotency-Key %q was already used with a different request body", key))
			return
		case err == nil:
			c.Header(replayedHeader, "true")
			s.resume(ctx, c, k, prev)
			return
		case !errors.Is(err, domain.ErrNotFound):
			s.fail(c, fmt.Errorf("load command %s: %w", id, err))
			return
		}
	}
	workflowID, in, err := prepare(ctx)
	if err != nil {
		s.fail(c, err)
		return
	}
	if s.undocumented(c) {
		return
	}
	stamp := s.auditEntry(c)
	stamp.Outcome, stamp.Status, stamp.Reason = domain.AuditAllowed, k.status, c.GetString(auditNoteKey)
	in.Bind(id, s.now(), stamp)
	input, err := json.Marshal(in)
	if err != nil {
		s.fail(c, fmt.Errorf("encode command %s: %w", id, err))
		return
	}
	cmd, created, err := s.records.ClaimCommand(ctx, domain.SentCommand{
		ID: id, Caller: me.Handle, Kind: k.name, Target: target, WorkflowID: workflowID, Update: k.update, BodyHash: hash, Input: input,
	})
	if (err != nil || !created) && k.refused != nil {
		s.undo(c, k, in) // what prepare did for a command that is not the one sent
	}
	switch {
	case err != nil:
		s.fail(c, fmt.Errorf("store command %s: %w", id, err))
	case !created:
		// The same key and body raced this request and stored it first.
		c.Header(replayedHeader, "true")
		s.resume(ctx, c, k, cmd)
	default:
		s.send(ctx, c, k, cmd, in)
	}
}

// resume answers a stored command: its refusal, or else what sending it again
// as the same update answers.
func (s *Server) resume(ctx context.Context, c *gin.Context, k *commandKind, cmd domain.SentCommand) {
	if cmd.Status == domain.CommandRefused {
		var r refusalAnswer
		if err := json.Unmarshal(cmd.Refusal, &r); err != nil || r.Status < 400 {
			s.fail(c, fmt.Errorf("stored refusal of command %s: %q: %v", cmd.ID, cmd.Refusal, err))
			return
		}
		c.AbortWithStatusJSON(r.Status, errorBody{Error: r.Error})
		return
	}
	in := k.input()
	if err := json.Unmarshal(cmd.Input, in); err != nil {
		s.fail(c, fmt.Errorf("decode stored command %s: %w", cmd.ID, err))
		return
	}
	s.send(ctx, c, k, cmd, in)
}

// refusalAnswer is a refused command's answer, as stored.
type refusalAnswer struct {
	Status int         `json:"status"`
	Error  errorObject `json:"error"`
}

// send sends cmd (again) and answers its outcome: the route's answer when
// done, 202 while admitted and not processed, the refusal (kept for good) when
// refused, 503 when Temporal is not reached.
func (s *Server) send(ctx context.Context, c *gin.Context, k *commandKind, cmd domain.SentCommand, in commandInput) {
	result := k.result()
	runID, err := s.temporal.Update(ctx, UpdateRequest{
		WorkflowID: cmd.WorkflowID, RunID: cmd.RunID, Name: cmd.Update, ID: cmd.ID, Input: in,
	}, result)
	switch {
	case err == nil:
		if cmd.Status != domain.CommandDone {
			s.settle(c, cmd.ID, domain.CommandDone, runID, nil)
		}
		c.Set(auditCommandKey, cmd.ID) // its process wrote its entry
		k.answer(s, c, cmd, in, result)
	case errors.Is(err, errAdmitted):
		url := commandsPath + cmd.ID
		c.Header("Location", url)
		c.Header("Retry-After", commandRetryAfter)
		c.JSON(http.StatusAccepted, commandStatus{
			ID: cmd.ID, Status: "pending", URL: url,
			Message: "Temporal has the command, but no worker has processed it yet: GET the url, or send the request again with the same Idempotency-Key, for its outcome",
		})
	default:
		err = namedNotFound(err, k.what, cmd.Target)
		if status, body := classify(err); cmd.Status == domain.CommandPending && status >= 400 && status < 500 {
			// Refused by the process, or its run has ended or is gone: final. (A
			// command done stays done: its run may since have passed retention.)
			answer, _ := json.Marshal(refusalAnswer{Status: status, Error: body}) // plain strings and ints
			s.settle(c, cmd.ID, domain.CommandRefused, "", answer)
			if k.refused != nil {
				s.undo(c, k, in)
			}
		}
		s.fail(c, err)
	}
}

// commandStatus is the answer of a command admitted and not yet processed.
type commandStatus struct {
	ID      string `json:"id"`
	Status  string `json:"status"`
	URL     string `json:"url"`
	Message string `json:"message"`
}

// settle records a command's outcome, even when the client has gone. A failure
// leaves it pending, which costs a retry one more round trip to Temporal.
func (s *Server) settle(c *gin.Context, id string, status domain.CommandStatus, runID string, refusal []byte) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.Request.Context()), downstreamTimeout)
	defer cancel()
	if err := s.records.SettleCommand(ctx, id, status, runID, refusal); err != nil {
		_ = c.Error(fmt.Errorf("settle command %s as %s: %w", id, status, err))
	}
}

// undo runs a refused command's undo, even when the client has gone.
func (s *Server) undo(c *gin.Context, k *commandKind, in commandInput) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.Request.Context()), downstreamTimeout)
	defer cancel()
	if err := k.refused(s, ctx, in); err != nil {
		_ = c.Error(fmt.Errorf("undo refused %s: %w", k.name, err))
	}
}

// getCommand is the status URL of a command: its answer once done, 202 while
// pending. Only the person who sent it may read it; to anyone else it does
// not exist.
func (s *Server) getCommand(c *gin.Context) {
	id := c.Param("id")
	notFound := domain.NotFoundf("command %s not found", id)
	if !validCommandID(id) {
		s.fail(c, notFound)
		return
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	cmd, err := s.records.Command(ctx, id)
	switch {
	case errors.Is(err, domain.ErrNotFound) || err == nil && cmd.Caller != caller(c).Handle:
		s.fail(c, notFound)
		return
	case err != nil:
		s.fail(c, fmt.Errorf("load command %s: %w", id, err))
		return
	}
	k := commandKinds[cmd.Kind]
	if k == nil {
		s.fail(c, fmt.Errorf("command %s is of unknown kind %q", id, cmd.Kind))
		return
	}
	s.resume(ctx, c, k, cmd)
}
