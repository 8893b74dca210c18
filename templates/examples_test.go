package templates

import (
	"os"
	"path/filepath"
	"testing"
)

// exampleFiles are the templates in examples/templates.
func exampleFiles(t *testing.T) map[string][]byte {
	t.Helper()
	paths, err := filepath.Glob("../examples/templates/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) < 3 {
		t.Fatalf("found %d examples, want webinar, content-request and trade-show at least", len(paths))
	}
	out := map[string][]byte{}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		out[filepath.Base(p)] = b
	}
	return out
}

func TestTheExamplesAreValid(t *testing.T) {
	for name, doc := range exampleFiles(t) {
		tpl, err := Parse(doc)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		t.Logf("%s: %s version %d, %d stages", name, tpl.Key, tpl.Version, len(tpl.Stages))
	}
}
