package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/tandemhq/tandem/domain"
)

// client calls API v1 in process, as the signed-in person.
type client struct{ h http.Handler }

// apiError is a refusal the API answered, in the contract's error shape.
type apiError struct {
	Status  int
	Code    string                `json:"code"`
	Message string                `json:"message"`
	Details []domain.FieldProblem `json:"details"`
}

func (e *apiError) Error() string { return fmt.Sprintf("%d %s: %s", e.Status, e.Code, e.Message) }

// field is the problem the API found with one field, or "".
func (e *apiError) field(name string) string {
	var msgs []string
	for _, d := range e.Details {
		if d.Field == name {
			msgs = append(msgs, d.Problem)
		}
	}
	return strings.Join(msgs, "; ")
}

// pending is a command the API admitted (202) that no worker has processed
// yet: neither done nor refused. Its outcome is read at the API's status URL,
// GET /api/v1/commands/{ID}.
type pending struct {
	ID  string `json:"id"`
	URL string `json:"url"`
}

func (p *pending) Error() string { return "command " + p.ID + " is admitted and not yet processed" }

// asPending unwraps a command admitted and not processed from err.
func asPending(err error) (*pending, bool) {
	var p *pending
	ok := errors.As(err, &p)
	return p, ok
}

// asAPIError unwraps the API's refusal from err, if it is one.
func asAPIError(err error) (*apiError, bool) {
	var ae *apiError
	ok := errors.As(err, &ae)
	return ae, ok
}

// sessionAuth is the Authorization value of the calls the board makes for a
// signed-in person: their session, never their token.
func sessionAuth(id string) string { return "Session " + id }

// call sends one request to the API on behalf of the browser request r, with
// auth as its Authorization header (none when empty), and decodes a 2xx answer
// into out (when out is not nil). A 202, a command admitted and not yet
// processed, is the error *pending. The API sees the browser's address, so its
// audit trail and rate limits treat the page like any other client of the same
// person: a sign-in page cannot be used to guess tokens faster than the API
// itself allows.
func (c client) call(r *http.Request, auth, method, path string, query url.Values, body, out any) error {
	return c.callWith(r, auth, method, path, query, nil, body, out)
}

// callWith is call with extra request headers, such as a create's
// Idempotency-Key. They cannot replace the headers call sets itself.
func (c client) callWith(r *http.Request, auth, method, path string, query url.Values, header http.Header, body, out any) error {
	w, err := c.send(r, auth, method, path, query, header, body)
	if err != nil {
		return err
	}
	return w.answer(method, path, out)
}

// send sends one request to the API as call does and answers what the API
// wrote, whatever its status.
func (c client) send(r *http.Request, auth, method, path string, query url.Values, header http.Header, body any) (*capture, error) {
	target := "/api/v1" + path
	if len(query) > 0 {
		target += "?" + query.Encode()
	}
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, fmt.Errorf("encode %s %s: %w", method, path, err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(r.Context(), method, target, rd)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	for k, vs := range header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	// The API sees the browser's address, and the proxy headers that may name it:
	// the API believes them only when the peer is a proxy it was told to trust,
	// as it would for a request that came to it directly.
	req.RemoteAddr = r.RemoteAddr
	for _, h := range []string{"X-Forwarded-For", "X-Real-IP"} {
		for _, v := range r.Header.Values(h) {
			req.Header.Add(h, v)
		}
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	} else {
		req.Header.Del("Authorization")
	}
	req.Header.Set("User-Agent", "tandem-web")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	w := &capture{}
	c.h.ServeHTTP(w, req)
	return w, nil
}

// answer is the API's answer w to method path: a refusal as *apiError, a
// command admitted and not processed as *pending, else out decoded (when
// out is not nil).
func (w *capture) answer(method, path string, out any) error {
	if w.status >= 300 {
		e := struct {
			Error apiError `json:"error"`
		}{}
		if err := json.Unmarshal(w.body.Bytes(), &e); err != nil || e.Error.Code == "" {
			e.Error = apiError{Code: "internal", Message: http.StatusText(w.status)}
		}
		e.Error.Status = w.status
		return &e.Error
	}
	if w.status == http.StatusAccepted {
		// Not an outcome: no caller may take it for done.
		p := &pending{}
		if err := json.Unmarshal(w.body.Bytes(), p); err != nil || p.ID == "" {
			return fmt.Errorf("%s %s: a 202 without its command: %q", method, path, w.body.Bytes())
		}
		return p
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(w.body.Bytes(), out); err != nil {
		return fmt.Errorf("decode %s %s: %w", method, path, err)
	}
	return nil
}

// capture is the http.ResponseWriter an in-process API call writes into.
type capture struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (w *capture) Header() http.Header {
	if w.header == nil {
		w.header = http.Header{}
	}
	return w.header
}

func (w *capture) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
}

func (w *capture) Write(b []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	return w.body.Write(b)
}

// list reads up to max items of an API list, following its cursors. more reports
// that the list holds more than max.
func list[T any](c client, r *http.Request, auth, path string, query url.Values, max int) (items []T, more bool, err error) {
	q := url.Values{}
	for k, v := range query {
		q[k] = v
	}
	q.Set("limit", "200")
	for {
		var p struct {
			Items      []T    `json:"items"`
			NextCursor string `json:"next_cursor"`
		}
		if err := c.call(r, auth, http.MethodGet, path, q, nil, &p); err != nil {
			return nil, false, err
		}
		items = append(items, p.Items...)
		if p.NextCursor == "" {
			return items, false, nil
		}
		if len(items) >= max {
			return items[:max], true, nil
		}
		q.Set("cursor", p.NextCursor)
	}
}
