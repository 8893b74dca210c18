package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/mail"
	"regexp"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tandemhq/tandem/domain"
)

// AdminRecords are the directory writes only admins reach through the API.
type AdminRecords interface {
	UpsertPerson(ctx context.Context, p domain.Person) error
	// AddPerson adds someone new: ErrConflict when the handle is taken.
	AddPerson(ctx context.Context, p domain.Person) error
	CreateTokenExpiring(ctx context.Context, handle, label string, expiresAt time.Time) (string, error)
	RevokeTokens(ctx context.Context, handle string) (int64, error)
	// DisablePerson disables a person at at, revoking their sessions and
	// tokens; one disabled already keeps their first time. EnablePerson makes
	// them active again. An unknown person is domain.ErrNotFound.
	DisablePerson(ctx context.Context, handle string, at time.Time) (domain.Person, domain.Revoked, error)
	EnablePerson(ctx context.Context, handle string) (domain.Person, error)
}

// handlePattern keeps handles usable in URLs, mentions and logs without escaping.
var handlePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)

// PersonProblems checks what can be checked of p without the directory: the
// handle, name, e-mail, team and roles. Whether the manager exists depends on where
// p is going (the database, or an import file), so the caller checks it. `tandem
// people import` shares this, so the API and the import accept the same people.
func PersonProblems(p domain.Person) domain.Problems {
	var problems domain.Problems
	if !handlePattern.MatchString(p.Handle) {
		problems.Add("handle", "must be 1 to 64 lowercase letters, digits, '.', '_' or '-', starting with a letter or digit")
	}
	domain.RequireText(&problems, "name", p.Name)
	// The import reads YAML, not a request body, so the text check the API makes
	// of every body is made here too.
	domain.CheckCharacters(&problems, "name", p.Name)
	// The address alone, as notifications send to it verbatim.
	if a, err := mail.ParseAddress(p.Email); err != nil || a.Address != p.Email || len(p.Email) > 254 {
		problems.Add("email", "must be an e-mail address such as pat@example.com")
	}
	if !p.Team.Valid() {
		problems.Add("team", "must be one of %s", joinEnum(domain.Teams))
	}
	for i, r := range p.Roles {
		if !r.Valid() {
			problems.Add(fmt.Sprintf("roles[%d]", i), "must be one of %s", joinEnum(domain.Roles))
		}
	}
	if p.Manager != "" && !handlePattern.MatchString(p.Manager) {
		problems.Add("manager", "must be a handle")
	}
	if p.Manager != "" && p.Manager == p.Handle {
		problems.Add("manager", "a person cannot be their own manager")
	}
	return problems
}

func joinEnum[T ~string](vals []T) string {
	out := make([]string, len(vals))
	for i, v := range vals {
		out[i] = string(v)
	}
	return strings.Join(out, ", ")
}

// requireAdmin refuses everyone but admins, before the body is read, so a refused
// request learns nothing about the person it names.
func (s *Server) requireAdmin(c *gin.Context) bool {
	if !caller(c).HasRole(domain.RoleAdmin) {
		s.fail(c, domain.Forbiddenf("only an admin may manage people and tokens"))
		return false
	}
	return true
}

type personRequest struct {
	Name    string        `json:"name"`
	Email   string        `json:"email"`
	Team    domain.Team   `json:"team"`
	Roles   []domain.Role `json:"roles"`
	Manager string        `json:"manager"`
}

// putPerson creates or updates a person: 201 when new, 200 when updated. The
// out-of-office window is the person's own business (its own route), so an update
// keeps it.
func (s *Server) putPerson(c *gin.Context) {
	if !s.requireAdmin(c) {
		return
	}
	var req personRequest
	if _, err := decode(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	p := domain.Person{Handle: c.Param("handle"), Name: req.Name, Email: req.Email, Team: req.Team, Roles: req.Roles, Manager: req.Manager}
	if p.Roles == nil {
		p.Roles = []domain.Role{} // answered as [], not null
	}
	problems := PersonProblems(p)
	ctx, cancel := s.ctx(c)
	defer cancel()
	if p.Manager != "" && p.Manager != p.Handle {
		if err := s.checkPerson(ctx, &problems, "manager", p.Manager); err != nil {
			s.fail(c, err)
			return
		}
	}
	if err := problems.Err(); err != nil {
		s.fail(c, err)
		return
	}
	status := http.StatusOK
	if s.undocumented(c) {
		return
	}
	switch prev, err := s.records.Person(ctx, p.Handle); {
	case errors.Is(err, domain.ErrNotFound):
		status = http.StatusCreated
	case err != nil:
		s.fail(c, recordErr(err, "person", p.Handle))
		return
	default:
		p.OutOfOffice = prev.OutOfOffice
	}
	if err := s.records.UpsertPerson(ctx, p); err != nil {
		s.fail(c, fmt.Errorf("upsert person %s: %w", p.Handle, err))
		return
	}
	c.JSON(status, p)
}

type createTokenRequest struct {
	Label string `json:"label"`
	// ExpiresIn is a Go duration ("720h"); empty means the token never expires.
	ExpiresIn string `json:"expires_in"`
}

type createTokenResponse struct {
	// Token is shown this once: only its hash is stored.
	Token     string     `json:"token"`
	ExpiresAt *time.Time `json:"expires_at"` // null: never
}

func (s *Server) createPersonToken(c *gin.Context) {
	if !s.requireAdmin(c) {
		return
	}
	var req createTokenRequest
	if _, err := decode(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	var expiresAt time.Time
	if req.ExpiresIn != "" {
		d, err := time.ParseDuration(req.ExpiresIn)
		if err != nil || d <= 0 {
			s.fail(c, domain.Invalid(domain.FieldProblem{Field: "expires_in", Problem: "must be a positive Go duration such as 720h (30 days); leave it out for a token that never expires"}))
			return
		}
		expiresAt = s.now().Add(d).UTC()
	}
	handle := c.Param("handle")
	ctx, cancel := s.ctx(c)
	defer cancel()
	switch p, err := s.records.Person(ctx, handle); {
	case err != nil:
		s.fail(c, recordErr(err, "person", handle))
		return
	case !p.Active():
		s.fail(c, domain.Conflictf("%s is disabled: enable them first (POST /api/v1/people/%s/enable)", handle, handle))
		return
	}
	if s.undocumented(c) {
		return
	}
	tok, err := s.records.CreateTokenExpiring(ctx, handle, req.Label, expiresAt)
	if errors.Is(err, domain.ErrNotFound) {
		s.fail(c, domain.NotFoundf("person %s not found", handle))
		return
	}
	if err != nil {
		s.fail(c, fmt.Errorf("create token for %s: %w", handle, err))
		return
	}
	res := createTokenResponse{Token: tok}
	if !expiresAt.IsZero() {
		res.ExpiresAt = &expiresAt
	}
	// no-store: the token must not linger in a proxy or browser cache.
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusCreated, res)
}

func (s *Server) revokePersonTokens(c *gin.Context) {
	if !s.requireAdmin(c) {
		return
	}
	handle := c.Param("handle")
	ctx, cancel := s.ctx(c)
	defer cancel()
	n, err := s.records.RevokeTokens(ctx, handle)
	if errors.Is(err, domain.ErrNotFound) {
		s.fail(c, domain.NotFoundf("person %s not found", handle))
		return
	}
	if err != nil {
		s.fail(c, fmt.Errorf("revoke tokens of %s: %w", handle, err))
		return
	}
	c.JSON(http.StatusOK, gin.H{"revoked": n})
}
