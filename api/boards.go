package api

import (
	"context"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/tandemhq/tandem/domain"
)

// BoardRecords is the boards' part of the records (store/board.go).
type BoardRecords interface {
	// BoardCards answers one column of a board, a page at a time, each card
	// with whom it waits on, in two indexed queries.
	BoardCards(ctx context.Context, f domain.BoardFilter) (domain.Page[domain.BoardCard], error)
}

// boardProcesses are the boards' path segments: the process lists' own.
var boardProcesses = map[string]domain.Process{
	"campaigns":       domain.ProcessCampaign,
	"hiring-requests": domain.ProcessHiring,
	"risks":           domain.ProcessRisk,
}

// boardColumn answers one column of a board: the running processes of a kind
// in one stage (a risk's: its status), oldest first, each with whom it waits
// on and its next due time. A card holds only what the process lists and the
// task list show everyone (a hiring request's title, requester, stage and
// step; its tasks' titles and holders, never their descriptions or data), so
// everyone may read every board, as they may read those lists.
func (s *Server) boardColumn(c *gin.Context) {
	process, ok := boardProcesses[c.Param("process")]
	if !ok {
		s.fail(c, domain.NotFoundf("there is no board of %q: the boards are campaigns, hiring-requests and risks", c.Param("process")))
		return
	}
	var p domain.Problems
	f := domain.BoardFilter{Process: process, Stage: c.Query("stage"), Owner: c.Query("owner"), Team: enumParam(c, &p, "team", domain.Teams)}
	if !domain.ValidBoardStage(process, f.Stage) {
		p.Add("stage", "must be one of %s", strings.Join(domain.BoardStages[process], ", "))
	}
	if f.Owner == "me" {
		f.Owner = caller(c).Handle
	}
	page, ok := listPage(s, c, p, "board cards", func(ctx context.Context, o domain.ListOptions) (domain.Page[domain.BoardCard], error) {
		f.ListOptions = o
		return s.records.BoardCards(ctx, f)
	})
	if !ok {
		return
	}
	for i := range page.Items {
		page.Items[i].WaitingOn = nonNil(page.Items[i].WaitingOn)
	}
	c.JSON(http.StatusOK, page)
}
