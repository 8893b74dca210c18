// Package deploy holds the checks of Tandem's deployment files at the repository
// root: docker-compose.yml, the Dockerfile and .dockerignore, and the Temporal
// dynamic config under deploy/temporal. Nothing here can run a container (CI has no
// Docker engine), so the tests read the files and check what a wrong edit would
// break: start order, pinned images, shared configuration, the search attributes the
// Temporal namespace must have, and a small non-root image.
//
// It has tests only. It imports nothing from the application but the workflow names
// and search attributes of package workflows, which the compose file must register.
package deploy
