package temporalclient

import (
	"time"

	taskqueuepb "go.temporal.io/api/taskqueue/v1"
)

// PollerFresh is how recently a poller must have been seen on a task queue to
// count as polling. Temporal notes a poller when its long poll starts and when
// it ends, and a long poll waits up to a minute for a task, so a live worker is
// seen at least once a minute or so; a stopped worker is forgotten at once, a
// killed one within PollerFresh.
const PollerFresh = 90 * time.Second

// LivePollers returns the identities of the pollers Temporal saw within
// PollerFresh of now, out of what DescribeTaskQueue answers (which keeps
// pollers for five minutes).
func LivePollers(pollers []*taskqueuepb.PollerInfo, now time.Time) []string {
	var out []string
	for _, p := range pollers {
		if now.Sub(p.GetLastAccessTime().AsTime()) <= PollerFresh {
			out = append(out, p.GetIdentity())
		}
	}
	return out
}
