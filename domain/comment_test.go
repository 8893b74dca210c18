package domain

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestMentions(t *testing.T) {
	for text, want := range map[string][]string{
		"@maya can you look?":                          {"maya"},
		"ask @maya, then @legal. And @maya again.":     {"maya", "legal"},
		"mail pat@example.com, not @ anyone":           nil,
		"(@cleo) and\n@wes-b.":                         {"cleo", "wes-b"},
		"`@maya` in code, and\n```\n@pat\n```\nfenced": nil,
		"@Maya is not a handle":                        nil,
		"**@maya**":                                    {"maya"},
	} {
		if got := Mentions(text); !slices.Equal(got, want) {
			t.Errorf("Mentions(%q) = %q, want %q", text, got, want)
		}
	}
}

func TestCheckCommentBody(t *testing.T) {
	for body, want := range map[string]string{
		"fine\r\nwith lines\tand tabs":           "",
		"":                                       "required",
		"\u200b \n":                              "required",
		strings.Repeat("a", MaxCommentBodyChars): "",
		strings.Repeat("a", MaxCommentBodyChars+1): "at most 10000 characters",
		"hi\x00":          "control characters",
		"abc\u202edcba":   "invisible formatting characters (U+202E",
		"zero\u200bwidth": "invisible formatting characters (U+200B",
	} {
		var p Problems
		CheckCommentBody(&p, "body", body)
		got := ""
		if len(p) > 0 {
			got = p[0].Problem
		}
		if want == "" && got != "" || !strings.Contains(got, want) {
			t.Errorf("CheckCommentBody(%.20q) = %q, want %q", body, got, want)
		}
	}
}

func TestCheckCommentAuthor(t *testing.T) {
	c := Comment{ID: 1, Author: "pat"}
	pat, ada, maya := Actor{Handle: "pat"}, Actor{Handle: "ada", Roles: []Role{RoleAdmin}}, Actor{Handle: "maya"}
	for _, tc := range []struct {
		a        Actor
		deleting bool
		ok       bool
	}{
		{pat, false, true}, {pat, true, true}, {ada, false, false}, {ada, true, true}, {maya, false, false}, {maya, true, false},
	} {
		if err := CheckCommentAuthor(c, tc.a, tc.deleting); (err == nil) != tc.ok {
			t.Errorf("%s, deleting %v: %v", tc.a.Handle, tc.deleting, err)
		}
	}
	gone := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	if err := CheckCommentAuthor(Comment{Author: "pat", DeletedAt: &gone}, pat, false); err == nil {
		t.Error("a tombstone may be edited")
	}
}
