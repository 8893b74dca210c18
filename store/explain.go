package store

import (
	"context"
	"errors"
	"time"

	"github.com/tandemhq/tandem/domain"
)

// The bench (`tandem bench`, its inbox part) checks the plans of the
// calendar's, the capacity's and the workload's queries at scale on
// PostgreSQL. These run EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) of the very
// statement Calendar, Capacity and Workload send, built by the same functions, with the same arguments, on the
// same connections: a copy of the SQL in the bench could drift from it.

// ExplainCalendar answers the plan of Calendar's query for f, as JSON.
func (st *Store) ExplainCalendar(ctx context.Context, f domain.CalendarFilter) (string, error) {
	q, args := calendarQuery(st.reads.Dialector.Name() == "postgres", f)
	return st.explain(ctx, q, args)
}

// ExplainCapacity answers the plan of Capacity's query as of now, as JSON.
func (st *Store) ExplainCapacity(ctx context.Context, now time.Time) (string, error) {
	q, args := capacityQuery(domain.WeekStarts(utc(now)))
	return st.explain(ctx, q, args)
}

// ExplainWorkload answers the plan of Workload's query as of now, with
// tasks due within dueSoon due soon, as JSON.
func (st *Store) ExplainWorkload(ctx context.Context, now time.Time, dueSoon time.Duration) (string, error) {
	return st.explain(ctx, workloadQuery, workloadArgs(utc(now), dueSoon))
}

func (st *Store) explain(ctx context.Context, q string, args []any) (string, error) {
	if st.reads.Dialector.Name() != "postgres" {
		return "", errors.New("explain: PostgreSQL only")
	}
	var raw string
	if err := st.reads.WithContext(ctx).Raw("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) "+q, args...).Row().Scan(&raw); err != nil {
		return "", wrap(err, "explain")
	}
	return raw, nil
}
