// Package e2e holds the end-to-end tests: an in-process Temporal server (the
// devserver package), the real worker, the real Gin API behind the web app and a
// real PostgreSQL database, driven over HTTP as a person would, and in headless
// Chromium for the pages (board_test.go). It is the one test package that links
// the Temporal server, which is slow to build.
package e2e
