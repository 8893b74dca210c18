package store

import (
	"cmp"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/domain"
)

// The calendar test's range: a month from day 10, as a month view asks.
var (
	calFrom = at(10 * 24 * time.Hour)
	calTo   = at(40 * 24 * time.Hour)
)

// calendarSeed is what the calendar test writes, kept so the test can work the
// answer out by hand.
type calendarSeed struct {
	people    []domain.Person
	campaigns []domain.Campaign
	hiring    []domain.HiringRequest
	risks     []domain.Risk
	tasks     []domain.Task
}

// seedCalendar makes a varied population from a fixed seed, around and in the
// range, plus the cases the definitions turn on: dates exactly on the range's
// bounds, launches to one audience less and exactly OverlapWindow apart, an
// audience written in another case, a launch just outside the range
// overlapping one inside, ended processes and cancelled tasks, an
// out-of-office window over the whole range.
func seedCalendar() calendarSeed {
	rng := rand.New(rand.NewPCG(20, 20))
	pick := func(n int) int { return rng.IntN(n) }
	when := func() time.Time {
		return at(time.Duration(pick(50*24*60))*time.Minute + time.Duration(pick(60))*time.Second)
	}
	var s calendarSeed
	handles := []string{"pat", "maya", "cleo", "wes", "hana"}
	teams := []domain.Team{domain.TeamPMO, domain.TeamMarketingOps, domain.TeamCreative, domain.TeamWeb, domain.TeamHR}
	for i, h := range handles {
		p := person(h, teams[i])
		if i%2 == 0 {
			p.OutOfOffice = &domain.OutOfOffice{From: when(), Delegate: "pat"}
			p.OutOfOffice.To = p.OutOfOffice.From.Add(time.Duration(1+pick(10)) * 24 * time.Hour)
		}
		s.people = append(s.people, p)
	}
	s.people[1].OutOfOffice = &domain.OutOfOffice{From: at(0), To: at(60 * 24 * time.Hour), Delegate: "pat"}

	audiences := []string{"SMB owners", "Enterprise IT", "Students"}
	statuses := []domain.Status{domain.StatusActive, domain.StatusActive, domain.StatusCompleted, domain.StatusCancelled, domain.StatusRejected}
	for i := range 40 {
		c := newCampaign(fmt.Sprintf("cmp_%012d", i), handles[pick(2)], "maya", statuses[pick(5)], at(0))
		c.Brief.LaunchAt, c.Brief.Audience = when(), audiences[pick(3)]
		s.campaigns = append(s.campaigns, c)
	}
	edge := func(id, pm, audience string, launch time.Time) {
		c := newCampaign(id, pm, "maya", domain.StatusActive, at(0))
		c.Brief.LaunchAt, c.Brief.Audience = launch, audience
		s.campaigns = append(s.campaigns, c)
	}
	edge("cmp_edgefrom0001", "pat", "Lonely audience A", calFrom)
	edge("cmp_edgeto000001", "pat", "Lonely audience B", calTo)
	// Exactly the window apart: not an overlap.
	edge("cmp_exact0000001", "pat", "Exact pair", at(20*24*time.Hour))
	edge("cmp_exact0000002", "pat", "Exact pair", at(20*24*time.Hour).Add(domain.OverlapWindow))
	// A second less, another case and spacing: an overlap.
	edge("cmp_case00000001", "pat", "Hobby  Gardeners", at(25*24*time.Hour))
	edge("cmp_case00000002", "cleo", "hobby gardeners ", at(25*24*time.Hour).Add(domain.OverlapWindow-time.Second))
	// Inside the range, overlapping a launch before it.
	edge("cmp_outside00001", "pat", "Retirees", calFrom.Add(-2*24*time.Hour))
	edge("cmp_inside000001", "pat", "Retirees", calFrom.Add(24*time.Hour))

	for i := range 12 {
		st := []domain.Status{domain.StatusActive, domain.StatusActive, domain.StatusFilled, domain.StatusCancelled}[pick(4)]
		h := testHiring(fmt.Sprintf("hir_%012d", i), teams[pick(5)], handles[pick(5)], st, at(0))
		h.Request.HiringManager = handles[pick(5)]
		h.Request.NeededBy = when()
		s.hiring = append(s.hiring, h)
	}
	riskStatuses := []domain.RiskStatus{domain.RiskOpen, domain.RiskAcknowledged, domain.RiskMaterialized, domain.RiskResolved, domain.RiskClosed}
	for i := range 20 {
		r := testRisk(fmt.Sprintf("rsk_%012d", i), at(0), domain.SeverityMedium, handles[pick(5)], "")
		r.Status = riskStatuses[pick(5)]
		if pick(3) > 0 {
			r.Response = &domain.RiskPlan{Response: domain.ResponseMitigate, Plan: "Second printer", DueAt: when(), By: r.Owner, At: at(0)}
		}
		s.risks = append(s.risks, r)
	}
	taskStatuses := []domain.TaskStatus{domain.TaskOpen, domain.TaskOpen, domain.TaskDone, domain.TaskCancelled, domain.TaskExpired}
	processes := []domain.Process{domain.ProcessCampaign, domain.ProcessHiring, domain.ProcessRisk}
	for i := range 200 {
		task := newTask(fmt.Sprintf("tsk_%012d", i), at(0))
		task.DueAt, task.Status, task.Process = when(), taskStatuses[pick(5)], processes[pick(3)]
		task.Team = teams[pick(5)]
		if pick(3) > 0 {
			task.Assignee = handles[pick(5)]
		}
		s.tasks = append(s.tasks, task)
	}
	bound := func(id string, due time.Time) {
		task := newTask(id, at(0))
		task.DueAt, task.Assignee = due, "cleo"
		s.tasks = append(s.tasks, task)
	}
	bound("tsk_edgefrom0001", calFrom)
	bound("tsk_edgeto000001", calTo)
	return s
}

func (s calendarSeed) apply(t *testing.T, st *Store) {
	t.Helper()
	mustUpsert(t, st, s.people...)
	mustApply(t, st, domain.Batch{Tasks: s.tasks})
	for _, c := range s.campaigns {
		mustApply(t, st, domain.Batch{Campaign: &c})
	}
	for _, h := range s.hiring {
		mustApply(t, st, domain.Batch{Hiring: &h})
	}
	for _, r := range s.risks {
		mustApply(t, st, domain.Batch{Risk: &r})
	}
}

// expect works out the calendar of f from the seeded records by hand: loops,
// the domain's own overlap rule and a sort, no SQL.
func (s calendarSeed) expect(f domain.CalendarFilter) []domain.CalendarEntry {
	in := func(x time.Time) bool { return !x.Before(f.From) && x.Before(f.To) }
	team := map[string]domain.Team{}
	for _, p := range s.people {
		team[p.Handle] = p.Team
	}
	ok := func(p domain.Process, tm domain.Team, people ...string) bool {
		return (f.Process == "" || f.Process == p) && (f.Team == "" || f.Team == tm) && (f.Person == "" || slices.Contains(people, f.Person))
	}
	live := func(st domain.Status) bool { return st != domain.StatusCancelled && st != domain.StatusRejected }
	var out []domain.CalendarEntry
	for _, c := range s.campaigns {
		if !live(c.Status) || !in(c.Brief.LaunchAt) || !ok(domain.ProcessCampaign, team[c.Brief.ProjectManager], c.Brief.ProjectManager, c.Brief.MarketingOpsManager) {
			continue
		}
		e := domain.CalendarEntry{Kind: domain.CalendarLaunch, At: c.Brief.LaunchAt, Title: c.Brief.Name, Process: domain.ProcessCampaign,
			ProcessID: c.ID, Team: team[c.Brief.ProjectManager], Person: c.Brief.ProjectManager, Audience: domain.AudienceKey(c.Brief.Audience)}
		for _, o := range s.campaigns {
			if o.ID != c.ID && live(o.Status) && domain.LaunchesOverlap(c.Brief.Audience, c.Brief.LaunchAt, o.Brief.Audience, o.Brief.LaunchAt) {
				e.Overlaps = true
			}
		}
		out = append(out, e)
	}
	for _, t := range s.tasks {
		// A person's tasks are those they hold and those their team holds
		// with no one assigned yet.
		holder := t.Assignee
		if holder == "" && f.Person != "" && t.Team != "" && team[f.Person] == t.Team {
			holder = f.Person
		}
		if (t.Status != domain.TaskOpen && t.Status != domain.TaskDone) || !in(t.DueAt) || !ok(t.Process, t.Team, holder) {
			continue
		}
		out = append(out, domain.CalendarEntry{Kind: domain.CalendarTaskDue, At: t.DueAt, Title: t.Title, Process: t.Process, ProcessID: t.ProcessID,
			TaskID: t.ID, TaskKind: t.Kind, Status: t.Status, Team: t.Team, Person: t.Assignee})
	}
	for _, h := range s.hiring {
		if h.Status != domain.StatusActive || !in(h.Request.NeededBy) || !ok(domain.ProcessHiring, h.Request.Team, h.RequestedBy, h.Request.HiringManager) {
			continue
		}
		out = append(out, domain.CalendarEntry{Kind: domain.CalendarHireNeeded, At: h.Request.NeededBy, Title: h.Request.Title, Process: domain.ProcessHiring,
			ProcessID: h.ID, Team: h.Request.Team, Person: h.Request.HiringManager})
	}
	for _, r := range s.risks {
		if r.Status.Terminal() || r.Response == nil || !in(r.Response.DueAt) || !ok(domain.ProcessRisk, team[r.Owner], r.Owner) {
			continue
		}
		out = append(out, domain.CalendarEntry{Kind: domain.CalendarRiskResponse, At: r.Response.DueAt, Title: r.Title, Process: domain.ProcessRisk,
			ProcessID: r.ID, Team: team[r.Owner], Person: r.Owner})
	}
	for _, p := range s.people {
		o := p.OutOfOffice
		if o == nil || f.Process != "" || !o.From.Before(f.To) || !o.To.After(f.From) || (f.Team != "" && f.Team != p.Team) || (f.Person != "" && f.Person != p.Handle) {
			continue
		}
		out = append(out, domain.CalendarEntry{Kind: domain.CalendarOutOfOffice, At: o.From, End: o.To, Team: p.Team, Person: p.Handle})
	}
	for i := range out {
		out[i].At, out[i].End = utc(out[i].At), utcOrZero(out[i].End)
	}
	slices.SortFunc(out, func(a, b domain.CalendarEntry) int {
		return cmp.Or(a.At.Compare(b.At), cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Title, b.Title),
			cmp.Compare(a.ProcessID, b.ProcessID), cmp.Compare(a.TaskID, b.TaskID), cmp.Compare(a.Person, b.Person))
	})
	if out == nil {
		out = []domain.CalendarEntry{}
	}
	return out
}

func utcOrZero(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return utc(t)
}

func TestCalendarIsWhatTheRecordsSay(t *testing.T) {
	s := seedCalendar()
	filters := []domain.CalendarFilter{
		{},
		{Team: domain.TeamCreative},
		{Team: domain.TeamPMO},
		{Person: "pat"},
		{Person: "maya"},
		{Person: "cleo", Team: domain.TeamWeb},
		{Process: domain.ProcessCampaign},
		{Process: domain.ProcessHiring},
		{Process: domain.ProcessRisk, Person: "wes"},
	}
	eachBackend(t, func(t *testing.T, st *Store) {
		s.apply(t, st)
		for _, f := range filters {
			f.From, f.To = calFrom, calTo
			got, err := st.Calendar(t.Context(), f)
			if err != nil {
				t.Fatalf("Calendar(%+v): %v", f, err)
			}
			want := s.expect(f)
			if got.Truncated {
				t.Errorf("Calendar(%+v) truncated at %d entries", f, len(got.Entries))
			}
			equal(t, fmt.Sprintf("calendar of team %q person %q process %q", f.Team, f.Person, f.Process), got.Entries, want)
		}

		// The cases the seed was made for, so the comparison above cannot pass
		// on a definition the test and the store share by mistake.
		all, err := st.Calendar(t.Context(), domain.CalendarFilter{From: calFrom, To: calTo})
		if err != nil {
			t.Fatal(err)
		}
		find := func(id string) *domain.CalendarEntry {
			for i, e := range all.Entries {
				if e.ProcessID == id || e.TaskID == id {
					return &all.Entries[i]
				}
			}
			return nil
		}
		for id, wantIn := range map[string]bool{"cmp_edgefrom0001": true, "cmp_edgeto000001": false, "tsk_edgefrom0001": true, "tsk_edgeto000001": false} {
			if (find(id) != nil) != wantIn {
				t.Errorf("%s on the calendar: %v, want %v", id, !wantIn, wantIn)
			}
		}
		for id, overlaps := range map[string]bool{
			"cmp_exact0000001": false, "cmp_exact0000002": false, "cmp_case00000001": true, "cmp_case00000002": true,
			"cmp_inside000001": true, "cmp_edgefrom0001": false,
		} {
			if e := find(id); e == nil || e.Overlaps != overlaps {
				t.Errorf("%s: %+v, want overlaps %v", id, e, overlaps)
			}
		}
		var kinds []domain.CalendarKind
		for _, e := range all.Entries {
			if !slices.Contains(kinds, e.Kind) {
				kinds = append(kinds, e.Kind)
			}
		}
		if len(kinds) != len(domain.CalendarKinds) {
			t.Errorf("the seed's calendar has entries of kinds %v, want every kind", kinds)
		}
	})
}

// A range with more entries than an answer holds is cut at the limit, and
// says so. The entries kept are the earliest of every kind together: each
// kind's part of the query is cut too, and two out-of-office windows that
// start between the tasks take the place of the last two tasks.
func TestCalendarIsCutAtItsLimit(t *testing.T) {
	eachBackend(t, func(t *testing.T, st *Store) {
		tasks := make([]domain.Task, domain.MaxCalendarEntries+1)
		for i := range tasks {
			tasks[i] = newTask(fmt.Sprintf("tsk_%012d", i), at(0))
			tasks[i].DueAt = at(time.Duration(i) * time.Minute)
		}
		mustApply(t, st, domain.Batch{Tasks: tasks})
		var people []domain.Person
		for i, start := range []time.Duration{10, 1000, 2500} {
			p := person(fmt.Sprintf("away%d", i), domain.TeamWeb)
			p.OutOfOffice = &domain.OutOfOffice{From: at(start*time.Minute + 30*time.Second), To: at(start*time.Minute + 48*time.Hour), Delegate: "pat"}
			people = append(people, p)
		}
		mustUpsert(t, st, people...)
		got, err := st.Calendar(t.Context(), domain.CalendarFilter{From: at(0), To: at(60 * 24 * time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		if !got.Truncated || len(got.Entries) != domain.MaxCalendarEntries {
			t.Errorf("truncated %v with %d entries, want true with %d", got.Truncated, len(got.Entries), domain.MaxCalendarEntries)
		}
		if last := got.Entries[len(got.Entries)-1]; last.TaskID != tasks[domain.MaxCalendarEntries-3].ID {
			t.Errorf("the last entry kept is %s %s, want task %d", last.Kind, last.TaskID, domain.MaxCalendarEntries-3)
		}
		var away []string
		for _, e := range got.Entries {
			if e.Kind == domain.CalendarOutOfOffice {
				away = append(away, e.Person)
			}
		}
		if !slices.Equal(away, []string{"away0", "away1"}) {
			t.Errorf("out of office %v, want away0 and away1 (away2 starts after the cut)", away)
		}
	})
}

// Records kept before version 4 have their dates only in their JSON: the
// migration fills the columns the calendar reads from it.
func TestMigrationFillsTheCalendarDatesOfOldRecords(t *testing.T) {
	eachDSN(t, func(t *testing.T, dsn string) {
		st, err := Open(t.Context(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = st.Close() })
		files, versions := st.migrations()
		if err := st.migrate(t.Context(), onlyVersions(t, files, 3), versions); err != nil {
			t.Fatalf("migrate to version 3: %v", err)
		}
		mustUpsert(t, st, person("pat", domain.TeamPMO))
		c := newCampaign("cmp_old000000001", "pat", "maya", domain.StatusActive, at(0))
		c.Brief.LaunchAt, c.Brief.Audience = at(15*24*time.Hour+90*time.Second+123456*time.Microsecond), "  SMB Owners"
		twin := newCampaign("cmp_old000000002", "pat", "maya", domain.StatusActive, at(0))
		twin.Brief.LaunchAt = at(16 * 24 * time.Hour)
		h := testHiring("hir_old000000001", domain.TeamFinance, "pat", domain.StatusActive, at(0))
		h.Request.NeededBy = at(20 * 24 * time.Hour)
		r := testRisk("rsk_old000000001", at(0), domain.SeverityHigh, "pat", "")
		r.Response = &domain.RiskPlan{Response: domain.ResponseMitigate, Plan: "p", DueAt: at(21 * 24 * time.Hour), By: "pat", At: at(0)}
		for _, row := range []any{ptr(campaignFromDomain(c)), ptr(campaignFromDomain(twin))} {
			if err := st.db.Omit("launch_at", "audience").Create(row).Error; err != nil {
				t.Fatal(err)
			}
		}
		if err := st.db.Omit("needed_by").Create(ptr(hiringFromDomain(h))).Error; err != nil {
			t.Fatal(err)
		}
		if err := st.db.Omit("response_due_at").Create(ptr(riskFromDomain(r))).Error; err != nil {
			t.Fatal(err)
		}
		if err := st.Migrate(t.Context()); err != nil {
			t.Fatalf("Migrate: %v", err)
		}
		got, err := st.Calendar(t.Context(), domain.CalendarFilter{From: at(14 * 24 * time.Hour), To: at(22 * 24 * time.Hour), Person: "pat"})
		if err != nil {
			t.Fatal(err)
		}
		var lines []string
		for _, e := range got.Entries {
			lines = append(lines, fmt.Sprintf("%s %s %s %q %v", e.At.Format(time.RFC3339Nano), e.Kind, e.ProcessID, e.Audience, e.Overlaps))
		}
		want := []string{
			c.Brief.LaunchAt.UTC().Format(time.RFC3339Nano) + ` launch cmp_old000000001 "smb owners" true`,
			twin.Brief.LaunchAt.UTC().Format(time.RFC3339Nano) + ` launch cmp_old000000002 "smb owners" true`,
			h.Request.NeededBy.UTC().Format(time.RFC3339Nano) + ` hire_needed_by hir_old000000001 "" false`,
			r.Response.DueAt.UTC().Format(time.RFC3339Nano) + ` risk_response_due rsk_old000000001 "" false`,
		}
		if strings.Join(lines, "\n") != strings.Join(want, "\n") {
			t.Errorf("the old records on the calendar:\n%s\nwant\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
		}
	})
}

func TestFeedLinks(t *testing.T) {
	eachBackend(t, func(t *testing.T, st *Store) {
		seedPeople(t, st)
		ctx := t.Context()
		first, feed, err := st.CreateFeed(ctx, "pat", domain.FeedScope{}, at(0))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(first, feedPrefix) || feed.Handle != "pat" || feed.Scope != (domain.FeedScope{}) {
			t.Errorf("CreateFeed = %q, %+v", first, feed)
		}
		team, _, err := st.CreateFeed(ctx, "pat", domain.FeedScope{Team: domain.TeamWeb}, at(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if got, err := st.FeedByToken(ctx, first); err != nil || got.Handle != "pat" || got.Scope.Team != "" {
			t.Errorf("FeedByToken(first) = %+v, %v", got, err)
		}
		// A new link of the same scope replaces the old; the other scope's stays.
		second, _, err := st.CreateFeed(ctx, "pat", domain.FeedScope{}, at(2*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.FeedByToken(ctx, first); !isNotFound(err) {
			t.Errorf("the replaced link still opens: %v", err)
		}
		for _, tok := range []string{second, team} {
			if _, err := st.FeedByToken(ctx, tok); err != nil {
				t.Errorf("FeedByToken(%s…): %v", tok[:8], err)
			}
		}
		for _, bad := range []string{"", "tdf_", "tdf_nothing", "tdt_" + second[4:], strings.ToUpper(second)} {
			if _, err := st.FeedByToken(ctx, bad); !isNotFound(err) {
				t.Errorf("FeedByToken(%q) = %v, want not found", bad, err)
			}
		}
		feeds, err := st.Feeds(ctx, "pat")
		if err != nil {
			t.Fatal(err)
		}
		equal(t, "pat's feeds", feeds, []domain.Feed{
			{Handle: "pat", Scope: domain.FeedScope{Team: domain.TeamWeb}, CreatedAt: utc(at(time.Hour))},
			{Handle: "pat", Scope: domain.FeedScope{}, CreatedAt: utc(at(2 * time.Hour))},
		})
		if _, _, err := st.CreateFeed(ctx, "nobody", domain.FeedScope{}, at(0)); !isNotFound(err) {
			t.Errorf("a feed for nobody: %v", err)
		}
	})
}

func isNotFound(err error) bool { return errors.Is(err, domain.ErrNotFound) }
