package store

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/tandemhq/tandem/domain"
	"github.com/tandemhq/tandem/store/storetest"
)

// The bench's plans are of the statements Calendar and Capacity send: on
// PostgreSQL, EXPLAIN's JSON of a query over the tables those read; SQLite
// has no such plan and says so.
func TestExplainTheCalendarAndCapacityQueries(t *testing.T) {
	st := openStore(t, storetest.PostgresDSN(t))
	month := t0.AddDate(0, 0, -t0.Day()+1)
	for name, explain := range map[string]func() (string, error){
		"calendar": func() (string, error) {
			return st.ExplainCalendar(t.Context(), domain.CalendarFilter{From: month, To: month.AddDate(0, 1, 0)})
		},
		"a person's calendar": func() (string, error) {
			return st.ExplainCalendar(t.Context(), domain.CalendarFilter{From: month, To: month.AddDate(0, 1, 0), Person: "cole"})
		},
		"capacity": func() (string, error) { return st.ExplainCapacity(t.Context(), t0) },
		"workload": func() (string, error) { return st.ExplainWorkload(t.Context(), t0, domain.DefaultDueSoon) },
	} {
		raw, err := explain()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var plans []struct {
			Plan          map[string]any `json:"Plan"`
			ExecutionTime float64        `json:"Execution Time"`
		}
		if err := json.Unmarshal([]byte(raw), &plans); err != nil || len(plans) != 1 || plans[0].Plan["Node Type"] == nil {
			t.Errorf("%s: not one plan (%v): %.300s", name, err, raw)
		}
		if want := map[string]string{"calendar": "campaigns", "a person's calendar": "campaigns", "capacity": "tasks", "workload": "tasks"}[name]; !strings.Contains(raw, `"Relation Name": "`+want+`"`) {
			t.Errorf("%s: the plan reads no %s: %.300s", name, want, raw)
		}
	}
	lite := openStore(t, storetest.SQLiteDSN(t))
	if _, err := lite.ExplainCapacity(t.Context(), t0); err == nil {
		t.Error("SQLite answered a plan")
	}
}
