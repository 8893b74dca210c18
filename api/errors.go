package api

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/tandemhq/tandem/domain"
)

// errorBody is the contract's error answer.
type errorBody struct {
	Error errorObject `json:"error"`
}

type errorObject struct {
	Code    string                `json:"code"`
	Message string                `json:"message"`
	Details []domain.FieldProblem `json:"details,omitempty"`
}

// requestError is a refusal the HTTP layer makes itself, before any domain rule:
// a malformed body, a body too large, a missing token, an unknown route.
type requestError struct {
	status  int
	code    string
	message string
	field   string // the field at fault, when known
}

func (e *requestError) Error() string { return e.message }

func errBadRequest(field, message string) error {
	return &requestError{status: http.StatusBadRequest, code: codeBadRequest, message: message, field: field}
}

func errUnauthorized(message string) error {
	return &requestError{status: http.StatusUnauthorized, code: "unauthorized", message: message}
}

// errRateLimited refuses a request over its token's budget; the caller sets
// Retry-After, which only it knows.
func errRateLimited() error {
	return &requestError{status: http.StatusTooManyRequests, code: "rate_limited", message: "too many requests with this token; retry after the number of seconds in Retry-After"}
}

// notYet is a process's "not yet": a command about a task it is about to open
// again while it catches up after a restart. Nothing was applied, and the same
// request (the same Idempotency-Key) sent again shortly goes through, so it is
// a 503, not kept as the command's final answer, in the process's own words.
type notYet struct {
	message string
	cause   error // the workflow's refusal, for the log
}

func (e *notYet) Error() string { return "not yet: " + e.message }
func (e *notYet) Unwrap() error { return e.cause }

// errAddressLimited refuses a request without a valid token from a client address
// that has sent too many of them; the caller sets Retry-After.
func errAddressLimited() error {
	return &requestError{status: http.StatusTooManyRequests, code: "rate_limited", message: "too many requests without a valid token from this address; retry after the number of seconds in Retry-After"}
}

// Codes of the answers that have no domain refusal behind them.
const (
	codeBadRequest  = "bad_request"
	codeUnavailable = "unavailable"
	codeInternal    = "internal"
)

// classify is the one mapping from an error to a status and the body the client
// sees. Anything it does not recognise is internal: 500 with a fixed message, so
// no internal text ever reaches a client.
func classify(err error) (int, errorObject) {
	var re *requestError
	var ve *domain.ValidationError
	var ny *notYet
	switch {
	case errors.As(err, &re):
		o := errorObject{Code: re.code, Message: re.message}
		if re.field != "" {
			o.Details = []domain.FieldProblem{{Field: re.field, Problem: re.message}}
		}
		return re.status, o
	case errors.As(err, &ny):
		return http.StatusServiceUnavailable, errorObject{Code: codeUnavailable, Message: ny.message}
	case errors.Is(err, domain.ErrBadCursor):
		// A cursor is opaque: one the list did not make is a malformed request, not a
		// field the client could correct, so 400 rather than 422.
		return http.StatusBadRequest, errorObject{Code: codeBadRequest, Message: "cursor: " + domain.ErrBadCursor.Error(),
			Details: []domain.FieldProblem{{Field: "cursor", Problem: domain.ErrBadCursor.Error() + "; start again without it"}}}
	case errors.As(err, &ve):
		return http.StatusUnprocessableEntity, errorObject{Code: domain.CodeInvalid, Message: "the request is invalid", Details: ve.Problems}
	case errors.Is(err, domain.ErrInvalid):
		return http.StatusUnprocessableEntity, errorObject{Code: domain.CodeInvalid, Message: publicMessage(err, domain.ErrInvalid)}
	case errors.Is(err, domain.ErrForbidden):
		return http.StatusForbidden, errorObject{Code: domain.CodeForbidden, Message: publicMessage(err, domain.ErrForbidden)}
	case errors.Is(err, domain.ErrNotFound):
		return http.StatusNotFound, errorObject{Code: domain.CodeNotFound, Message: publicMessage(err, domain.ErrNotFound)}
	case errors.Is(err, domain.ErrConflict):
		return http.StatusConflict, errorObject{Code: domain.CodeConflict, Message: publicMessage(err, domain.ErrConflict)}
	case errors.Is(err, domain.ErrUnavailable):
		// The cause (a dial error, a host name) is for the log, not the client.
		return http.StatusServiceUnavailable, errorObject{Code: codeUnavailable, Message: "a service Tandem depends on is unavailable; try again shortly"}
	}
	return http.StatusInternalServerError, errorObject{Code: codeInternal, Message: "internal error"}
}

// publicMessage is the part of a refusal meant for people: the text after its kind
// ("not found: campaign cmp_… not found" gives "campaign cmp_… not found"). Context a
// caller wrapped around the refusal stays out; a bare kind answers as itself.
func publicMessage(err, kind error) string {
	if _, after, ok := strings.Cut(err.Error(), kind.Error()+": "); ok && after != "" {
		return after
	}
	return kind.Error()
}

// recordErr turns a failed lookup of one record into the answer: a not-found naming
// the record, or the error with context for the log.
func recordErr(err error, what, id string) error {
	if errors.Is(err, domain.ErrNotFound) {
		return domain.NotFoundf("%s %s not found", what, id)
	}
	return fmt.Errorf("load %s %s: %w", what, id, err)
}

// namedNotFound names the resource in a bare not-found from Temporal, which knows
// only that the workflow is missing; every other error passes as it is.
func namedNotFound(err error, what, id string) error {
	if errors.Is(err, domain.ErrNotFound) && publicMessage(err, domain.ErrNotFound) == domain.ErrNotFound.Error() {
		return domain.NotFoundf("%s %s not found", what, id)
	}
	return err
}

// fail answers the request with err mapped by classify and stops the handler chain.
// Server-side failures are attached to the request, so the request logger writes
// them once, with the request ID.
func (s *Server) fail(c *gin.Context, err error) {
	status, body := classify(withUndocumented(c, err))
	if status >= http.StatusInternalServerError {
		_ = c.Error(err)
	}
	if status == http.StatusUnauthorized {
		c.Header("WWW-Authenticate", `Bearer realm="tandem"`)
	}
	c.AbortWithStatusJSON(status, errorBody{Error: body})
}
