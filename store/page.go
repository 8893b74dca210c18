package store

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"math"
	"strings"
	"time"
	"unicode"

	"gorm.io/gorm"

	"github.com/tandemhq/tandem/domain"
)

// cursor is the last key of a page. Lists page by keyset, never by offset: a page
// costs the same however deep it is, and rows written meanwhile neither repeat nor
// vanish between pages. Which fields are set depends on the list's order.
type cursor struct {
	At  time.Time `json:"t,omitzero"`   // created_at, for lists ordered by (created_at, id); due_at by (due_at, id)
	ID  string    `json:"id,omitempty"` // id or handle
	Seq uint64    `json:"n,omitempty"`  // notification id
}

// cursorOrder is the order a list pages in, which says which cursor fields it
// sets: exactly those, no others.
type cursorOrder int

const (
	byCreated cursorOrder = iota // At and ID
	byHandle                     // ID
	bySeq                        // Seq
	byDue                        // ID, and At unless the task has no due time
)

const (
	// maxCursor bounds the cursor text; the lists' own are under 100 characters.
	maxCursor = 512
	// maxCursorID bounds a cursor's ID: IDs and handles are far shorter.
	maxCursorID = 128
)

func (c cursor) encode() string {
	b, _ := json.Marshal(c) // a struct of a time, a string and a number always encodes
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodeCursor reads a cursor the client sent back for a list in order. The
// client may have made it up, so each field is checked against what the list
// could have written before any reaches the database, which refuses some values
// with an error of its own (a number over int64, a NUL in text on PostgreSQL):
// anything else is domain.ErrBadCursor.
func decodeCursor(s string, order cursorOrder) (cursor, error) {
	var c cursor
	if len(s) > maxCursor {
		return c, domain.ErrBadCursor
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return c, domain.ErrBadCursor
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return cursor{}, domain.ErrBadCursor
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return cursor{}, domain.ErrBadCursor
	}
	hasAt, hasID, hasSeq := !c.At.IsZero(), c.ID != "", c.Seq != 0
	switch {
	case order == byCreated && !(hasAt && hasID && !hasSeq),
		order == byHandle && !(hasID && !hasAt && !hasSeq),
		order == bySeq && !(hasSeq && !hasAt && !hasID),
		order == byDue && !(hasID && !hasSeq),
		c.Seq > math.MaxInt64,
		len(c.ID) > maxCursorID || strings.ContainsFunc(c.ID, unicode.IsControl),
		hasAt && (c.At.UTC().Year() < 1 || c.At.UTC().Year() > 9999):
		return cursor{}, domain.ErrBadCursor
	}
	return c, nil
}

// limitOf applies the contract's default and maximum page size.
func limitOf(o domain.ListOptions) int {
	switch {
	case o.Limit <= 0:
		return domain.DefaultLimit
	case o.Limit > domain.MaxLimit:
		return domain.MaxLimit
	}
	return o.Limit
}

// afterCreated pages a query ordered by (created_at, id): the rows after the cursor,
// in order, one more than the limit so the caller knows whether a page follows.
func afterCreated(q *gorm.DB, o domain.ListOptions) (*gorm.DB, error) {
	q, err := afterCursor(q, o)
	if err != nil {
		return nil, err
	}
	return q.Limit(limitOf(o) + 1), nil
}

// afterCursor is afterCreated without the limit: the rows after the cursor, in
// order, oldest first or, with o.Newest, newest first (the same index, read
// backwards).
func afterCursor(q *gorm.DB, o domain.ListOptions) (*gorm.DB, error) {
	after, order := ">", "created_at, id"
	if o.Newest {
		after, order = "<", "created_at DESC, id DESC"
	}
	if o.Cursor != "" {
		c, err := decodeCursor(o.Cursor, byCreated)
		if err != nil {
			return nil, err
		}
		// A row-value comparison, so PostgreSQL uses it as an index condition on
		// (…, created_at, id); SQLite compares the same way.
		q = q.Where("(created_at, id) "+after+" (?, ?)", utc(c.At), c.ID)
	}
	return q.Order(order), nil
}

// MaxSearchScan bounds what one page of a search by name reads: at most this
// many records of the list, in its order, from the cursor on. A page may so
// hold fewer matches than its limit, even none, and still have a next page:
// the search goes on from where the page stopped reading.
const MaxSearchScan = 1000

// searched is what a search reads of each record: its place in the list and
// its name.
type searched struct {
	ID        string
	CreatedAt time.Time
	Name      string
}

// searchByName pages q (a list's query, with its filters) for the records whose
// name holds text, case-insensitively, reading at most MaxSearchScan of them
// from the cursor on: one range of the list's index, and two columns of each
// row. Names are compared in Go, so both databases fold case alike. It answers
// the IDs of the page's matches, in order, and the next page's cursor.
func searchByName(q *gorm.DB, o domain.ListOptions, text string) ([]string, string, error) {
	q, err := afterCursor(q, o)
	if err != nil {
		return nil, "", err
	}
	var rows []searched
	if err := q.Select("id, created_at, name").Limit(MaxSearchScan).Scan(&rows).Error; err != nil {
		return nil, "", err
	}
	needle, limit := strings.ToLower(text), limitOf(o)
	var ids []string
	var kept searched
	for _, r := range rows {
		if !strings.Contains(strings.ToLower(r.Name), needle) {
			continue
		}
		if len(ids) == limit { // a match past the page: the next one starts after the last kept
			return ids, cursor{At: kept.CreatedAt, ID: kept.ID}.encode(), nil
		}
		ids, kept = append(ids, r.ID), r
	}
	if len(rows) == MaxSearchScan {
		last := rows[len(rows)-1]
		return ids, cursor{At: last.CreatedAt, ID: last.ID}.encode(), nil
	}
	return ids, "", nil
}

// searchPage reads the rows of a search's matches (one indexed lookup by ID)
// into a page, in the list's order.
func searchPage[R, T any](db *gorm.DB, o domain.ListOptions, ids []string, next string, conv func(R) T) (domain.Page[T], error) {
	p := domain.Page[T]{Items: make([]T, 0, len(ids)), NextCursor: next}
	if len(ids) == 0 {
		return p, nil
	}
	order := "created_at, id"
	if o.Newest {
		order = "created_at DESC, id DESC"
	}
	var rows []R
	if err := db.Where("id IN ?", ids).Order(order).Find(&rows).Error; err != nil {
		return p, err
	}
	for _, r := range rows {
		p.Items = append(p.Items, conv(r))
	}
	return p, nil
}

// pageOf cuts the limit+1 rows a paged query returned into a page, converting each
// row and making the cursor from the last row kept.
func pageOf[R, T any](rows []R, o domain.ListOptions, conv func(R) T, key func(R) cursor) domain.Page[T] {
	limit := limitOf(o)
	p := domain.Page[T]{Items: make([]T, 0, min(len(rows), limit))}
	if len(rows) > limit {
		rows = rows[:limit]
		p.NextCursor = key(rows[len(rows)-1]).encode()
	}
	for _, r := range rows {
		p.Items = append(p.Items, conv(r))
	}
	return p
}
