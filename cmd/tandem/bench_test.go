package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tandemhq/tandem/bench"
)

// The smoke mode CI runs: the whole bench, end to end, with tiny numbers. It
// checks that every operation was measured at every level, never how fast.
func TestBenchSmokeMeasuresEveryOperationAtEveryLevel(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Temporal")
	}
	path := filepath.Join(t.TempDir(), "bench.json")
	var out bytes.Buffer
	if err := run(context.Background(), []string{"bench", "--smoke", "--out", path}, &out); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var rep bench.Report
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatalf("%v in %s", err, b)
	}
	measured := map[string]map[int]int{}
	for _, r := range rep.Results {
		if measured[r.Operation] == nil {
			measured[r.Operation] = map[int]int{}
		}
		measured[r.Operation][r.Concurrency] = r.Ops
	}
	for _, op := range bench.Operations {
		for _, level := range []int{1, 2} {
			if measured[op][level] != 5 {
				t.Errorf("%s at concurrency %d: %d operations, want 5", op, level, measured[op][level])
			}
		}
	}
	if len(rep.Results) != len(bench.Operations)*2 {
		t.Errorf("%d results, want %d", len(rep.Results), len(bench.Operations)*2)
	}
	for _, want := range []string{bench.OpCompleteTask, "not a separate tandem dev", path} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the printed table lacks %q:\n%s", want, out.String())
		}
	}
}
