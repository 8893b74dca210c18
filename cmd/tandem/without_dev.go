//go:build services

package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
)

// The services image is built with -tags services (see the Dockerfile): it
// runs `tandem api`, `tandem worker` and their one-shots, and leaves out what
// only a laptop or a benchmark runs. `tandem dev` links the Temporal server
// and its Web UI, `tandem bench` the load generator; neither belongs in a
// production image, and the server is most of the binary. deploy/ checks that
// this build links none of them.

func runDev(context.Context, []string, io.Writer, *slog.Logger) error { return notInThisBuild("dev") }

func runBench(context.Context, []string, io.Writer) error { return notInThisBuild("bench") }

func notInThisBuild(cmd string) error {
	return fmt.Errorf("tandem %s is not in this build, made for the api and worker services (-tags services); run it from the source: go run ./cmd/tandem %s", cmd, cmd)
}
