package store

import (
	"encoding/base64"
	"encoding/json"
	"time"

	"gorm.io/gorm"

	"github.com/tandemhq/tandem/domain"
)

// cursor is the last key of a page. Lists page by keyset, never by offset: a page
// costs the same however deep it is, and rows written meanwhile neither repeat nor
// vanish between pages. Which fields are set depends on the list's order.
type cursor struct {
	At  time.Time `json:"t,omitzero"`   // created_at, for lists ordered by (created_at, id)
	ID  string    `json:"id,omitempty"` // id or handle
	Seq uint64    `json:"n,omitempty"`  // notification id
}

func (c cursor) encode() string {
	b, _ := json.Marshal(c) // a struct of a time, a string and a number always encodes
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s string) (cursor, error) {
	var c cursor
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil {
		err = json.Unmarshal(b, &c)
	}
	if err != nil {
		return cursor{}, badCursor()
	}
	return c, nil
}

func badCursor() error {
	return domain.Invalid(domain.FieldProblem{Field: "cursor", Problem: "not a cursor this list returned"})
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
	if o.Cursor != "" {
		c, err := decodeCursor(o.Cursor)
		if err != nil {
			return nil, err
		}
		if c.ID == "" {
			return nil, badCursor()
		}
		// A row-value comparison, so PostgreSQL uses it as an index condition on
		// (…, created_at, id); SQLite compares the same way.
		q = q.Where("(created_at, id) > (?, ?)", utc(c.At), c.ID)
	}
	return q.Order("created_at, id").Limit(limitOf(o) + 1), nil
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
