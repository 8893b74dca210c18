package contract

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// TestContractImportsOnlyDomain: the contract is what the API, the worker and
// the processes share, so it links nothing beyond the standard library and
// domain; the Temporal SDK and gRPC above all stay out (the search attribute
// keys, which are SDK values, are package workflows').
func TestContractImportsOnlyDomain(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	deps := strings.Fields(string(out))
	want := []string{"github.com/tandemhq/tandem/contract", "github.com/tandemhq/tandem/domain"}
	slices.Sort(deps)
	if !slices.Equal(deps, want) {
		t.Errorf("contract links %v, want %v", deps, want)
	}
}
