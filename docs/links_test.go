package docs

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode"
)

// TestRelativeLinksResolve checks every relative link of README.md and
// docs/*.md: its file exists, and its #anchor is a heading of that file.
func TestRelativeLinksResolve(t *testing.T) {
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	files = append([]string{filepath.Join(root, "README.md")}, files...)
	problems, checked := checkLinks(t, files)
	for _, p := range problems {
		t.Error(p)
	}
	// README links to each guide: a parser that found nothing would pass.
	if checked < len(files) {
		t.Errorf("checked %d relative links in %d files: the parser finds too few", checked, len(files))
	}
	t.Logf("checked %d relative links in %d files", checked, len(files))
}

// The checker reports what a reader would hit: a missing file, a missing
// heading in another file or in the same one. Links in code, and to other
// sites, are not its business.
func TestCheckLinksFindsBrokenLinks(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	write("other.md", "# Other\n\n## Rate limit\n\n## Rate limit\n")
	a := write("a.md", strings.Join([]string{
		"# A",
		"## Commands: retries, `202` and the status URL",
		"[ok](other.md) [ok](other.md#rate-limit) [ok](other.md#rate-limit-1) [ok](#commands-retries-202-and-the-status-url)",
		"[ok](https://example.com/missing.md) [ok](mailto:x@example.com) `[not a link](gone.md)`",
		"[file](gone.md) [anchor](other.md#rate-limits) [here](#commands) ![img](gone.png)",
		"```",
		"[in a code block](gone.md)",
		"# not a heading",
		"```",
		"[code block heading](#not-a-heading)",
		"[split across",
		"lines](gone.md)",
	}, "\n"))
	problems, checked := checkLinks(t, []string{a})
	want := []string{
		"a.md:5: gone.md: no such file",
		"a.md:5: other.md#rate-limits: no heading with that anchor",
		"a.md:5: #commands: no heading with that anchor",
		"a.md:5: gone.png: no such file",
		"a.md:10: #not-a-heading: no heading with that anchor",
		"a.md:12: a link this check cannot read",
	}
	if !slices.Equal(problems, want) {
		t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(problems, "\n"), strings.Join(want, "\n"))
	}
	if checked != 9 {
		t.Errorf("checked %d relative links, want 9", checked)
	}
}

func TestSlugIsGitHubs(t *testing.T) {
	for heading, want := range map[string]string{
		"Commands: retries, `202` and the status URL":  "commands-retries-202-and-the-status-url",
		"Live detail, or the records'":                 "live-detail-or-the-records",
		"The board (web app)":                          "the-board-web-app",
		"Security: what is protected, and what is not": "security-what-is-protected-and-what-is-not",
		"Trust: tokens, rate limit, headers, audit":    "trust-tokens-rate-limit-headers-audit",
		"Run it — with `go run`":                       "run-it--with-go-run",
		"The [board](board.md) and *its* pages":        "the-board-and-its-pages",
		"Tasks_with_forms":                             "tasks_with_forms",
		"Étapes à suivre":                              "étapes-à-suivre",
	} {
		if got := slug(heading); got != want {
			t.Errorf("slug(%q) = %q, want %q", heading, got, want)
		}
	}
}

var (
	fence    = regexp.MustCompile("^ {0,3}(```|~~~)")
	heading  = regexp.MustCompile(`^ {0,3}(#{1,6})\s+(.*?)(\s+#+)?\s*$`)
	codeSpan = regexp.MustCompile("``[^`]*``|`[^`]*`")
	link     = regexp.MustCompile(`!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)`)
	mdLink   = regexp.MustCompile(`\[([^\]]*)\]\([^)]*\)`)
	scheme   = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9+.-]*:`)
)

// checkLinks returns a line per broken relative link in files, and how many
// relative links it checked.
func checkLinks(t *testing.T, files []string) (problems []string, checked int) {
	t.Helper()
	anchors := map[string]map[string]bool{} // by absolute path, made once
	anchorsOf := func(path string) map[string]bool {
		if a, ok := anchors[path]; ok {
			return a
		}
		text, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		a := map[string]bool{}
		seen := map[string]int{}
		for _, l := range prose(string(text)) {
			if m := heading.FindStringSubmatch(l.text); m != nil {
				s := slug(m[2])
				// GitHub numbers a repeated anchor: rate-limit, rate-limit-1, …
				if n := seen[s]; n > 0 {
					seen[s]++
					s = fmt.Sprintf("%s-%d", s, n)
				} else {
					seen[s] = 1
				}
				a[s] = true
			}
		}
		anchors[path] = a
		return a
	}
	for _, file := range files {
		text, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		name := filepath.Base(file)
		for _, l := range prose(string(text)) {
			plain := codeSpan.ReplaceAllString(l.text, "")
			if strings.Contains(link.ReplaceAllString(plain, ""), "](") {
				// A link split across lines, or with a space in its target: put
				// it on one line so that it is checked.
				problems = append(problems, fmt.Sprintf("%s:%d: a link this check cannot read", name, l.number))
			}
			for _, m := range link.FindAllStringSubmatch(plain, -1) {
				target := m[1]
				if scheme.MatchString(target) || strings.HasPrefix(target, "//") {
					continue // another site's
				}
				checked++
				where := fmt.Sprintf("%s:%d: %s", name, l.number, target)
				path, anchor, _ := strings.Cut(target, "#")
				dest := file
				if path != "" {
					p, err := url.PathUnescape(path)
					if err != nil {
						problems = append(problems, where+": "+err.Error())
						continue
					}
					dest = filepath.Join(filepath.Dir(file), filepath.FromSlash(p))
					if _, err := os.Stat(dest); err != nil {
						problems = append(problems, where+": no such file")
						continue
					}
				}
				if anchor == "" {
					continue
				}
				if !strings.HasSuffix(dest, ".md") {
					problems = append(problems, where+": an anchor into a file that is not markdown")
					continue
				}
				if !anchorsOf(dest)[anchor] {
					problems = append(problems, where+": no heading with that anchor")
				}
			}
		}
	}
	return problems, checked
}

type line struct {
	number int
	text   string
}

// prose is the lines of a markdown text outside fenced code blocks, where
// neither links nor headings are what they look like.
func prose(text string) []line {
	var out []line
	in := false
	for i, l := range strings.Split(text, "\n") {
		if fence.MatchString(l) {
			in = !in
			continue
		}
		if !in {
			out = append(out, line{i + 1, l})
		}
	}
	return out
}

// slug is the anchor GitHub gives a heading: its text as shown (code marks,
// emphasis and link targets gone), lowercased, with every character but
// letters, digits, marks, '-' and '_' dropped and each space made a '-'.
func slug(h string) string {
	h = mdLink.ReplaceAllString(h, "$1")
	var b strings.Builder
	for _, r := range strings.ToLower(h) {
		switch {
		case r == ' ':
			b.WriteRune('-')
		case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r):
			b.WriteRune(r)
		}
	}
	return b.String()
}
