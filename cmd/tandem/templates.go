package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"slices"

	"github.com/tandemhq/tandem/domain"
	"github.com/tandemhq/tandem/templates"
)

const templatesUsage = `usage:
  tandem templates validate FILE   check a process template (YAML, or JSON); print every problem with its path
  tandem templates schema          print the JSON Schema of a template document`

// runTemplates checks process templates from the command line, for whoever
// writes one: nothing is stored or started (docs/templates.md).
func runTemplates(args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return errors.New(templatesUsage)
	}
	switch args[0] {
	case "validate":
		pos, err := parseInterspersed(newFlags("templates validate"), args[1:])
		if err != nil {
			return err
		}
		if len(pos) != 1 {
			return fmt.Errorf("one FILE to validate is required\n%s", templatesUsage)
		}
		return validateTemplate(pos[0], stdout)
	case "schema":
		if len(args) > 1 {
			return fmt.Errorf("unexpected argument %q\n%s", args[1], templatesUsage)
		}
		_, err := stdout.Write(templates.Schema())
		return err
	}
	return errors.New(templatesUsage)
}

// validateTemplate prints every problem of the template in file, each as
// FILE:LINE: PATH: PROBLEM in the order of the document, and fails (exit 1)
// when there is any; else it says what the template holds.
func validateTemplate(file string, stdout io.Writer) error {
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	// One byte over the cap, so that Parse says the document is too large.
	doc, err := io.ReadAll(io.LimitReader(f, templates.MaxDocumentBytes+1))
	if err != nil {
		return err
	}
	t, err := templates.Parse(doc)
	var verr *domain.ValidationError
	if errors.As(err, &verr) {
		line := templates.Lines(doc)
		problems := slices.Clone(verr.Problems)
		slices.SortStableFunc(problems, func(a, b domain.FieldProblem) int { return line(a.Field) - line(b.Field) })
		for _, p := range problems {
			where := file
			if n := line(p.Field); n > 0 {
				where = fmt.Sprintf("%s:%d", file, n)
			}
			if p.Field != "" {
				where += ": " + p.Field
			}
			if _, err := fmt.Fprintf(stdout, "%s: %s\n", where, p.Problem); err != nil {
				return err
			}
		}
		return fmt.Errorf("%s: %s: the template is refused", file, plural(len(problems), "problem"))
	}
	if err != nil {
		return err
	}
	tasks := 0
	for _, s := range t.Stages {
		tasks += len(s.Tasks)
	}
	_, err = fmt.Fprintf(stdout, "%s: template %s version %d is valid: %s, %s\n",
		file, t.Key, t.Version, plural(len(t.Stages), "stage"), plural(tasks, "task"))
	return err
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
