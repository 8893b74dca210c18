package domain

import (
	"fmt"
	"unicode"
	"unicode/utf8"
)

// Blank reports whether s holds nothing a person could see: it is empty, or made
// only of spaces and separators (Unicode Z*), format characters (Cf: zero-width
// space and joiners, byte-order mark, direction marks), control characters (Cc),
// and the other characters Unicode says to draw as nothing (Hangul fillers,
// variation selectors, the blank Braille pattern). A required text that is blank
// is missing: "​" (a zero-width space) is no more a name than "".
//
// Every check that a text is required uses Blank, so one rule holds everywhere.
func Blank(s string) bool {
	for _, r := range s {
		if !invisible(r) {
			return false
		}
	}
	return true
}

func invisible(r rune) bool {
	return unicode.In(r, unicode.Z, unicode.Cc, unicode.Cf, unicode.Other_Default_Ignorable_Code_Point, unicode.Variation_Selector) ||
		r == '\u2800' // BRAILLE PATTERN BLANK: a symbol, and yet empty
}

// RequireText adds "required" to p for field when s is Blank, and reports
// whether s is there.
func RequireText(p *Problems, field, s string) bool {
	if Blank(s) {
		p.Add(field, "required")
		return false
	}
	return true
}

// TextProblem says what is wrong with the free text s, or "" when nothing is.
// Text is UTF-8 without control characters, but for tab, line feed and carriage
// return: a browser sends every line break of a form's text area as CR LF, so
// refusing CR would refuse the board's own forms, and a line break hides nothing.
// Every other control character (NUL, escape, backspace, DEL, C1) is refused:
// PostgreSQL stores no NUL at all (it answered 500), SQLite would keep what
// PostgreSQL refuses, and the rest can rewrite what a terminal, a log or a mail
// shows.
func TextProblem(s string) string {
	if !utf8.ValidString(s) {
		return "must be UTF-8 text"
	}
	for i, r := range s {
		if unicode.IsControl(r) && r != '\t' && r != '\n' && r != '\r' {
			return fmt.Sprintf("must not contain control characters (U+%04X at byte %d); tab and line breaks are allowed", r, i)
		}
	}
	return ""
}

// CheckCharacters adds TextProblem's answer for field to p, if there is one.
func CheckCharacters(p *Problems, field, s string) {
	if msg := TextProblem(s); msg != "" {
		p.Add(field, "%s", msg)
	}
}
