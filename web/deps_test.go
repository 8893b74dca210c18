package web

import (
	"os/exec"
	"strings"
	"testing"
)

// TestWebLinksNoTemporal: the board is a client of the API over HTTP. It
// links no Temporal SDK and no gRPC, and neither the workflows' contract nor
// the workflows, so it reaches Temporal only through the API's answers and a
// change on Temporal's side cannot reach into the pages' build.
func TestWebLinksNoTemporal(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	deps := strings.Fields(string(out))
	if len(deps) == 0 {
		t.Fatal("go list -deps listed nothing")
	}
	for _, dep := range deps {
		for _, banned := range []string{
			"go.temporal.io/", "google.golang.org/grpc",
			"github.com/tandemhq/tandem/contract", "github.com/tandemhq/tandem/workflows",
		} {
			if strings.HasPrefix(dep, banned) {
				t.Errorf("web links %s", dep)
			}
		}
	}
}
