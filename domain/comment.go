package domain

import (
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
)

// Comments are the conversation about a process or one of its tasks: people
// asking, answering and pointing others at the work (@mentions). They are not
// the process's state: nothing a workflow decides reads them, so they live in
// the records alone, written by the API, and the workflow stays the one source
// of truth for what was decided (a decision is a task's outcome, never a
// comment).

// MaxCommentBodyChars caps a comment's text: a long message, far from a
// document (those belong in a link).
const MaxCommentBodyChars = 10_000

// MaxMentions caps the people and teams one comment may mention, so one
// comment cannot notify the whole directory one handle at a time.
const MaxMentions = 20

// Notification kinds of the conversation.
const (
	NotifyMention NotificationKind = "mention"
	NotifyReply   NotificationKind = "reply"
)

// Comment is one message on a process, or on one of its tasks (TaskID), or a
// reply to another comment (ParentID, one level deep). A deleted comment stays
// as a tombstone: its place in the thread, its author and times, no text.
type Comment struct {
	ID        uint64     `json:"id"`
	Process   Process    `json:"process"`
	ProcessID string     `json:"process_id"`
	TaskID    string     `json:"task_id,omitempty"`
	ParentID  uint64     `json:"parent_id,omitempty"`
	Author    string     `json:"author"`
	Body      string     `json:"body"`
	CreatedAt time.Time  `json:"created_at"`
	EditedAt  *time.Time `json:"edited_at,omitempty"`
	DeletedAt *time.Time `json:"deleted_at,omitempty"`
}

// Deleted reports whether c is a tombstone.
func (c Comment) Deleted() bool { return c.DeletedAt != nil }

// CommentRevision is a comment's text as it was before an edit or its
// deletion, kept for the audit.
type CommentRevision struct {
	CommentID uint64    `json:"comment_id"`
	Body      string    `json:"body"`
	At        time.Time `json:"at"` // when it was replaced
}

// CheckCommentBody adds what is wrong with a comment's text to p: required (not
// blank), at most MaxCommentBodyChars, and none of the invisible characters
// that could hide or disguise text (bidirectional overrides, zero-width
// characters), which TextProblem's control characters do not cover.
func CheckCommentBody(p *Problems, field, body string) {
	CheckCharacters(p, field, body)
	if !RequireText(p, field, body) {
		return
	}
	CheckText(p, field, body, MaxCommentBodyChars)
	for i, r := range body {
		if r != '\t' && r != '\n' && r != '\r' && unicode.In(r, unicode.Cf) {
			p.Add(field, "must not contain invisible formatting characters (U+%04X at byte %d)", r, i)
			return
		}
	}
}

// CheckCommentAuthor says whether a may edit or delete comment c: its author
// alone may edit it, so no one puts words in another's mouth; its author and
// admins may delete it (an admin removes what should not be there, and the
// text stays in the revisions for the audit).
func CheckCommentAuthor(c Comment, a Actor, deleting bool) error {
	switch {
	case c.Deleted():
		return Conflictf("comment %d is deleted", c.ID)
	case a.Handle != "" && a.Handle == c.Author:
		return nil
	case deleting && a.HasRole(RoleAdmin):
		return nil
	case deleting:
		return Forbiddenf("only the comment's author or an admin may delete it")
	}
	return Forbiddenf("only the comment's author may edit it")
}

// mentionPattern finds @handle in text: an @ not inside a word or an e-mail
// address (pat@example.com mentions nobody), then what a handle may hold.
var mentionPattern = regexp.MustCompile(`(^|[^A-Za-z0-9._@-])@([a-z0-9][a-z0-9._-]{0,63})`)

// Mentions are the handles text mentions (@maya, @legal), each once, in the
// order they first appear. A mention ending a sentence ("ask @maya.") does not
// take the full stop; code (between backticks) mentions nobody.
func Mentions(text string) []string {
	var out []string
	for _, m := range mentionPattern.FindAllStringSubmatch(stripCode(text), -1) {
		h := strings.TrimRight(m[2], ".-_")
		if h != "" && !slices.Contains(out, h) {
			out = append(out, h)
		}
	}
	return out
}

// stripCode blanks what Markdown shows as code: fenced blocks and inline code
// spans, whose text is shown as written and mentions nobody.
func stripCode(text string) string {
	var b strings.Builder
	fenced := false
	for line := range strings.Lines(text) {
		if strings.HasPrefix(strings.TrimSpace(line), "```") {
			fenced = !fenced
			b.WriteString("\n")
			continue
		}
		if fenced {
			b.WriteString("\n")
			continue
		}
		parts := strings.Split(line, "`")
		for i, part := range parts {
			if i%2 == 0 || i == len(parts)-1 {
				b.WriteString(part)
			}
			b.WriteString(" ")
		}
	}
	return b.String()
}

// CommentFilter selects the comments of one process (every comment on it and
// on its tasks), or, with TaskID, of one task. They list oldest first.
type CommentFilter struct {
	Process   Process
	ProcessID string
	TaskID    string
	ListOptions
}
