package domain

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"time"
)

// AuditOutcome is what became of a command.
type AuditOutcome string

const (
	// AuditAllowed means the command was accepted (a 2xx answer).
	AuditAllowed AuditOutcome = "allowed"
	// AuditDenied means the command was refused for the caller or the input (a 4xx
	// answer), so nothing changed.
	AuditDenied AuditOutcome = "denied"
	// AuditFailed means the server could not complete the command (a 5xx answer); it may
	// or may not have taken effect downstream.
	AuditFailed AuditOutcome = "failed"
)

// AuditGenesis is the PrevHash of the first entry: a fixed value, so the chain has
// a known start and the first entry cannot be swapped for another unnoticed.
const AuditGenesis = "0000000000000000000000000000000000000000000000000000000000000000"

// AuditEntry is one command in the audit trail, allowed or not. Entries form a hash
// chain: each carries the hash of the one before it, so editing, removing or
// reordering any entry breaks every link after it.
type AuditEntry struct {
	Seq        int64        `json:"seq"` // 1, 2, 3, … with no gap
	At         time.Time    `json:"at"`  // stored and hashed to the microsecond
	Actor      string       `json:"actor"`
	OnBehalfOf string       `json:"on_behalf_of,omitempty"`
	Action     string       `json:"action"` // "POST /api/v1/tasks/:id/complete"
	Object     string       `json:"object,omitempty"`
	Outcome    AuditOutcome `json:"outcome"`
	Status     int          `json:"status"`
	Reason     string       `json:"reason,omitempty"` // the public refusal message; for a sign-in allowed, how it was made
	RequestID  string       `json:"request_id"`
	ClientIP   string       `json:"client_ip"`
	PrevHash   string       `json:"prev_hash"`
	Hash       string       `json:"hash"`
}

// auditHashVersion starts every hashed encoding, so a future change of the field
// set can be told apart from tampering.
const auditHashVersion = "tandem-audit-v1"

// ComputeHash is the entry's hash: hex SHA-256 over a canonical encoding of every
// field but Hash. Each field is written as its byte length, a colon and its bytes,
// so no choice of field values can make two different entries encode the same.
// At is encoded as Unix microseconds, which both databases keep exactly.
func (e AuditEntry) ComputeHash() string {
	h := sha256.New()
	for _, f := range []string{
		auditHashVersion,
		strconv.FormatInt(e.Seq, 10),
		strconv.FormatInt(e.At.UnixMicro(), 10),
		e.Actor, e.OnBehalfOf, e.Action, e.Object, string(e.Outcome),
		strconv.Itoa(e.Status),
		e.Reason, e.RequestID, e.ClientIP, e.PrevHash,
	} {
		fmt.Fprintf(h, "%d:%s", len(f), f)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Chained returns e as the entry after prev (nil for the first): numbered, linked
// to prev's hash, its time cut to the microsecond it is stored with, and hashed.
func (e AuditEntry) Chained(prev *AuditEntry) AuditEntry {
	e.Seq, e.PrevHash = 1, AuditGenesis
	if prev != nil {
		e.Seq, e.PrevHash = prev.Seq+1, prev.Hash
	}
	e.At = e.At.UTC().Truncate(time.Microsecond)
	e.Hash = e.ComputeHash()
	return e
}

// CheckAuditLink checks e as the entry after prev (nil for the first) and says what
// is wrong with it: a gap or repeat in the numbering (an entry removed or
// inserted), a link to another hash (an entry before it changed or removed), or a
// hash that does not match its fields (this entry changed). Nil means e is sound.
func CheckAuditLink(prev *AuditEntry, e AuditEntry) error {
	wantSeq, wantPrev := int64(1), AuditGenesis
	if prev != nil {
		wantSeq, wantPrev = prev.Seq+1, prev.Hash
	}
	switch {
	case e.Seq != wantSeq:
		return fmt.Errorf("entry %d stands where entry %d belongs: an entry is missing or out of place", e.Seq, wantSeq)
	case e.PrevHash != wantPrev:
		return fmt.Errorf("entry %d does not link to the hash of the entry before it", e.Seq)
	case e.Hash != e.ComputeHash():
		return fmt.Errorf("entry %d does not match its hash: its fields were changed", e.Seq)
	}
	return nil
}

// AuditBreak is the first entry where an audit chain does not hold, and why.
type AuditBreak struct {
	Entry   AuditEntry
	Problem string
}
