package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"
)

const auditUsage = `usage:
  tandem audit verify [--db DSN]   check the audit trail's hash chain`

// errAuditBroken is the verify command's failure once it has said where the chain
// breaks: main exits 1 on it.
var errAuditBroken = errors.New("the audit trail does not verify")

// runAudit checks the audit trail directly in the database, for an operator or a
// scheduled job: exit 0 when the chain holds, 1 with the first bad entry named.
func runAudit(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) == 0 || args[0] != "verify" {
		return errors.New(auditUsage)
	}
	f := newFlags("audit verify")
	db := dbFlag(f)
	pos, err := parseInterspersed(f, args[1:])
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return fmt.Errorf("unexpected argument %q\n%s", pos[0], auditUsage)
	}
	st, err := openExisting(ctx, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	checked, bad, err := st.VerifyAudit(ctx)
	if err != nil {
		return fmt.Errorf("verify the audit trail: %w", err)
	}
	if bad != nil {
		e := bad.Entry
		actor := e.Actor
		if actor == "" {
			actor = "(unauthenticated)"
		}
		if _, err := fmt.Fprintf(stdout, "audit trail broken at entry %d (%s, %s by %s): %s; the %d entries before it are intact\n",
			e.Seq, e.At.Format(time.RFC3339), e.Action, actor, bad.Problem, checked); err != nil {
			return err
		}
		return errAuditBroken
	}
	_, err = fmt.Fprintf(stdout, "audit trail intact: %d entries\n", checked)
	return err
}
