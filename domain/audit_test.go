package domain

import (
	"strings"
	"testing"
	"time"
)

func auditChain(n int) []AuditEntry {
	var out []AuditEntry
	var prev *AuditEntry
	for i := range n {
		e := AuditEntry{
			At:    time.Date(2030, 1, 7, 9, 0, i, 123456789, time.FixedZone("CET", 3600)),
			Actor: "cara", Action: "POST /api/v1/tasks/:id/complete", Object: "tsk_000000000001",
			Outcome: AuditAllowed, Status: 200, RequestID: "req", ClientIP: "192.0.2.1",
		}.Chained(prev)
		out = append(out, e)
		prev = &out[len(out)-1]
	}
	return out
}

func TestAuditChained(t *testing.T) {
	c := auditChain(3)
	if c[0].Seq != 1 || c[0].PrevHash != AuditGenesis || c[1].Seq != 2 || c[1].PrevHash != c[0].Hash || c[2].PrevHash != c[1].Hash {
		t.Fatalf("chain not linked: %+v", c)
	}
	if c[0].At.Location() != time.UTC || c[0].At.Nanosecond() != 123456000 {
		t.Errorf("At = %v, want UTC to the microsecond", c[0].At)
	}
	if len(c[0].Hash) != 64 || c[0].Hash == c[1].Hash {
		t.Errorf("hashes %q, %q", c[0].Hash, c[1].Hash)
	}
	for i := range c {
		var prev *AuditEntry
		if i > 0 {
			prev = &c[i-1]
		}
		if err := CheckAuditLink(prev, c[i]); err != nil {
			t.Errorf("entry %d: %v", c[i].Seq, err)
		}
	}
}

// Every field is covered by the hash, and the encoding is unambiguous: moving a
// character from one field to the next changes the hash.
func TestAuditHashCoversEveryField(t *testing.T) {
	base := auditChain(1)[0]
	edits := map[string]func(e *AuditEntry){
		"seq":          func(e *AuditEntry) { e.Seq++ },
		"at":           func(e *AuditEntry) { e.At = e.At.Add(time.Microsecond) },
		"actor":        func(e *AuditEntry) { e.Actor = "mallory" },
		"on_behalf_of": func(e *AuditEntry) { e.OnBehalfOf = "mo" },
		"action":       func(e *AuditEntry) { e.Action = "POST /api/v1/tasks/:id/reassign" },
		"object":       func(e *AuditEntry) { e.Object = "tsk_000000000002" },
		"outcome":      func(e *AuditEntry) { e.Outcome = AuditDenied },
		"status":       func(e *AuditEntry) { e.Status = 403 },
		"reason":       func(e *AuditEntry) { e.Reason = "x" },
		"request_id":   func(e *AuditEntry) { e.RequestID = "other" },
		"client_ip":    func(e *AuditEntry) { e.ClientIP = "192.0.2.2" },
		"prev_hash":    func(e *AuditEntry) { e.PrevHash = strings.Repeat("1", 64) },
		"shifted":      func(e *AuditEntry) { e.Actor, e.OnBehalfOf = "car", "a" },
	}
	for name, edit := range edits {
		e := base
		edit(&e)
		if e.ComputeHash() == base.Hash {
			t.Errorf("editing %s leaves the hash unchanged", name)
		}
	}
	if base.ComputeHash() != base.Hash {
		t.Error("the hash is not deterministic")
	}
}

func TestCheckAuditLinkNamesTheProblem(t *testing.T) {
	c := auditChain(3)
	edited := c[1]
	edited.Actor = "mallory"
	resealed := edited
	resealed.Hash = resealed.ComputeHash()
	cases := []struct {
		name string
		prev *AuditEntry
		e    AuditEntry
		want string
	}{
		{"first not from genesis", nil, c[1], "entry 2 stands where entry 1 belongs"},
		{"gap", &c[0], c[2], "entry 3 stands where entry 2 belongs"},
		{"edited", &c[0], edited, "entry 2 does not match its hash"},
		{"edited and resealed breaks the next link", &resealed, c[2], "entry 3 does not link"},
	}
	for _, tc := range cases {
		err := CheckAuditLink(tc.prev, tc.e)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
}
