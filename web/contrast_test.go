package web

import (
	"io/fs"
	"math"
	"regexp"
	"strconv"
	"testing"
)

// TestTextContrastMeetsWCAGAA checks every text colour against each background the
// pages put it on, with the colours read from the stylesheet, so a palette change
// that breaks AA (4.5:1 for body text) fails here.
func TestTextContrastMeetsWCAGAA(t *testing.T) {
	css, err := fs.ReadFile(staticFS, "static/app.css")
	if err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{"white": "#ffffff"}
	for _, m := range regexp.MustCompile(`--([a-z-]+):\s*(#[0-9a-fA-F]{6})`).FindAllStringSubmatch(string(css), -1) {
		vars[m[1]] = m[2]
	}
	for _, p := range [][2]string{
		{"ink", "paper"}, {"ink", "wash"}, {"ink", "column"},
		{"muted", "paper"}, {"muted", "wash"}, {"muted", "column"},
		{"accent", "paper"}, {"accent", "wash"}, {"white", "accent"},
		{"overdue", "paper"}, {"overdue", "overdue-wash"}, {"overdue", "column"},
		{"soon", "paper"}, {"soon", "soon-wash"},
		{"ok", "ok-wash"},
		{"white", "ink"}, {"header-soft", "ink"}, {"white", "overdue"},
		{"ink", "focus"}, // the header's count of unread notifications
	} {
		fg, bg := vars[p[0]], vars[p[1]]
		if fg == "" || bg == "" {
			t.Errorf("%s on %s: colour not defined in app.css", p[0], p[1])
			continue
		}
		if r := contrast(fg, bg); r < 4.5 {
			t.Errorf("%s (%s) on %s (%s): contrast %.2f:1, WCAG AA needs 4.5:1", p[0], fg, p[1], bg, r)
		}
	}
}

// contrast is the WCAG 2 contrast ratio of two #rrggbb colours.
func contrast(a, b string) float64 {
	la, lb := luminance(a), luminance(b)
	return (math.Max(la, lb) + 0.05) / (math.Min(la, lb) + 0.05)
}

func luminance(hex string) float64 {
	var l float64
	for i, w := range []float64{0.2126, 0.7152, 0.0722} {
		v, _ := strconv.ParseUint(hex[1+2*i:3+2*i], 16, 8)
		c := float64(v) / 255
		if c <= 0.03928 {
			c /= 12.92
		} else {
			c = math.Pow((c+0.055)/1.055, 2.4)
		}
		l += w * c
	}
	return l
}

func TestContrastFormula(t *testing.T) {
	if r := contrast("#000000", "#ffffff"); math.Abs(r-21) > 0.01 {
		t.Errorf("black on white %.2f, want 21", r)
	}
	if r := contrast("#777777", "#ffffff"); math.Abs(r-4.48) > 0.01 {
		t.Errorf("#777 on white %.2f, want 4.48", r)
	}
}
