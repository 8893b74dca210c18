package api

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/time/rate"

	"github.com/tandemhq/tandem/domain"
)

// AuditRecords is the audit trail's one write: append an entry to the chain.
type AuditRecords interface {
	// AppendAudit numbers, links and stores e after the last entry.
	AppendAudit(ctx context.Context, e domain.AuditEntry) error
	// CommandAudited reports whether the entry of command id is in the trail:
	// its process writes it with the records the command changed.
	CommandAudited(ctx context.Context, id string) (bool, error)
	// AppendCommandAudit is AppendAudit for the entry of command id, unless
	// the trail has it already.
	AppendCommandAudit(ctx context.Context, e domain.AuditEntry, id string) error
	// RefusedCommands returns the denied or failed commands on any of objects.
	RefusedCommands(ctx context.Context, objects []string) ([]domain.AuditEntry, error)
}

// auditOnBehalfKey is set by a handler whose caller acts for someone else (an
// out-of-office delegate completing a task), for the audit entry.
const auditOnBehalfKey = "tandem.audit.on_behalf_of"

// auditCommandKey holds the ID of the command a request applied (a process's
// update answered), whose entry the process wrote with its records.
const auditCommandKey = "tandem.audit.command"

// auditObjectKey is set by a handler whose object is not in its path (a board
// session, named by its ref), and auditNoteKey by one whose allowed command
// needs a word on how it was done (how a person signed in): the entry's object,
// and its reason when allowed.
const (
	auditObjectKey = "tandem.audit.object"
	auditNoteKey   = "tandem.audit.note"
	// auditProvisionKey holds what a sign-in changed in the directory (a
	// person added, a team or roles from the provider's groups), for its note.
	auditProvisionKey = "tandem.audit.provision"
)

const (
	// maxAuditBody bounds how much of a refusal's answer is kept to read its message.
	maxAuditBody = 8 << 10
	// maxAuditText bounds each free-text field of an entry (object, reason), since a
	// client chooses the path and a refusal may quote it.
	maxAuditText = 512
)

// audit records every command on /api/v1, allowed or not, once the answer is made.
// It sits before authenticate in the group, so it also records the commands that
// authenticate refuses (401, no actor): an abort stops the handlers after it, not
// the rest of the ones before. The caller is read after the chain ran, when
// authenticate has set it.
//
// Reads (GET, HEAD, OPTIONS) change nothing and are not recorded. Nothing of the
// request itself is kept: no header (so no token), no body; the reason is the
// public message the client was answered with, never internal error text.
func (s *Server) audit(c *gin.Context) {
	switch c.Request.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		c.Next()
		return
	}
	w := &auditWriter{ResponseWriter: c.Writer}
	c.Writer = w
	defer func() {
		// A panicking handler is a failed command; s.recover, outside this group,
		// still makes the 500 answer from the same panic.
		if r := recover(); r != nil {
			s.appendAudit(c, w, http.StatusInternalServerError)
			panic(r)
		}
	}()
	c.Next()
	s.appendAudit(c, w, w.Status())
}

// appendAudit writes the entry of the command c answered with status. The answer is
// already made and stays as it is whatever happens here. If the write fails the
// command has still happened (a Temporal update is not undone): the entry is
// missing from the trail, so the failure is logged at error level with everything
// the entry would have held. There is no transaction spanning the command and its
// entry; that is a known gap.
func (s *Server) appendAudit(c *gin.Context, w *auditWriter, status int) {
	e := s.auditEntry(c)
	e.Status = status
	if id := c.GetString(auditCommandKey); id != "" && status < http.StatusMultipleChoices {
		s.checkCommandAudit(c, e, id)
		return
	}
	unrecorded := 0
	if e.Actor == "" {
		record, n := s.sampler.admit(e.ClientIP, c.FullPath() == sessionsPath)
		if !record {
			s.unaudited.Inc()
			return
		}
		unrecorded = n
	}
	switch {
	case status >= http.StatusInternalServerError:
		e.Outcome, e.Reason = domain.AuditFailed, "internal error"
	case status >= http.StatusBadRequest:
		e.Outcome, e.Reason = domain.AuditDenied, auditText(refusalReason(w.body))
	default:
		e.Outcome, e.Reason = domain.AuditAllowed, c.GetString(auditNoteKey)
	}
	if unrecorded > 0 {
		e.Reason = auditText(fmt.Sprintf("%s (and %d more from this address since its last entry, not recorded)", e.Reason, unrecorded))
	}
	// The client may have gone; the command it sent still belongs in the trail.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.Request.Context()), downstreamTimeout)
	defer cancel()
	if err := s.records.AppendAudit(ctx, e); err != nil {
		s.log.LogAttrs(ctx, slog.LevelError, "audit entry lost: the command was answered but is not in the audit trail",
			slog.String("request_id", e.RequestID), slog.String("action", e.Action), slog.String("object", e.Object),
			slog.String("actor", e.Actor), slog.String("on_behalf_of", e.OnBehalfOf), slog.String("outcome", string(e.Outcome)),
			slog.Int("status", e.Status), slog.String("client_ip", e.ClientIP), slog.String("error", err.Error()))
	}
}

// auditEntry is the entry of the command c is, but for its outcome, status
// and reason.
func (s *Server) auditEntry(c *gin.Context) domain.AuditEntry {
	e := domain.AuditEntry{
		At:         s.now(),
		OnBehalfOf: c.GetString(auditOnBehalfKey),
		Action:     c.Request.Method + " " + c.FullPath(),
		Object:     auditText(cmp.Or(c.GetString(auditObjectKey), auditObject(c))),
		RequestID:  c.GetString(requestIDKey),
		ClientIP:   c.ClientIP(),
	}
	if p, ok := c.Get(callerKey); ok {
		e.Actor = p.(domain.Person).Handle
	}
	return e
}

// checkCommandAudit makes sure the entry of command id, which c applied, is in
// the trail. Its process wrote it with the records the command changed, so
// this is one read; only a worker from before entries rode with the records
// (during a rolling upgrade) leaves it to the API, which then writes e.
func (s *Server) checkCommandAudit(c *gin.Context, e domain.AuditEntry, id string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.Request.Context()), downstreamTimeout)
	defer cancel()
	done, err := s.records.CommandAudited(ctx, id)
	if err == nil && done {
		return
	}
	e.Outcome, e.Reason = domain.AuditAllowed, c.GetString(auditNoteKey)
	if err = s.records.AppendCommandAudit(ctx, e, id); err != nil {
		s.log.LogAttrs(ctx, slog.LevelError, "audit entry lost: the command was applied but is not in the audit trail",
			slog.String("command_id", id), slog.String("request_id", e.RequestID), slog.String("action", e.Action),
			slog.String("object", e.Object), slog.String("actor", e.Actor), slog.String("error", err.Error()))
	}
}

// auditSampler decides which commands refused for want of a valid token go into
// the audit trail: at most one entry per client address per unauthenticatedEvery,
// and at most unauthenticatedBurst entries at once across all addresses, then one
// a second. The entry that is written says how many from its address were left
// out since the one before; every one left out is counted in the metric
// tandem_audit_unrecorded_total, and the request log still has a line for each.
//
// Why not one entry each: such a request has no actor and changed nothing, so
// the trail learns little from the thousandth copy, while each costs a write
// serialised behind the hash chain's lock, which a flood would turn against the
// entries that matter. Why not none: who tried, from where and how often is what
// an operator looking into an attack needs, and one entry a minute per address
// with a count keeps that.
//
// Its memory is bounded like the address limiter's: idle windows are dropped
// once a minute, and past maxAddressBuckets addresses the new ones are counted,
// not recorded.
type auditSampler struct {
	now    func() time.Time
	global *rate.Limiter

	mu        sync.Mutex
	windows   map[[sha256.Size]byte]*auditWindow
	lastSweep time.Time
}

// auditWindow is one address's: when its last entry was written, and how many of
// its refusals have been left out since.
type auditWindow struct {
	recorded time.Time
	skipped  int
}

const (
	unauthenticatedEvery = time.Minute
	unauthenticatedBurst = 60
)

func newAuditSampler() *auditSampler {
	return &auditSampler{
		now:     time.Now,
		global:  rate.NewLimiter(1, unauthenticatedBurst),
		windows: map[[sha256.Size]byte]*auditWindow{},
	}
}

// admit reports whether the unauthenticated refusal from ip is recorded, and if
// so how many from the same address were left out before it. A failed sign-in
// (signIn) is not held to its address's minute: each is recorded, as someone
// mistyping a token twice is worth two entries, while the bound across all
// addresses still holds in a flood (and the address limit refuses a guesser
// long before it).
func (a *auditSampler) admit(ip string, signIn bool) (record bool, skipped int) {
	now := a.now()
	key := addressKey(ip)
	a.mu.Lock()
	defer a.mu.Unlock()
	if now.Sub(a.lastSweep) >= unauthenticatedEvery {
		// A window with refusals left out is kept a while, for the next entry from
		// its address to count them; the metric has them either way.
		for k, w := range a.windows {
			if age := now.Sub(w.recorded); age >= unauthenticatedEvery && w.skipped == 0 || age >= time.Hour {
				delete(a.windows, k)
			}
		}
		a.lastSweep = now
	}
	w := a.windows[key]
	if w == nil {
		if len(a.windows) >= maxAddressBuckets {
			return false, 0
		}
		w = &auditWindow{}
		a.windows[key] = w
	}
	if !signIn && now.Sub(w.recorded) < unauthenticatedEvery || !a.global.AllowN(now, 1) {
		w.skipped++
		return false, 0
	}
	skipped, w.recorded, w.skipped = w.skipped, now, 0
	return true, skipped
}

// auditObject is what the command acted on: the ID or handle in the path, or for a
// creation the new resource its Location names.
func auditObject(c *gin.Context) string {
	for _, name := range []string{"id", "handle"} {
		if v := c.Param(name); v != "" {
			return v
		}
	}
	if loc := c.Writer.Header().Get("Location"); loc != "" {
		return path.Base(loc)
	}
	return ""
}

// refusalReason is the message of the contract's error answer, with the fields at
// fault when it names them.
func refusalReason(body []byte) string {
	var b errorBody
	if err := json.Unmarshal(body, &b); err != nil {
		return ""
	}
	reason := b.Error.Message
	if len(b.Error.Details) > 0 {
		parts := make([]string, len(b.Error.Details))
		for i, d := range b.Error.Details {
			parts[i] = d.Field + ": " + d.Problem
		}
		reason += " (" + strings.Join(parts, "; ") + ")"
	}
	return reason
}

// auditText makes client-chosen text fit to store: valid UTF-8 without NUL (which
// PostgreSQL refuses in text, and would lose the entry), at most maxAuditText bytes.
func auditText(s string) string {
	s = strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "\uFFFD")
	if len(s) > maxAuditText {
		// Cutting may split a character; ToValidUTF8 drops its remains.
		s = strings.ToValidUTF8(s[:maxAuditText], "") + "…"
	}
	return s
}

// auditWriter keeps the start of a refusal's answer, to read its public message.
type auditWriter struct {
	gin.ResponseWriter
	body []byte
}

func (w *auditWriter) Write(b []byte) (int, error) {
	w.keep(b)
	return w.ResponseWriter.Write(b)
}

func (w *auditWriter) WriteString(s string) (int, error) {
	w.keep([]byte(s))
	return w.ResponseWriter.WriteString(s)
}

func (w *auditWriter) keep(b []byte) {
	if w.Status() >= http.StatusBadRequest && len(w.body) < maxAuditBody {
		w.body = append(w.body, b[:min(len(b), maxAuditBody-len(w.body))]...)
	}
}
