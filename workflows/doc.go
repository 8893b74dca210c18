// Package workflows holds Tandem's processes (the campaign launch, and later hiring
// and risk) and the human-task machinery they share. Workflow code is deterministic:
// it reads time through workflow.Now, starts goroutines through workflow.Go, and
// reaches the outside world only through activities. It must not import gorm, store,
// api, gin, net/http, database/sql or os.
package workflows
