# The tandem binary in a small non-root image. One image serves every subcommand
# of a deployment: docker-compose.yml runs it as `migrate`, `api` and `worker`.
# It is the services build (-tags services): `tandem dev` and `tandem bench`,
# which link the Temporal server, its Web UI and the load generator, are left
# out; on a laptop, `go run ./cmd/tandem dev` has them.
#
#   docker build -t tandem .
#
# The tests in deploy/ check this file: run `go test ./deploy/` after changing it.

# The toolchain go.mod asks for (go 1.26.8), pinned so a rebuild cannot pick up another.
FROM golang:1.26.8-bookworm AS build

WORKDIR /src

# Fail, rather than download another toolchain, if go.mod's go line moves past the image's.
ENV GOTOOLCHAIN=local

# Modules in their own layer: it is rebuilt only when go.mod or go.sum change, not on
# every source edit.
# go.mod replaces a module with this directory, so its go.mod is part of the module graph.
COPY third_party/auto-scaled-workers/go.mod third_party/auto-scaled-workers/go.sum ./third_party/auto-scaled-workers/
COPY go.mod go.sum ./
RUN go mod download

# CGO_ENABLED=0: a static binary for distroless/static (the SQLite driver is pure Go).
COPY . .
RUN --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 go build -tags services -trimpath -ldflags="-s -w" -o /out/tandem ./cmd/tandem

# CA certificates and tzdata, no shell, no package manager; runs as uid 65532.
FROM gcr.io/distroless/static-debian12:nonroot

COPY --from=build /out/tandem /tandem

USER nonroot:nonroot
EXPOSE 8080
ENTRYPOINT ["/tandem"]
