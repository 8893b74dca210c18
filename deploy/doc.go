// Package deploy holds the checks of Tandem's deployment files at the repository
// root: docker-compose.yml and its mutual-TLS overlay docker-compose.mtls.yml, the
// Dockerfile and .dockerignore, the Temporal dynamic config under
// deploy/temporal, PostgreSQL's init-roles.sh under deploy/postgres (run against
// the test PostgreSQL), the proxy's Caddyfile under deploy/caddy (adapted by the
// local caddy), and the monitoring profile's Prometheus config and Grafana
// dashboards under deploy/prometheus and deploy/grafana. Nothing here can run a
// container (CI has no Docker engine), so
// the tests read the files and check what a wrong edit would break: start order,
// pinned images, shared configuration and secrets, the search attributes the
// Temporal namespace must have, and a small non-root image of the services
// build, whose `go list -deps` must name neither the Temporal server, nor its
// Web UI, nor the bench. Where an image builds its configuration from a
// template filled from the environment (the Temporal server's and UI's), the
// tests render that same template with the service's environment and check the
// result.
//
// It has tests only. From the application it imports the workflow names and
// search attributes (which the compose file must register), the API's codec path
// and the Temporal client options, and the store with its domain types (to act as
// the app role init-roles.sh makes, on the test PostgreSQL); it imports the Temporal server's and UI
// server's config packages, the ones their images run, to render their templates.
package deploy
