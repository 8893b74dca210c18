package main

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/domain"
)

func TestAuditVerify(t *testing.T) {
	ctx := context.Background()
	db, st := tokenDB(t)

	out, err := tandem("audit", "verify", "--db", db)
	if err != nil || out != "audit trail intact: 0 entries\n" {
		t.Fatalf("empty trail: %q, %v", out, err)
	}
	at := time.Date(2030, 1, 7, 9, 0, 0, 0, time.UTC)
	for i, actor := range []string{"pat", "sam", "pat"} {
		if err := st.AppendAudit(ctx, domain.AuditEntry{
			At: at.Add(time.Duration(i) * time.Minute), Actor: actor, Action: "POST /api/v1/tasks/:id/complete",
			Object: "tsk_000000000001", Outcome: domain.AuditAllowed, Status: 200, RequestID: "r", ClientIP: "192.0.2.1",
		}); err != nil {
			t.Fatal(err)
		}
	}
	out, err = tandem("audit", "verify", "--db", db)
	if err != nil || out != "audit trail intact: 3 entries\n" {
		t.Fatalf("untouched trail: %q, %v", out, err)
	}

	// Edit one entry in SQL, past Tandem, as someone with the database's credentials could.
	raw, err := sql.Open("sqlite", db)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.ExecContext(ctx, "UPDATE audit_log SET actor = 'mallory' WHERE seq = 2"); err != nil {
		t.Fatal(err)
	}
	out, err = tandem("audit", "verify", "--db", db)
	if !errors.Is(err, errAuditBroken) {
		t.Errorf("edited trail: error %v, want %v (exit 1)", err, errAuditBroken)
	}
	if !strings.HasPrefix(out, "audit trail broken at entry 2 (2030-01-07T09:01:00Z, POST /api/v1/tasks/:id/complete by mallory)") {
		t.Errorf("edited trail printed %q", out)
	}
}

func TestAuditVerifyRefusesBadInvocations(t *testing.T) {
	db, _ := tokenDB(t)
	wantRefused(t, "no subcommand", "tandem audit verify", "audit")
	wantRefused(t, "unknown subcommand", "tandem audit verify", "audit", "fix", "--db", db)
	wantRefused(t, "extra argument", `unexpected argument "now"`, "audit", "verify", "now", "--db", db)
	wantRefused(t, "missing database", "no database at", "audit", "verify", "--db", filepath.Join(t.TempDir(), "none.db"))
}
