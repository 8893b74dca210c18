package domain

import "testing"

func TestBlank(t *testing.T) {
	for _, s := range []string{
		"", " ", "\t\n\r", "\u00a0", "\u200b", "\u200b\u200c\u200d", "\ufeff", "\u2060", "\u3000", "\u2028\u2029",
		"\u200e\u200f", "\u202e", "\u180e", "\u3164", "\u115f\u1160", "\ufe0f", "\u2800", "\u00ad", "\x00", "\u0085", " \u200b \u3164 ",
	} {
		if !Blank(s) {
			t.Errorf("Blank(%q) = false, want true", s)
		}
	}
	for _, s := range []string{"a", " a ", "\u200bx", "日本", "🙂", "-", ".", "\ufffd", "0"} {
		if Blank(s) {
			t.Errorf("Blank(%q) = true, want false", s)
		}
	}
}

func TestTextProblem(t *testing.T) {
	for _, s := range []string{"", "plain", "two\nlines", "crlf\r\nline", "tab\tstop", "emoji 🙂", "zero\u200bwidth", "Müller"} {
		if p := TextProblem(s); p != "" {
			t.Errorf("TextProblem(%q) = %q, want none", s, p)
		}
	}
	for _, s := range []string{"nul\x00", "esc\x1b[31m", "bell\a", "back\bspace", "del\x7f", "c1\u0085", "c1\u009b", "ff\f", "vt\v", "bad\xff"} {
		if p := TextProblem(s); p == "" {
			t.Errorf("TextProblem(%q) = none, want a problem", s)
		}
	}
}
