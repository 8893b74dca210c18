package api

import (
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/tandemhq/tandem/domain"
)

// maxTextProblems bounds the problems one body reports, so a large body of bad
// text answers with a short list, not one entry per string.
const maxTextProblems = 10

// textProblems checks every string a decoded request body holds, map keys and
// the free-form data of a task included, with domain.TextProblem, naming each by
// its JSON path (kpis[0].name, data.plan). decode runs it on every body, so no
// free-text field, today's or one added later, reaches a workflow or a database
// holding a control character: PostgreSQL refuses NUL (that was a 500) and SQLite
// would keep it.
func textProblems(v any) domain.Problems {
	var p domain.Problems
	walkText(reflect.ValueOf(v), "", &p)
	return p
}

func walkText(v reflect.Value, path string, p *domain.Problems) {
	if len(*p) >= maxTextProblems {
		return
	}
	switch v.Kind() {
	case reflect.String:
		domain.CheckCharacters(p, fieldName(path), v.String())
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			walkText(v.Elem(), path, p)
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			walkText(v.Index(i), path+"["+strconv.Itoa(i)+"]", p)
		}
	case reflect.Map:
		iter := v.MapRange()
		for iter.Next() {
			k := iter.Key()
			if k.Kind() != reflect.String {
				continue
			}
			if msg := domain.TextProblem(k.String()); msg != "" {
				p.Add(fieldName(path), "a key %s", msg)
				continue
			}
			walkText(iter.Value(), joinPath(path, k.String()), p)
		}
	case reflect.Struct:
		t := v.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			switch name {
			case "-":
				continue
			case "":
				name = f.Name
			}
			walkText(v.Field(i), joinPath(path, name), p)
		}
	}
}

func joinPath(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// fieldName is path as a field to name in a problem; the body itself is "body".
func fieldName(path string) string {
	if path == "" {
		return "body"
	}
	return path
}

// checkURL refuses a request whose path or query holds a control character or
// bytes that are not UTF-8. Path parameters (handles) and query filters (owner,
// assignee, process_id) reach the database as they are, and PostgreSQL refused
// such text with an error of its own (a 500). No ID, handle or filter value
// holds either, so the path answers 404 and the query 422 naming the parameter.
func (s *Server) checkURL(c *gin.Context) {
	if !plainText(c.Request.URL.Path) {
		s.fail(c, &requestError{status: http.StatusNotFound, code: domain.CodeNotFound, message: "no such resource"})
		return
	}
	for name, values := range c.Request.URL.Query() {
		bad := !plainText(name)
		for _, v := range values {
			bad = bad || !plainText(v)
		}
		if bad {
			field := name
			if !plainText(name) {
				field = "query" // a parameter's name is given back only when it is plain
			}
			s.fail(c, domain.Invalid(domain.FieldProblem{Field: field, Problem: "must be UTF-8 text without control characters"}))
			return
		}
	}
	c.Next()
}

// plainText reports whether s is UTF-8 without any control character.
func plainText(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsFunc(s, unicode.IsControl)
}
