package store

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/tandemhq/tandem/store/storetest"
)

// Each hand-written INSERT is the statement GORM's Create made of its model, with
// the same conflict clause, and passes the same values in the same order: a column
// added to a model without its writer, or two values swapped, fails here. Every
// field of the row is set and no two alike, so a value in the wrong place shows.
func TestRawInsertsFollowTheModels(t *testing.T) {
	st := openStore(t, storetest.SQLiteDSN(t))
	dry := st.db.Session(&gorm.Session{DryRun: true})
	doNothing := func(cols ...string) clause.OnConflict {
		c := clause.OnConflict{DoNothing: true}
		for _, n := range cols {
			c.Columns = append(c.Columns, clause.Column{Name: n})
		}
		return c
	}
	taskUpdates := slices.DeleteFunc(slices.Clone(taskColumns), func(c string) bool { return slices.Contains(taskIdentity, c) })
	t.Run("campaigns", func(t *testing.T) { checkInsert(t, dry, upsertByID, insertCampaign) })
	t.Run("tasks", func(t *testing.T) {
		checkInsert(t, dry, clause.OnConflict{Columns: []clause.Column{{Name: "id"}}, DoUpdates: clause.AssignmentColumns(taskUpdates)}, insertTask)
	})
	t.Run("events", func(t *testing.T) { checkInsert(t, dry, doNothing("event_key"), insertEvent) })
	t.Run("notifications", func(t *testing.T) {
		checkInsert(t, dry, doNothing("notification_key", "recipient"), insertNotification)
	})
	t.Run("audit", func(t *testing.T) { checkInsert(t, dry, nil, insertAudit) })
}

// checkInsert compares in's statement of one row and two, and its values, with
// what GORM's dry run dry makes of Create with conflict (nil: none).
func checkInsert[R any](t *testing.T, dry *gorm.DB, conflict clause.Expression, in *insert[R]) {
	rows := []R{distinctRow[R](0), distinctRow[R](100)}
	for n := 1; n <= 2; n++ {
		db := dry
		if conflict != nil {
			db = dry.Clauses(conflict)
		}
		stmt := db.Create(rows[:n]).Statement
		// GORM quotes with backticks on SQLite, and asks the IDs back.
		want, _, _ := strings.Cut(strings.ReplaceAll(stmt.SQL.String(), "`", `"`), " RETURNING ")
		if got := in.text(false, n); got != want {
			t.Errorf("%d rows:\n got %s\nwant %s", n, got, want)
		}
		var args []any
		for i := range rows[:n] {
			args = in.values(args, &rows[i])
		}
		equal(t, fmt.Sprintf("values of %d rows", n), args, stmt.Vars)
	}
	pg := in.text(true, 2)
	if strings.Contains(pg, "?") || !strings.Contains(pg, fmt.Sprintf("$%d)", 2*len(in.columns))) {
		t.Errorf("PostgreSQL's statement of 2 rows is not numbered 1 to %d: %s", 2*len(in.columns), pg)
	}
}

// distinctRow is an R whose every field is set, to a value no other field of it
// has (from seed on): strings, numbers, times and pointers to them. A JSON column
// keeps its zero value, its type telling it from the others; an ID the database
// numbers is left zero, as a write leaves it.
func distinctRow[R any](seed int) R {
	var r R
	v := reflect.ValueOf(&r).Elem()
	for i := range v.NumField() {
		f := v.Field(i)
		if tag := v.Type().Field(i).Tag.Get("gorm"); strings.Contains(tag, "autoIncrement") && !strings.Contains(tag, "autoIncrement:false") {
			continue // the database numbers it
		}
		n := seed + i + 1
		var x reflect.Value
		typ := f.Type()
		if typ.Kind() == reflect.Pointer {
			typ = typ.Elem()
		}
		switch {
		case typ == reflect.TypeFor[time.Time]():
			x = reflect.ValueOf(t0.Add(time.Duration(n) * time.Second))
		case typ.Kind() == reflect.String:
			x = reflect.ValueOf(fmt.Sprintf("%s-%d", v.Type().Field(i).Name, n)).Convert(typ)
		case typ.Kind() >= reflect.Int && typ.Kind() <= reflect.Float64:
			x = reflect.ValueOf(n).Convert(typ)
		default:
			continue
		}
		if f.Kind() == reflect.Pointer {
			p := reflect.New(typ)
			p.Elem().Set(x)
			x = p
		}
		f.Set(x)
	}
	return r
}
