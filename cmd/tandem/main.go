// Command tandem runs Tandem: `tandem dev` runs everything in one process;
// `api`, `worker` and `migrate` are the separate services of a deployment
// (`migrate status` prints the schema version);
// `policy default` prints the built-in policy; `token` creates and revokes API
// tokens; `audit verify` checks the audit trail; `templates validate` checks a
// process template and `templates apply` publishes one; `bench` measures performance.
// Configuration comes from TANDEM_* environment variables; flags override them.
//
// Every command wires Tandem's parts through internal/wiring. Built with
// -tags services, as the container image is, it leaves out dev and bench,
// which link the Temporal server, its Web UI and the load generator.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
)

const usage = `Tandem runs cross-team processes (campaign launches, hiring, risks) on Temporal.

Usage:
  tandem dev                  everything in one process: Temporal, its Web UI, worker, API
  tandem api                  the HTTP API
  tandem worker               the Temporal worker
  tandem migrate              create or update the database schema to this build's newest version
  tandem migrate status       print the database's schema version and this build's versions
  tandem policy default       print the built-in policy as YAML
  tandem token create         make an API token for a person (--handle H [--expires 720h])
  tandem token revoke TOKEN   revoke a token (or --all --handle H: all of a person's)
  tandem people import FILE   create or update the people listed in a YAML file; nothing is written if any is wrong
  tandem audit verify         check the audit trail's hash chain; exit 1 naming the first bad entry
  tandem templates validate FILE  check a process template: every problem with its path; exit 1 on any
  tandem templates apply FILE --by H  publish a process template as its next version (as the API does); nothing is stored if any is wrong
  tandem templates schema     print the JSON Schema of a process template
  tandem codec new-key        print a new key for encrypting what Temporal stores ([--id ID])
  tandem healthcheck URL      exit 0 when URL answers 2xx (for container health checks)
  tandem bench                measure the SDK floor and Tandem over HTTP; prints a table, writes JSON (--smoke: seconds)

Run 'tandem COMMAND -h' for the flags of a command. Every flag can also be set by
its TANDEM_* environment variable, shown with the flag.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "tandem:", err)
		}
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(os.Stderr, usage)
		return errors.New("a command is required")
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "dev":
		return runDev(ctx, rest, stdout, logger)
	case "api":
		return runAPI(ctx, rest, logger)
	case "worker":
		return runWorker(ctx, rest, logger)
	case "migrate":
		return runMigrate(ctx, rest, stdout, logger)
	case "policy":
		return runPolicy(rest, stdout)
	case "healthcheck":
		return runHealthcheck(ctx, rest)
	case "token":
		return runToken(ctx, rest, os.Stdin, stdout, logger)
	case "people":
		return runPeople(ctx, rest, stdout, logger)
	case "audit":
		return runAudit(ctx, rest, stdout)
	case "templates":
		return runTemplates(ctx, rest, stdout, logger)
	case "codec":
		return runCodec(rest, stdout)
	case "bench":
		return runBench(ctx, rest, stdout)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(os.Stderr, usage)
	return fmt.Errorf("unknown command %q", cmd)
}
