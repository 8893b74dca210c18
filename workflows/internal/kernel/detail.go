package kernel

import (
	"encoding/json"
	"math"
	"slices"

	"github.com/tandemhq/tandem/domain"
)

// TasksBudget is the most a detail answer's tasks may take as JSON. The detail
// is both the query's answer and the result of the updates that return it, and
// Temporal refuses either over its blob limit, 2 MiB by default: a query fails,
// and an update result that large terminates the run. Each task's data is
// capped at 16 KiB, but a process's tasks are not counted (a manager adds tasks,
// each revision, rework round or budget change opens more), so a long campaign
// could reach the limit through its tasks alone. The budget leaves the other
// half of the limit to the record itself.
const TasksBudget = 1 << 20

// Answer is what a detail answer says of a process's tasks: Tasks, as FitTasks
// fits them into TasksBudget, with the number Omitted; All is every task whole,
// for what the answer works out from them (whom the process waits on).
type Answer struct {
	All     []domain.Task
	Tasks   []domain.Task
	Omitted int
}

// Answer returns the tasks for a detail answer.
func (ts *Tasks) Answer() Answer {
	all := ts.List()
	tasks, omitted := FitTasks(all, TasksBudget)
	return Answer{All: all, Tasks: tasks, Omitted: omitted}
}

// FitTasks returns tasks as a detail answers them: all of them, whole, while
// their JSON fits budget bytes. Past it, the data of the oldest tasks (and the
// forms of the closed ones) is left out first, each marked data_omitted (the task itself, GET /tasks/{id}, still has
// it); then the oldest closed tasks, whose number it returns. Open tasks are
// always answered: they are what the process waits on. Data over the caps,
// which only a completion made before they existed holds, is left out whatever
// the budget: answering it is what once made such a detail unreadable. tasks is
// not changed. Answers only: nothing here reaches a command, so replay is
// unaffected.
func FitTasks(tasks []domain.Task, budget int) ([]domain.Task, int) {
	out := slices.Clone(tasks)
	sizes := make([]int, len(out))
	total := 0
	for i := range out {
		out[i].OmitUnfitData()
		sizes[i] = encodedSize(out[i])
		total += sizes[i]
	}
	for i := 0; i < len(out) && total > budget; i++ {
		if out[i].Data != nil || !out[i].IsOpen() && out[i].Form != nil {
			out[i].OmitData()
			size := encodedSize(out[i])
			total, sizes[i] = total-sizes[i]+size, size
		}
	}
	kept, omitted := out[:0], 0
	for i, t := range out {
		if total > budget && !t.IsOpen() {
			total -= sizes[i]
			omitted++
			continue
		}
		kept = append(kept, t)
	}
	return kept, omitted
}

// encodedSize is how many bytes t takes as JSON, as the data converter encodes it.
func encodedSize(t domain.Task) int {
	b, err := json.Marshal(t)
	if err != nil {
		// Only data can fail to encode, and such data is unfit and already left
		// out. Counting the task as over any budget keeps the answer safe anyway.
		return math.MaxInt32
	}
	return len(b)
}

// DecodeData reads a JSON value that arrived in a task's free-form data (a
// completion's Data, which the task's form has checked) into v.
func DecodeData(raw any, v any) error {
	b, err := json.Marshal(raw)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}
