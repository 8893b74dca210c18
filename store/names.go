package store

import (
	"context"

	"github.com/tandemhq/tandem/domain"
)

// Names answers what each of ids stands for: a campaign, hiring request or
// risk by its name, a task by its title, a candidate by their name with the
// request they applied to. An ID of no record is left out; so is one of no
// known kind. One query per kind of ID asked for, each by primary key.
func (st *Store) Names(ctx context.Context, ids []string) ([]domain.NamedID, error) {
	byKind := map[domain.NameKind][]string{}
	for _, id := range ids {
		if k, ok := domain.NameKindOf(id); ok {
			byKind[k] = append(byKind[k], id)
		}
	}
	var out []domain.NamedID
	for _, k := range []struct {
		kind         domain.NameKind
		table, name  string
		withHiringID bool
	}{
		{domain.NameCampaign, "campaigns", "name", false},
		{domain.NameHiring, "hiring_requests", "name", false},
		{domain.NameRisk, "risks", "name", false},
		{domain.NameTask, "tasks", "title", false},
		{domain.NameCandidate, "candidates", "name", true},
	} {
		if len(byKind[k.kind]) == 0 {
			continue
		}
		cols := "id, " + k.name + " AS name"
		if k.withHiringID {
			cols += ", hiring_id"
		}
		var rows []struct{ ID, Name, HiringID string }
		if err := st.reads.WithContext(ctx).Table(k.table).Select(cols).Where("id IN ?", byKind[k.kind]).Order("id").Scan(&rows).Error; err != nil {
			return nil, wrap(err, "names of "+k.table)
		}
		for _, r := range rows {
			out = append(out, domain.NamedID{ID: r.ID, Kind: k.kind, Name: r.Name, HiringID: r.HiringID})
		}
	}
	return out, nil
}
