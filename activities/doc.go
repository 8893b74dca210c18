// Package activities holds Tandem's side effects: writing the records that
// workflows project into the database (tasks, process records, timeline events,
// notifications), e-mail and webhook deliveries. Every activity is idempotent,
// because Temporal retries it. The database arrives through the small interfaces
// declared here; this package must not import gorm, store or gin. Webhooks reach
// their receivers only through a netguard.Guard, which refuses internal
// destinations at dial time.
package activities
