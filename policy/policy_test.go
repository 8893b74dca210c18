package policy

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/domain"
)

func TestDefaultRoundTrips(t *testing.T) {
	out := Default()
	if !strings.Contains(string(out), "brief_review_sla: 48h\n") {
		t.Errorf("durations should print as Go duration strings:\n%s", out)
	}
	p, err := Parse(out)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(p, domain.DefaultPolicy()) {
		t.Errorf("the printed default policy reads back differently:\n%+v", p)
	}
}

func TestLoadOverridesOnlyWhatTheFileSays(t *testing.T) {
	path := filepath.Join(t.TempDir(), "policy.yaml")
	if err := os.WriteFile(path, []byte("campaign:\n  brief_review_sla: 30s\n  kpi_miss_threshold: 0.5\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	p, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if p.Campaign.BriefReviewSLA.D() != 30*time.Second || p.Campaign.KPIMissThreshold != 0.5 {
		t.Errorf("overrides not applied: %+v", p.Campaign)
	}
	if p.Campaign.LaunchSlip != domain.DefaultPolicy().Campaign.LaunchSlip || len(p.Campaign.Deliverables) != 5 {
		t.Errorf("defaults lost: %+v", p.Campaign)
	}
}

func TestLoadRefusesMistakes(t *testing.T) {
	for name, doc := range map[string]string{
		"typo":         "campaign:\n  brief_reveiw_sla: 1h\n",
		"bad duration": "campaign:\n  sign_off_sla: tomorrow\n",
		"zero SLA":     "campaign:\n  sign_off_sla: 0s\n",
		"bad team":     "campaign:\n  deliverables:\n    - {key: x, title: X, team: marketing, role: web, channels: [web], due_before_launch: 1h}\n",
	} {
		if _, err := Parse([]byte(doc)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := Load(filepath.Join(t.TempDir(), "missing.yaml")); err == nil {
		t.Error("a missing file was accepted")
	}
	if p, err := Load(""); err != nil || !reflect.DeepEqual(p, domain.DefaultPolicy()) {
		t.Errorf("no path: %v", err)
	}
}

func TestExamplePoliciesLoad(t *testing.T) {
	paths, _ := filepath.Glob("../examples/*.yaml")
	if len(paths) == 0 {
		t.Fatal("no example policies found")
	}
	for _, p := range paths {
		if _, err := Load(p); err != nil {
			t.Errorf("%s: %v", p, err)
		}
	}
}
