package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/tandemhq/tandem/api"
	"github.com/tandemhq/tandem/domain"
	"github.com/tandemhq/tandem/store"
)

const peopleUsage = `usage:
  tandem people import FILE [--db DSN]   create or update the people listed in a YAML file
                                          (disabled: true disables a person, false enables them)`

// runPeople manages the directory from the command line, for an operator.
func runPeople(ctx context.Context, args []string, stdout io.Writer, logger *slog.Logger) error {
	if len(args) == 0 || args[0] != "import" {
		return errors.New(peopleUsage)
	}
	f := newFlags("people import")
	db := dbFlag(f)
	pos, err := parseInterspersed(f, args[1:])
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return fmt.Errorf("one FILE to import is required\n%s", peopleUsage)
	}
	raw, err := os.ReadFile(pos[0])
	if err != nil {
		return err
	}
	entries, err := parsePeople(raw)
	if err != nil {
		return fmt.Errorf("%s: %w", pos[0], err)
	}
	st, err := openExisting(ctx, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	ordered, err := checkPeople(ctx, st, entries)
	if err != nil {
		return fmt.Errorf("%s: nothing imported:\n%w", pos[0], err)
	}
	created, updated, err := importPeople(ctx, st, ordered)
	if err != nil {
		return err
	}
	logger.Info("people imported", "file", pos[0], "created", created, "updated", updated)
	if _, err := fmt.Fprintf(stdout, "imported %d people (%d created, %d updated, %d unchanged)\n",
		len(ordered), created, updated, len(ordered)-created-updated); err != nil {
		return err
	}
	return applyDisabled(ctx, st, ordered, stdout, logger)
}

// applyDisabled disables and enables the people whose entry says so. The
// import reaches the records only, not Temporal: it ends the sessions and
// tokens of those it disables at once, and says how to give their open tasks
// back, which only the API's disabling (through the workflows) does.
func applyDisabled(ctx context.Context, st *store.Store, people []personEntry, stdout io.Writer, logger *slog.Logger) error {
	for _, e := range people {
		if e.disabled == nil {
			continue
		}
		h := e.person.Handle
		prev, err := st.Person(ctx, h)
		if err != nil {
			return fmt.Errorf("%s: %w", e, err)
		}
		switch {
		case *e.disabled && prev.Active():
			_, rev, err := st.DisablePerson(ctx, h, time.Now())
			if err != nil {
				return fmt.Errorf("%s: %w", e, err)
			}
			logger.Info("person disabled by import", "handle", h, "sessions_revoked", rev.Sessions, "tokens_revoked", rev.Tokens)
			_, err = fmt.Fprintf(stdout, "disabled %s: %d sessions and %d tokens revoked; to give their open tasks back, an admin sends POST /api/v1/people/%s/disable (safe to repeat)\n",
				h, rev.Sessions, rev.Tokens, h)
			if err != nil {
				return err
			}
		case !*e.disabled && !prev.Active():
			if _, err := st.EnablePerson(ctx, h); err != nil {
				return fmt.Errorf("%s: %w", e, err)
			}
			logger.Info("person enabled by import", "handle", h)
			if _, err := fmt.Fprintf(stdout, "enabled %s: they sign in afresh, and need new tokens\n", h); err != nil {
				return err
			}
		}
	}
	return nil
}

// personEntry is one person of an import file, with the line it starts on so
// every problem can point at it.
type personEntry struct {
	line   int
	person domain.Person
	// disabled is the entry's disabled field: true disables the person, false
	// enables them, absent (nil) leaves them as they are.
	disabled *bool
}

func (e personEntry) String() string {
	if e.person.Handle == "" {
		return fmt.Sprintf("line %d", e.line)
	}
	return fmt.Sprintf("line %d (%s)", e.line, e.person.Handle)
}

var personFields = []string{"handle", "name", "email", "team", "roles", "manager", "disabled"}

// parsePeople reads the file's shape: a list of mappings with known fields. A
// field misspelt would otherwise be dropped silently and, say, clear a manager.
func parsePeople(raw []byte) ([]personEntry, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		return nil, err
	}
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.SequenceNode {
		return nil, errors.New("want a YAML list of people (- handle: …)")
	}
	var problems []string
	var entries []personEntry
	for _, item := range doc.Content[0].Content {
		e := personEntry{line: item.Line}
		if item.Kind != yaml.MappingNode {
			problems = append(problems, fmt.Sprintf("%s: want a mapping of %s", e, strings.Join(personFields, ", ")))
			continue
		}
		for i := 0; i < len(item.Content); i += 2 {
			if k := item.Content[i]; !slices.Contains(personFields, k.Value) {
				problems = append(problems, fmt.Sprintf("line %d: unknown field %q (want %s)", k.Line, k.Value, strings.Join(personFields, ", ")))
			}
		}
		var v struct {
			Handle, Name, Email, Team, Manager string
			Roles                              []domain.Role
			Disabled                           *bool
		}
		if err := item.Decode(&v); err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", e, err))
			continue
		}
		roles := v.Roles
		if roles == nil {
			roles = []domain.Role{}
		}
		e.person = domain.Person{Handle: v.Handle, Name: v.Name, Email: v.Email, Team: domain.Team(v.Team), Roles: roles, Manager: v.Manager}
		e.disabled = v.Disabled
		entries = append(entries, e)
	}
	if len(problems) > 0 {
		return nil, errors.New(strings.Join(problems, "\n"))
	}
	return entries, nil
}

// checkPeople validates every entry, reporting all problems at once, and returns
// the people with each manager in the file before those they manage.
func checkPeople(ctx context.Context, st *store.Store, entries []personEntry) ([]personEntry, error) {
	var problems []string
	report := func(e personEntry, field, problem string) {
		problems = append(problems, fmt.Sprintf("%s: %s: %s", e, field, problem))
	}
	byHandle := map[string]personEntry{}
	for _, e := range entries {
		for _, p := range api.PersonProblems(e.person) {
			report(e, p.Field, p.Problem)
		}
		if prev, dup := byHandle[e.person.Handle]; dup && e.person.Handle != "" {
			report(e, "handle", "already listed at line "+fmt.Sprint(prev.line))
			continue
		}
		byHandle[e.person.Handle] = e
	}
	for _, e := range entries {
		m := e.person.Manager
		if _, inFile := byHandle[m]; m == "" || inFile || m == e.person.Handle {
			continue
		}
		_, err := st.Person(ctx, m)
		if errors.Is(err, domain.ErrNotFound) {
			report(e, "manager", fmt.Sprintf("no person with handle %q in the file or the directory", m))
		} else if err != nil {
			return nil, err
		}
	}

	// Managers first: take, round by round, everyone whose manager is not a
	// still-unplaced entry of the file. What is left manages itself in a loop.
	var ordered []personEntry
	placed := map[string]bool{}
	rest := slices.Clone(entries)
	for len(rest) > 0 {
		var next []personEntry
		for _, e := range rest {
			if _, inFile := byHandle[e.person.Manager]; !inFile || placed[e.person.Manager] || e.person.Manager == e.person.Handle {
				ordered = append(ordered, e)
				placed[e.person.Handle] = true
			} else {
				next = append(next, e)
			}
		}
		if len(next) == len(rest) {
			for _, e := range next {
				report(e, "manager", fmt.Sprintf("%q is in a management loop", e.person.Manager))
			}
			break
		}
		rest = next
	}
	if len(problems) > 0 {
		return nil, errors.New(strings.Join(problems, "\n"))
	}
	return ordered, nil
}

// importPeople writes the people that differ from the directory and leaves the
// rest alone, so importing a file twice changes nothing the second time. An
// out-of-office window is not the file's business and is kept.
func importPeople(ctx context.Context, st *store.Store, people []personEntry) (created, updated int, err error) {
	for _, e := range people {
		p := e.person
		prev, err := st.Person(ctx, p.Handle)
		switch {
		case errors.Is(err, domain.ErrNotFound):
			created++
		case err != nil:
			return created, updated, err
		case prev.Name == p.Name && prev.Email == p.Email && prev.Team == p.Team && prev.Manager == p.Manager && slices.Equal(prev.Roles, p.Roles):
			continue
		default:
			p.OutOfOffice = prev.OutOfOffice
			updated++
		}
		if err := st.UpsertPerson(ctx, p); err != nil {
			return created, updated, fmt.Errorf("%s: %w", e, err)
		}
	}
	return created, updated, nil
}
