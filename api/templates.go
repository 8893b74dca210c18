package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/tandemhq/tandem/domain"
	"github.com/tandemhq/tandem/templates"
)

// TemplateRecords holds the process templates, every version of each.
type TemplateRecords interface {
	TemplateWriter
	// Templates lists the latest version of every template, without its
	// document; retired ones only when retired is true.
	Templates(ctx context.Context, retired bool) ([]domain.StoredTemplate, error)
	// Template reads a version of a template, its latest when version is 0.
	Template(ctx context.Context, key string, version int) (domain.StoredTemplate, error)
	// RetireTemplate retires every version of key and returns the latest.
	RetireTemplate(ctx context.Context, key, by string, at time.Time) (domain.StoredTemplate, error)
}

// TemplateWriter stores a version of a template: the one write ApplyTemplate
// needs, which `tandem templates apply` makes on the store itself.
type TemplateWriter interface {
	// CreateTemplate stores t as the next version of its key, or answers the
	// latest version, not created, when it holds the same document; a version
	// that is not the next is domain.ErrConflict.
	CreateTemplate(ctx context.Context, t domain.StoredTemplate) (domain.StoredTemplate, bool, error)
}

// ApplyTemplate validates the template document doc (YAML, or JSON when it
// starts with "{") and stores it as a version by by, at at. It is the one way
// a template is stored: POST /templates and `tandem templates apply` both
// call it, so both refuse the same documents in the same words.
//
// An invalid document is a *domain.ValidationError with every problem at its
// path in the document, and nothing is stored. The document's version must be
// the next of its key (1 for a new one): the author says which version they
// publish, the YAML they get back says the version it is, and two people
// editing the same version do not overwrite each other unseen (the second is
// domain.ErrConflict). The same document as the latest version, at its
// version, is not stored again: it answers that version with created false.
func ApplyTemplate(ctx context.Context, w TemplateWriter, doc []byte, by string, at time.Time) (domain.StoredTemplate, bool, error) {
	if !utf8.Valid(doc) {
		// The source is kept as text; encoding/json would quietly mend what
		// YAML refuses.
		return domain.StoredTemplate{}, false, domain.Invalid(domain.FieldProblem{Field: "", Problem: "not UTF-8 text"})
	}
	t, err := templates.Parse(doc)
	if err != nil {
		return domain.StoredTemplate{}, false, err
	}
	js, err := json.Marshal(t)
	if err != nil {
		return domain.StoredTemplate{}, false, fmt.Errorf("encode template %s: %w", t.Key, err)
	}
	return w.CreateTemplate(ctx, domain.StoredTemplate{
		Key: t.Key, Version: t.Version, Name: t.Name, Description: t.Description, Stages: len(t.Stages),
		Document: js, Source: string(doc), CreatedBy: by, CreatedAt: at.UTC(),
	})
}

func (s *Server) templateRoutes(v1 *gin.RouterGroup) {
	v1.GET("/templates", s.listTemplates)
	v1.POST("/templates", s.createTemplate)
	v1.GET("/templates/:key", s.getTemplate)
	v1.POST("/templates/:key/retire", s.retireTemplate)
}

// templateSummary is a template as a list shows it: its latest version,
// without the document.
type templateSummary struct {
	Key         string     `json:"key"`
	Version     int        `json:"version"`
	Name        string     `json:"name"`
	Description string     `json:"description"`
	Stages      int        `json:"stages"`
	Retired     bool       `json:"retired"`
	RetiredAt   *time.Time `json:"retired_at,omitempty"`
	RetiredBy   string     `json:"retired_by,omitempty"`
	CreatedBy   string     `json:"created_by"`
	CreatedAt   time.Time  `json:"created_at"`
}

// templateBody is one version of a template, whole: the validated document
// and the text its author sent.
type templateBody struct {
	templateSummary
	Document templates.Template `json:"document"`
	Source   string             `json:"source"`
}

func toTemplateSummary(t domain.StoredTemplate) templateSummary {
	return templateSummary{
		Key: t.Key, Version: t.Version, Name: t.Name, Description: t.Description, Stages: t.Stages,
		Retired: t.Retired(), RetiredAt: t.RetiredAt, RetiredBy: t.RetiredBy, CreatedBy: t.CreatedBy, CreatedAt: t.CreatedAt,
	}
}

// toTemplateBody reads the stored document back into the model, so it is
// answered in the model's order of fields whichever database kept it.
func toTemplateBody(t domain.StoredTemplate) (templateBody, error) {
	b := templateBody{templateSummary: toTemplateSummary(t), Source: t.Source}
	if err := json.Unmarshal(t.Document, &b.Document); err != nil {
		return b, fmt.Errorf("read the stored document of template %s version %d: %w", t.Key, t.Version, err)
	}
	return b, nil
}

// listTemplates lists the latest version of every template, by key; with
// ?retired=true the retired ones too. Everyone may: they start runs from them.
func (s *Server) listTemplates(c *gin.Context) {
	var retired bool
	switch c.Query("retired") {
	case "", "false":
	case "true":
		retired = true
	default:
		s.fail(c, domain.Invalid(domain.FieldProblem{Field: "retired", Problem: "must be true or false"}))
		return
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	list, err := s.records.Templates(ctx, retired)
	if err != nil {
		s.fail(c, fmt.Errorf("list templates: %w", err))
		return
	}
	out := make([]templateSummary, len(list))
	for i, t := range list {
		out[i] = toTemplateSummary(t)
	}
	c.JSON(http.StatusOK, gin.H{"items": out})
}

// maxTemplateVersion bounds ?version=: no key has that many versions, and the
// number is stored as an integer every database holds.
const maxTemplateVersion = 1<<31 - 1

// getTemplate answers a template's latest version, or ?version=N, whole.
func (s *Server) getTemplate(c *gin.Context) {
	key, err := templateKey(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	version := 0
	if v, ok := c.GetQuery("version"); ok {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxTemplateVersion {
			s.fail(c, domain.Invalid(domain.FieldProblem{Field: "version", Problem: "must be a whole number from 1"}))
			return
		}
		version = n
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	t, err := s.records.Template(ctx, key, version)
	if errors.Is(err, domain.ErrNotFound) {
		what := "template " + key
		if version != 0 {
			what = fmt.Sprintf("template %s version %d", key, version)
		}
		s.fail(c, domain.NotFoundf("%s not found", what))
		return
	}
	if err != nil {
		s.fail(c, fmt.Errorf("load template %s: %w", key, err))
		return
	}
	body, err := toTemplateBody(t)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, body)
}

// templateKey reads the {key} path parameter. A key no template may have is
// not found without asking anyone.
func templateKey(c *gin.Context) (string, error) {
	key := c.Param("key")
	if !templates.ValidKey(key) {
		return "", domain.NotFoundf("template %s not found", key)
	}
	return key, nil
}

// Media types of a template sent as YAML; anything else is refused, and
// JSON (or no Content-Type) must be a JSON object.
var yamlMedia = []string{"application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml"}

// createTemplate publishes a version of a template (ApplyTemplate): 201 with
// it, or 200 with the latest version when the document is the same. An
// invalid template is a 422 listing every problem with its path; nothing is
// stored.
func (s *Server) createTemplate(c *gin.Context) {
	if err := domain.CheckManageTemplates(domain.ActorOf(caller(c))); err != nil {
		s.fail(c, err)
		return
	}
	doc, err := templateDocument(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	t, created, err := ApplyTemplate(ctx, s.records, doc, caller(c).Handle, s.now())
	if err != nil {
		s.fail(c, err)
		return
	}
	body, err := toTemplateBody(t)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Set(auditObjectKey, "template "+t.Key)
	status := http.StatusOK
	if created {
		status = http.StatusCreated
		c.Header("Location", "/api/v1/templates/"+url.PathEscape(t.Key)+"?version="+strconv.Itoa(t.Version))
		c.Set(auditNoteKey, fmt.Sprintf("version %d published", t.Version))
	} else {
		c.Set(auditNoteKey, fmt.Sprintf("version %d unchanged", t.Version))
	}
	c.JSON(status, body)
}

// templateDocument reads a template's body: at most templates.MaxDocumentBytes,
// JSON or YAML by its Content-Type.
func templateDocument(c *gin.Context) ([]byte, error) {
	yaml := false
	if ct := c.GetHeader("Content-Type"); ct != "" {
		media, _, err := mime.ParseMediaType(ct)
		switch {
		case err != nil:
			return nil, errBadRequest("", "the Content-Type header does not read: "+err.Error())
		case media == "application/json":
		case slices.Contains(yamlMedia, media):
			yaml = true
		default:
			return nil, &requestError{status: http.StatusUnsupportedMediaType, code: "unsupported_media_type",
				message: "a template is sent as application/json, or as YAML with Content-Type application/yaml"}
		}
	}
	raw, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, templates.MaxDocumentBytes))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return nil, &requestError{status: http.StatusRequestEntityTooLarge, code: "payload_too_large",
				message: fmt.Sprintf("a template is at most %d bytes", templates.MaxDocumentBytes)}
		}
		return nil, errBadRequest("", "the request body could not be read")
	}
	trimmed := bytes.TrimSpace(raw)
	switch {
	case len(trimmed) == 0:
		return nil, errBadRequest("", "a template is required: a JSON object, or YAML with Content-Type application/yaml")
	case !yaml && trimmed[0] != '{':
		// Parse would read it as YAML: a client that said JSON meant JSON.
		return nil, errBadRequest("", "the body is not a JSON object: send YAML with Content-Type application/yaml")
	}
	return raw, nil
}

// retireTemplate retires every version of a template: no run starts from it
// any more, while the runs started go on with their own copy. Retiring a
// retired template answers it as it is.
func (s *Server) retireTemplate(c *gin.Context) {
	// Named for the audit trail before any refusal: who tried to retire what.
	c.Set(auditObjectKey, "template "+c.Param("key"))
	if err := domain.CheckManageTemplates(domain.ActorOf(caller(c))); err != nil {
		s.fail(c, err)
		return
	}
	key, err := templateKey(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	t, err := s.records.RetireTemplate(ctx, key, caller(c).Handle, s.now())
	if err != nil {
		s.fail(c, recordErr(err, "template", key))
		return
	}
	c.JSON(http.StatusOK, toTemplateSummary(t))
}
