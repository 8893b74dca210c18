package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"

	"github.com/gin-gonic/gin"

	"github.com/tandemhq/tandem/domain"
)

// NameRecords answers what IDs stand for.
type NameRecords interface {
	// Names answers the records among ids by their names; an unknown ID is left out.
	Names(ctx context.Context, ids []string) ([]domain.NamedID, error)
}

// names answers what the IDs of ?id= stand for: campaigns, hiring requests
// and risks by their names, tasks by their titles, candidates by their names
// for those who may read them (domain.HiringRequest.MayReadCandidates; to
// anyone else a candidate is answered without a name). Workflow texts name
// things by ID on purpose, since a candidate's name never enters Temporal; a
// reader such as the board resolves every ID of a page in this one call.
func (s *Server) names(c *gin.Context) {
	ids := c.QueryArray("id")
	var p domain.Problems
	switch {
	case len(ids) == 0:
		p.Add("id", "required: one or more IDs")
	case len(ids) > domain.MaxNamedIDs:
		p.Add("id", "at most %d IDs at once", domain.MaxNamedIDs)
	}
	for i, id := range ids {
		if _, ok := domain.NameKindOf(id); !ok {
			p.Add("id", "ID number %d is not the ID of a campaign, hiring request, risk, task or candidate", i+1)
		}
	}
	if err := p.Err(); err != nil {
		s.fail(c, err)
		return
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	ctx, cancel := s.ctx(c)
	defer cancel()
	named, err := s.records.Names(ctx, ids)
	if err != nil {
		s.fail(c, fmt.Errorf("names: %w", err))
		return
	}
	reader := domain.ActorOf(caller(c))
	mayRead := map[string]bool{} // by hiring request
	for i, n := range named {
		if n.Kind != domain.NameCandidate {
			continue
		}
		may, known := mayRead[n.HiringID]
		if !known {
			r, err := s.records.HiringRequest(ctx, n.HiringID)
			switch {
			case err == nil:
				may = r.MayReadCandidates(reader)
			case !errors.Is(err, domain.ErrNotFound):
				s.fail(c, fmt.Errorf("names: hiring request %s: %w", n.HiringID, err))
				return
			}
			mayRead[n.HiringID] = may
		}
		if !may {
			named[i].Name = ""
		}
	}
	c.JSON(http.StatusOK, gin.H{"items": nonNil(named)})
}
