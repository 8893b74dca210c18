package domain

import (
	"errors"
	"fmt"
	"strings"
)

// Kinds of refusal. Every package maps these the same way: the API to status codes
// (403, 404, 409, 422), workflows to update rejections with the same type string.
var (
	ErrForbidden = errors.New("forbidden")
	ErrNotFound  = errors.New("not found")
	ErrConflict  = errors.New("conflict")
	ErrInvalid   = errors.New("invalid")
)

// FieldProblem names one field of a request and what is wrong with it.
type FieldProblem struct {
	Field   string `json:"field"`
	Problem string `json:"problem"`
}

// ValidationError is a refusal of bad input, with the problems field by field.
type ValidationError struct {
	Problems []FieldProblem
}

func (e *ValidationError) Error() string {
	parts := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		parts[i] = p.Field + ": " + p.Problem
	}
	return "invalid: " + strings.Join(parts, "; ")
}

// Unwrap lets errors.Is(err, ErrInvalid) match.
func (e *ValidationError) Unwrap() error { return ErrInvalid }

// Invalid returns a *ValidationError for the given problems, or nil when there are none.
func Invalid(problems ...FieldProblem) error {
	if len(problems) == 0 {
		return nil
	}
	return &ValidationError{Problems: problems}
}

// Problems collects field problems while a request is checked.
type Problems []FieldProblem

// Add records a problem with field.
func (p *Problems) Add(field, format string, args ...any) {
	*p = append(*p, FieldProblem{Field: field, Problem: fmt.Sprintf(format, args...)})
}

// Err returns the collected problems as a *ValidationError, or nil.
func (p Problems) Err() error { return Invalid(p...) }

// Forbiddenf is a refusal because of who asks.
func Forbiddenf(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrForbidden, fmt.Sprintf(format, args...))
}

// Conflictf is a refusal because of the state the object is in.
func Conflictf(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrConflict, fmt.Sprintf(format, args...))
}

// Unavailablef says the answer cannot be given right now and the same request,
// sent again shortly, may succeed: nothing was changed.
func Unavailablef(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrUnavailable, fmt.Sprintf(format, args...))
}

// NotFoundf is a refusal because the object does not exist.
func NotFoundf(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrNotFound, fmt.Sprintf(format, args...))
}

// Message returns the part of a refusal meant for people: the text after the kind.
func Message(err error) string {
	msg := err.Error()
	for _, kind := range []error{ErrForbidden, ErrNotFound, ErrConflict, ErrUnavailable} {
		if p := kind.Error() + ": "; strings.HasPrefix(msg, p) {
			return strings.TrimPrefix(msg, p)
		}
	}
	return msg
}

// Error codes: the stable names of the refusal kinds, used as Temporal application
// error types and in API error bodies.
const (
	CodeForbidden = "forbidden"
	CodeNotFound  = "not_found"
	CodeConflict  = "conflict"
	CodeInvalid   = "invalid"
	// CodeUnavailable, from a workflow, says "not yet": send it again shortly.
	CodeUnavailable = "unavailable"
)

// Code returns the stable code of a refusal, or "" for any other error.
func Code(err error) string {
	switch {
	case errors.Is(err, ErrInvalid):
		return CodeInvalid
	case errors.Is(err, ErrForbidden):
		return CodeForbidden
	case errors.Is(err, ErrNotFound):
		return CodeNotFound
	case errors.Is(err, ErrConflict):
		return CodeConflict
	case errors.Is(err, ErrUnavailable):
		return CodeUnavailable
	}
	return ""
}
