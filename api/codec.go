package api

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"
	commonpb "go.temporal.io/api/common/v1"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/tandemhq/tandem/codec"
	"github.com/tandemhq/tandem/contract"
	"github.com/tandemhq/tandem/domain"
)

// The codec endpoint serves the Temporal UI's and CLI's "remote codec" protocol
// (POST <endpoint>/decode with {"payloads": [...]}) so that a person Tandem lets
// read a process sees its run decoded there, and nobody else does.
//
// It only decodes. An /encode would let any signed-in person make sealed
// payloads, which is exactly what a forged command needs; commands go through
// the API.
const (
	codecPath = "/api/v1/codec"
	// CodecEndpoint is the path to give the Temporal UI and CLI as the codec
	// endpoint; they append /decode.
	CodecEndpoint = codecPath
	// maxCodecBody bounds a decode request: the UI sends a run's payloads in
	// batches, each payload at most Temporal's 2 MiB blob limit.
	maxCodecBody = 8 << 20
	// SessionCookie is the board's session cookie. The codec endpoint accepts it
	// besides a bearer token, so the Temporal UI, opened by someone signed in to
	// the board, decodes with their permissions (the UI has no login of its own).
	SessionCookie = "tandem_session"
)

func (s *Server) codecRoutes() {
	g := s.engine.Group(codecPath, s.codecCORS)
	g.OPTIONS("/decode", func(c *gin.Context) { c.Status(http.StatusNoContent) })
	g.POST("/decode", s.authenticate, s.codecRateLimit, s.decodePayloads)
	g.POST("/encode", func(c *gin.Context) {
		s.fail(c, domain.Forbiddenf("Tandem does not encode payloads for clients: send commands through its API"))
	})
}

// codecCORS lets the Temporal UI, and only it, call the codec endpoint from the
// browser with the board's cookie: its origin is allowed with credentials.
func (s *Server) codecCORS(c *gin.Context) {
	origin := c.GetHeader("Origin")
	if origin == "" || s.uiOrigin == "" || origin != s.uiOrigin {
		if origin != "" && c.Request.Method == http.MethodOptions {
			s.fail(c, domain.Forbiddenf("cross-origin calls to the codec endpoint are allowed from the Temporal UI only"))
			return
		}
		c.Next()
		return
	}
	h := c.Writer.Header()
	h.Set("Access-Control-Allow-Origin", origin)
	h.Set("Access-Control-Allow-Credentials", "true")
	h.Set("Access-Control-Allow-Methods", "POST")
	h.Set("Access-Control-Allow-Headers", "Content-Type, Authorization, X-Namespace")
	h.Set("Access-Control-Max-Age", "600")
	h.Add("Vary", "Origin")
	c.Next()
}

// originOf is the origin (scheme://host:port) of a URL, or "" if it has none.
func originOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

// decodePayloads opens the payloads of the request for a caller who may read
// every process they belong to; one payload the caller may not read refuses the
// whole request, and nothing is decoded. Payloads that were never sealed pass
// through as they are: whoever sent them already had them.
func (s *Server) decodePayloads(c *gin.Context) {
	if s.codec == nil {
		s.fail(c, &requestError{status: http.StatusNotFound, code: domain.CodeNotFound, message: "this server decodes no payloads"})
		return
	}
	raw, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, maxCodecBody))
	if err != nil {
		s.fail(c, &requestError{status: http.StatusRequestEntityTooLarge, code: "payload_too_large",
			message: fmt.Sprintf("a decode request is at most %d bytes", maxCodecBody)})
		return
	}
	var in commonpb.Payloads
	if err := protojson.Unmarshal(raw, &in); err != nil {
		s.fail(c, errBadRequest("payloads", `the body must be {"payloads": [...]} as the Temporal codec protocol sends it`))
		return
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	me := domain.ActorOf(caller(c))
	allowed := map[codec.Binding]error{}
	for _, p := range in.Payloads {
		if !codec.Sealed(p) {
			continue
		}
		b := codec.BindingOf(p)
		if _, seen := allowed[b]; !seen {
			allowed[b] = s.mayDecode(ctx, me, b)
		}
		if err := allowed[b]; err != nil {
			s.fail(c, err)
			return
		}
	}
	out, err := s.codec.Decode(in.Payloads)
	if err != nil {
		// The binding read above is authenticated only now: a payload that does
		// not open is refused, whatever it claimed.
		s.fail(c, fmt.Errorf("%w: %s", domain.ErrInvalid, publicCodecError(err)))
		return
	}
	body, err := protojson.Marshal(&commonpb.Payloads{Payloads: out})
	if err != nil {
		s.fail(c, fmt.Errorf("encode decoded payloads: %w", err))
		return
	}
	c.Header("Cache-Control", "no-store")
	c.Data(http.StatusOK, "application/json", body)
}

// mayDecode says whether a may read the process a payload is bound to: anyone
// signed in for campaigns, risks and runs of templates (as their detail routes
// answer: a run's payloads hold its template, intake and answers, which
// GET /template-runs/{id} and its tasks show everyone signed in), the people
// involved for a hiring request, and admins for anything else, such as payloads
// bound to no Tandem process.
func (s *Server) mayDecode(ctx context.Context, a domain.Actor, b codec.Binding) error {
	if a.HasRole(domain.RoleAdmin) {
		return nil
	}
	p, id, ok := contract.ProcessOfWorkflowID(b.WorkflowID)
	if !ok || b.Namespace != s.namespace {
		return domain.Forbiddenf("only admins may decode payloads of runs that are not a Tandem process of this namespace")
	}
	if p != domain.ProcessHiring {
		return nil
	}
	r, err := s.records.HiringRequest(ctx, id)
	if errors.Is(err, domain.ErrNotFound) {
		return domain.Forbiddenf("only admins may decode payloads of hiring request %s", id)
	}
	if err != nil {
		return fmt.Errorf("decode payloads of %s: %w", id, err)
	}
	if !r.MayReadConfidential(a) {
		return domain.Forbiddenf("only the people involved in hiring request %s may decode its payloads", id)
	}
	return nil
}

// publicCodecError says why payloads did not open, in the codec's own words,
// which name no key material and no content.
func publicCodecError(err error) string {
	for _, known := range []error{codec.ErrUnknownKey, codec.ErrTampered, codec.ErrOtherWorkflow} {
		if errors.Is(err, known) {
			return strings.SplitN(known.Error(), " (", 2)[0]
		}
	}
	return "the payloads do not open"
}
