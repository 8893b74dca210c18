package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"time"

	"github.com/tandemhq/tandem/api"
	"github.com/tandemhq/tandem/domain"
	"github.com/tandemhq/tandem/templates"
)

const templatesUsage = `usage:
  tandem templates validate FILE                   check a process template (YAML, or JSON); print every problem with its path
  tandem templates apply FILE --by HANDLE [--db DSN]   publish it as the next version, as the API does; nothing is stored if any problem
  tandem templates schema                          print the JSON Schema of a template document`

// runTemplates checks process templates from the command line, for whoever
// writes one, and publishes them for an operator (docs/templates.md).
func runTemplates(ctx context.Context, args []string, stdout io.Writer, logger *slog.Logger) error {
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
	case "apply":
		return applyTemplate(ctx, args[1:], stdout, logger)
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
	doc, err := readTemplate(file)
	if err != nil {
		return err
	}
	t, err := templates.Parse(doc)
	if err := refused(file, doc, err, stdout); err != nil {
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

// readTemplate reads a template file, one byte over the cap at most, so that
// Parse says the document is too large.
func readTemplate(file string) ([]byte, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, templates.MaxDocumentBytes+1))
}

// refused prints every problem of a refused template, each as
// FILE:LINE: PATH: PROBLEM in the order of the document, and returns the
// error that makes the command exit 1; any other error as it is.
func refused(file string, doc []byte, err error, stdout io.Writer) error {
	var verr *domain.ValidationError
	if !errors.As(err, &verr) {
		return err
	}
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

// applyTemplate publishes the template in a file as the next version of its
// key, writing to the records database as `tandem people import` does: an
// operator's command, which works where the database is reachable, before
// any API is up and without a token. It stores through api.ApplyTemplate, the
// code POST /templates runs, so it refuses exactly what the API refuses, in
// the same words; and --by must name someone the API would let publish (a
// marketing ops manager or an admin), recorded as the version's author.
func applyTemplate(ctx context.Context, args []string, stdout io.Writer, logger *slog.Logger) error {
	f := newFlags("templates apply")
	db := dbFlag(f)
	by := f.String("by", "", "the handle of the marketing ops manager or admin publishing it (required)")
	pos, err := parseInterspersed(f, args)
	if err != nil {
		return err
	}
	switch {
	case len(pos) != 1:
		return fmt.Errorf("one FILE to apply is required\n%s", templatesUsage)
	case *by == "":
		return fmt.Errorf("--by HANDLE is required: who publishes the template\n%s", templatesUsage)
	}
	file := pos[0]
	doc, err := readTemplate(file)
	if err != nil {
		return err
	}
	// The document first: its problems need no database.
	if _, err := templates.Parse(doc); err != nil {
		return refused(file, doc, err, stdout)
	}
	st, err := openExisting(ctx, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	p, err := st.Person(ctx, *by)
	if errors.Is(err, domain.ErrNotFound) {
		return fmt.Errorf("no person with handle %q in the directory", *by)
	}
	if err != nil {
		return err
	}
	if err := domain.CheckManageTemplates(domain.ActorOf(p)); err != nil {
		return fmt.Errorf("%s may not publish templates: %w", *by, err)
	}
	t, created, err := api.ApplyTemplate(ctx, st, doc, p.Handle, time.Now())
	if err != nil {
		return refused(file, doc, err, stdout)
	}
	what := "published"
	if !created {
		what = "unchanged: it is the latest version already"
	}
	logger.Info("template applied", "file", file, "key", t.Key, "version", t.Version, "created", created, "by", p.Handle)
	_, err = fmt.Fprintf(stdout, "%s: template %s version %d %s\n", file, t.Key, t.Version, what)
	return err
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
