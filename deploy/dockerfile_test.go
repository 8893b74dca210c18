package deploy

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

func TestDockerfile(t *testing.T) {
	root := repoRoot(t)
	var p problems
	checkDockerfile(&p, string(readFile(t, filepath.Join(root, "Dockerfile"))), readFile(t, filepath.Join(root, "go.mod")))
	for _, msg := range p {
		t.Error(msg)
	}
}

// Every check must be able to fail: each mutation breaks one thing in a copy of the
// Dockerfile, and the checks must report it.
func TestDockerfileChecksCatchMistakes(t *testing.T) {
	root := repoRoot(t)
	original := string(readFile(t, filepath.Join(root, "Dockerfile")))
	goMod := readFile(t, filepath.Join(root, "go.mod"))
	tests := []struct {
		name     string
		old, new string // the first occurrence of old is replaced
		want     string
	}{
		{"single stage", "FROM gcr.io/distroless/static-debian12:nonroot\n", "", "multi-stage"},
		{"builder not pinned", "FROM golang:1.26.8-bookworm AS build", "FROM golang:latest AS build", "golang"},
		{"builder not go.mod's go", "FROM golang:1.26.8-bookworm AS build", "FROM golang:1.25.5-bookworm AS build", "go.mod"},
		{"cgo", "CGO_ENABLED=0 go build", "go build", "CGO_ENABLED=0"},
		{"cgo on", "CGO_ENABLED=0 go build", "CGO_ENABLED=1 go build", "CGO_ENABLED"},
		{"other package", "./cmd/tandem\n", "./cmd/other\n", "./cmd/tandem"},
		{"not the services build", "-tags services ", "", "-tags services"},
		{"other tags", "-tags services ", "-tags netgo ", "-tags services"},
		{"no trimpath", "-trimpath ", "", "-trimpath"},
		{"modules not cached", "COPY go.mod go.sum ./\nRUN go mod download\n", "", "go mod download"},
		{"modules after sources", "COPY go.mod go.sum ./\nRUN go mod download\n", "COPY . .\nRUN go mod download\n", "go mod download"},
		{"big final image", "FROM gcr.io/distroless/static-debian12:nonroot", "FROM debian:bookworm-slim", "distroless"},
		{"root final image", "FROM gcr.io/distroless/static-debian12:nonroot", "FROM gcr.io/distroless/static-debian12:latest", "distroless"},
		{"no USER", "USER nonroot:nonroot\n", "", "USER"},
		{"USER root", "USER nonroot:nonroot", "USER root", "USER"},
		{"shell-form entrypoint", `ENTRYPOINT ["/tandem"]`, "ENTRYPOINT /tandem", "ENTRYPOINT"},
		{"binary elsewhere", "COPY --from=build /out/tandem /tandem", "COPY --from=build /out/tandem /usr/local/bin/tandem", "/tandem"},
		{"not copied from the build", "COPY --from=build /out/tandem /tandem", "COPY tandem /tandem", "build stage"},
		{"no EXPOSE", "EXPOSE 8080", "EXPOSE 9090", "EXPOSE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(original, tt.old) {
				t.Fatalf("Dockerfile no longer contains %q: update this mutation", tt.old)
			}
			var p problems
			checkDockerfile(&p, strings.Replace(original, tt.old, tt.new, 1), goMod)
			i := slices.IndexFunc(p, func(msg string) bool { return strings.Contains(msg, tt.want) })
			if i < 0 {
				t.Errorf("no problem mentions %q; problems found: %q", tt.want, p)
				return
			}
			t.Logf("caught: %s", p[i])
		})
	}
}

// The services image links neither the Temporal server, nor its Web UI, nor
// what only `tandem dev` and `tandem bench` use: `go list -deps` of the
// Dockerfile's build, with its tags, names none of them. The same check of the
// build without its tags (what `go run ./cmd/tandem dev` builds) must name
// each, or it could not fail.
func TestServicesImageLinksNoTemporalServer(t *testing.T) {
	root := repoRoot(t)
	tags, ok := buildTags(string(readFile(t, filepath.Join(root, "Dockerfile"))))
	if !ok {
		t.Fatal("Dockerfile: no RUN go build in any stage")
	}
	var p problems
	checkServicesDeps(&p, root, tags)
	for _, msg := range p {
		t.Error(msg)
	}

	var full problems
	checkServicesDeps(&full, root, "")
	for _, pkg := range servicesMustNotLink {
		if !slices.ContainsFunc(full, func(msg string) bool { return strings.Contains(msg, " links "+pkg+" ") }) {
			t.Errorf("the check of the build without tags does not report %s; problems found: %q", pkg, full)
		}
	}
}

func TestDockerignore(t *testing.T) {
	var p problems
	checkDockerignore(&p, string(readFile(t, filepath.Join(repoRoot(t), ".dockerignore"))))
	for _, msg := range p {
		t.Error(msg)
	}
}

func TestDockerignoreChecksCatchMistakes(t *testing.T) {
	original := string(readFile(t, filepath.Join(repoRoot(t), ".dockerignore")))
	tests := []struct {
		name     string
		old, new string
		want     string
	}{
		{"a package", ".git\n", ".git\ncmd/**\n", "cmd/tandem/main.go"},
		{"nested go files", ".git\n", ".git\n**/*.go\n", "contract/names.go"},
		{"go.sum", ".git\n", ".git\ngo.sum\n", "go.sum"},
		{"cmd", ".git\n", ".git\ncmd\n", "cmd/tandem/main.go"},
		{"everything", ".git\n", ".git\n*\n", "go.mod"},
		{"secrets", ".env\n", "", ".env"},
		{"history", ".git\n", "", ".git"},
		{"re-included", ".env\n", ".env\n!.env\n", ".env"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(original, tt.old) {
				t.Fatalf(".dockerignore no longer contains %q: update this mutation", tt.old)
			}
			var p problems
			checkDockerignore(&p, strings.Replace(original, tt.old, tt.new, 1))
			i := slices.IndexFunc(p, func(msg string) bool { return strings.Contains(msg, tt.want) })
			if i < 0 {
				t.Errorf("no problem mentions %q; problems found: %q", tt.want, p)
				return
			}
			t.Logf("caught: %s", p[i])
		})
	}
}

// instruction is one Dockerfile instruction, continuation lines joined.
type instruction struct {
	cmd  string // upper case: FROM, RUN, ...
	args string
}

// stage is one build stage: its FROM image, its name and its instructions after FROM.
type stage struct {
	image, name string
	instrs      []instruction
}

// parseDockerfile splits a Dockerfile into stages. Enough of the syntax for our own
// file: comments, line continuations, FROM [--platform=...] image [AS name].
func parseDockerfile(text string) []stage {
	var stages []stage
	var logical strings.Builder
	flush := func() {
		line := strings.TrimSpace(logical.String())
		logical.Reset()
		if line == "" {
			return
		}
		cmd, args, _ := strings.Cut(line, " ")
		in := instruction{cmd: strings.ToUpper(cmd), args: strings.TrimSpace(args)}
		if in.cmd == "FROM" {
			var st stage
			fields := slices.DeleteFunc(strings.Fields(in.args), func(f string) bool { return strings.HasPrefix(f, "--") })
			if len(fields) > 0 {
				st.image = fields[0]
			}
			if len(fields) == 3 && strings.EqualFold(fields[1], "AS") {
				st.name = fields[2]
			}
			stages = append(stages, st)
			return
		}
		if len(stages) > 0 {
			stages[len(stages)-1].instrs = append(stages[len(stages)-1].instrs, in)
		}
	}
	for _, line := range strings.Split(text, "\n") {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "#") {
			continue // comments, also between continuation lines
		}
		if body, ok := strings.CutSuffix(trimmed, `\`); ok {
			logical.WriteString(body + " ")
			continue
		}
		logical.WriteString(trimmed)
		flush()
	}
	flush()
	return stages
}

// find is the index of the first instruction of st with command cmd whose arguments
// satisfy match, -1 if none.
func (st stage) find(cmd string, match func(args string) bool) int {
	return slices.IndexFunc(st.instrs, func(in instruction) bool { return in.cmd == cmd && match(in.args) })
}

var (
	goDirective  = regexp.MustCompile(`(?m)^go\s+(\S+)`)
	tagsFlag     = regexp.MustCompile(`(?:^|\s)--?tags(?:=|\s+)["']?([^\s"']*)`)
	patchVersion = regexp.MustCompile(`^\d+\.\d+\.\d+`)
	buildsTandem = regexp.MustCompile(`\./cmd/tandem/?(\s|$)`)
	cgoSetting   = regexp.MustCompile(`CGO_ENABLED=(\S+)`)
)

// checkDockerfile: a multi-stage build of ./cmd/tandem as a static binary of the
// services build (-tags services), with the module download cached in its own
// layer, into a distroless non-root image.
func checkDockerfile(p *problems, text string, goMod []byte) {
	stages := parseDockerfile(text)
	if len(stages) < 2 {
		p.addf("Dockerfile: %d stage(s), want a multi-stage build (a build stage and a small final stage)", len(stages))
		return
	}
	final := stages[len(stages)-1]

	// The build stage is the one the final stage copies the binary from.
	var build *stage
	copyBin := final.find("COPY", func(args string) bool { return strings.Contains(args, "--from=") })
	if copyBin < 0 {
		p.addf("Dockerfile: the final stage copies nothing from a build stage")
	} else {
		args := strings.Fields(final.instrs[copyBin].args)
		from := ""
		for _, a := range args {
			if v, ok := strings.CutPrefix(a, "--from="); ok {
				from = v
			}
		}
		for i := range stages[:len(stages)-1] {
			if stages[i].name == from || from == string(rune('0'+i)) {
				build = &stages[i]
			}
		}
		if build == nil {
			p.addf("Dockerfile: the final stage copies from %q, which is not a build stage", from)
		}
		if dst := args[len(args)-1]; dst != "/tandem" {
			p.addf("Dockerfile: the binary is copied to %s, want /tandem (the compose healthchecks run /tandem)", dst)
		}
	}

	if build != nil {
		checkBuildStage(p, *build, goMod)
	}

	repo, tag, _ := splitImage(final.image)
	if !strings.HasPrefix(repo, "gcr.io/distroless/static") || !strings.Contains(tag, "nonroot") {
		p.addf("Dockerfile: final stage FROM %s, want gcr.io/distroless/static-debian12:nonroot (no shell, non-root)", final.image)
	}
	users := slices.DeleteFunc(slices.Clone(final.instrs), func(in instruction) bool { return in.cmd != "USER" })
	if len(users) == 0 {
		p.addf("Dockerfile: no USER in the final stage, want USER nonroot:nonroot")
	} else if user, _, _ := strings.Cut(users[len(users)-1].args, ":"); user == "root" || user == "0" {
		p.addf("Dockerfile: USER %s in the final stage, want a non-root user", users[len(users)-1].args)
	}
	if final.find("ENTRYPOINT", func(args string) bool { return args == `["/tandem"]` }) < 0 {
		p.addf(`Dockerfile: want ENTRYPOINT ["/tandem"] (exec form: the image has no shell)`)
	}
	if final.find("EXPOSE", func(args string) bool { return slices.Contains(strings.Fields(args), "8080") }) < 0 {
		p.addf("Dockerfile: want EXPOSE 8080 (the API's port)")
	}
}

func checkBuildStage(p *problems, build stage, goMod []byte) {
	repo, tag, _ := splitImage(build.image)
	if repo != "golang" || !patchVersion.MatchString(tag) {
		p.addf("Dockerfile: build stage FROM %s, want golang:<major.minor.patch>[-variant]", build.image)
	} else if m := goDirective.FindSubmatch(goMod); m != nil {
		if v := string(m[1]); tag != v && !strings.HasPrefix(tag, v+"-") {
			p.addf("Dockerfile: build stage FROM %s, but go.mod says go %s", build.image, v)
		}
	}

	goBuild := build.find("RUN", func(args string) bool { return strings.Contains(args, "go build") })
	if goBuild < 0 {
		p.addf("Dockerfile: the build stage has no RUN go build")
		return
	}
	cmd := build.instrs[goBuild].args
	if !buildsTandem.MatchString(cmd) {
		p.addf("Dockerfile: %q does not build ./cmd/tandem", cmd)
	}
	if !slices.Contains(strings.Split(tagsOf(cmd), ","), "services") {
		p.addf("Dockerfile: %q: want -tags services (the services build: no Temporal server, UI or bench in the image)", cmd)
	}
	if !strings.Contains(cmd, "-trimpath") {
		p.addf("Dockerfile: %q: want -trimpath (no build paths in the binary)", cmd)
	}
	// CGO_ENABLED=0 on the go build command or in an ENV before it.
	cgo := ""
	for _, in := range build.instrs[:goBuild+1] {
		if in.cmd == "ENV" || in == build.instrs[goBuild] {
			if m := cgoSetting.FindStringSubmatch(in.args); m != nil {
				cgo = m[1]
			}
		}
	}
	if cgo != "0" {
		p.addf("Dockerfile: CGO_ENABLED=%q for go build, want CGO_ENABLED=0 (a static binary for distroless/static)", cgo)
	}

	// go.mod and go.sum alone, then go mod download, then the sources: the module layer
	// is reused until go.mod or go.sum change.
	copyMods := build.find("COPY", func(args string) bool {
		f := strings.Fields(args)
		return slices.Contains(f, "go.mod") && slices.Contains(f, "go.sum") && !slices.Contains(f[:len(f)-1], ".")
	})
	download := build.find("RUN", func(args string) bool { return strings.Contains(args, "go mod download") })
	copySrc := build.find("COPY", func(args string) bool { return strings.HasPrefix(args, ". ") })
	if copyMods < 0 || download < 0 || copySrc < 0 || !(copyMods < download && download < copySrc && copySrc < goBuild) {
		p.addf("Dockerfile: want COPY go.mod go.sum, then RUN go mod download, then COPY . ., then go build (module download cached in its own layer)")
	}
}

// servicesMustNotLink are the packages (and those under them) the services
// image must not link: the Temporal server and its Web UI's server, which
// `tandem dev` embeds, and what only `tandem dev` and `tandem bench` import.
var servicesMustNotLink = []string{
	"go.temporal.io/server",
	"github.com/temporalio/ui-server",
	"github.com/tandemhq/tandem/devserver",
	"github.com/tandemhq/tandem/bench",
}

// buildTags is the -tags of the first RUN go build in text; ok is false when
// there is no go build.
func buildTags(text string) (tags string, ok bool) {
	for _, st := range parseDockerfile(text) {
		if i := st.find("RUN", func(args string) bool { return strings.Contains(args, "go build") }); i >= 0 {
			return tagsOf(st.instrs[i].args), true
		}
	}
	return "", false
}

// tagsOf is the -tags of a go build command, "" when it has none.
func tagsOf(cmd string) string {
	if m := tagsFlag.FindStringSubmatch(cmd); m != nil {
		return m[1]
	}
	return ""
}

// checkServicesDeps: `go list -deps` of ./cmd/tandem built with tags, as the
// image builds it (CGO_ENABLED=0, for Linux), lists none of servicesMustNotLink.
func checkServicesDeps(p *problems, root, tags string) {
	cmd := exec.Command("go", "list", "-deps", "-tags", tags, "./cmd/tandem")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOFLAGS=")
	out, err := cmd.Output()
	if err != nil {
		p.addf("go list -deps -tags %q ./cmd/tandem: %v", tags, err)
		return
	}
	linked := map[string][]string{}
	for _, pkg := range strings.Fields(string(out)) {
		for _, bad := range servicesMustNotLink {
			if pkg == bad || strings.HasPrefix(pkg, bad+"/") {
				linked[bad] = append(linked[bad], pkg)
			}
		}
	}
	for _, bad := range servicesMustNotLink {
		if pkgs := linked[bad]; len(pkgs) > 0 {
			p.addf("the services build (-tags %q) links %s (%s)", tags, bad, examples(pkgs))
		}
	}
}

// examples names the first of pkgs and says how many there are.
func examples(pkgs []string) string {
	if len(pkgs) == 1 {
		return pkgs[0]
	}
	return fmt.Sprintf("%d packages, %s among them", len(pkgs), pkgs[0])
}

// checkDockerignore: the build context leaves out the repository history and secrets,
// and keeps everything go build ./cmd/tandem needs.
func checkDockerignore(p *problems, text string) {
	var patterns []string
	for _, line := range strings.Split(text, "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			patterns = append(patterns, line)
		}
	}
	for _, path := range []string{".git/HEAD", ".env"} {
		if !dockerignored(patterns, path) {
			p.addf(".dockerignore: %s is in the build context, want it left out", path)
		}
	}
	for _, path := range []string{"go.mod", "go.sum", "cmd/tandem/main.go", "contract/names.go", "store/store.go"} {
		if dockerignored(patterns, path) {
			p.addf(".dockerignore: leaves out %s, which go build ./cmd/tandem needs", path)
		}
	}
}

// dockerignored reports whether path is left out of the build context: the last
// pattern matching it or one of its parent directories decides, "!" re-includes.
func dockerignored(patterns []string, path string) bool {
	ignored := false
	for _, pat := range patterns {
		negate := strings.HasPrefix(pat, "!")
		pat = strings.TrimPrefix(strings.TrimPrefix(pat, "!"), "/")
		re := dockerignoreRegexp(pat)
		for p := path; p != "." && p != ""; p = filepath.Dir(p) {
			if re.MatchString(p) {
				ignored = !negate
				break
			}
		}
	}
	return ignored
}

// dockerignoreRegexp compiles a .dockerignore pattern: ** any number of directories,
// * and ? within one path element.
func dockerignoreRegexp(pat string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString("^")
	for i := 0; i < len(pat); i++ {
		switch {
		case strings.HasPrefix(pat[i:], "**/"):
			b.WriteString("(.*/)?")
			i += 2
		case strings.HasPrefix(pat[i:], "**"):
			b.WriteString(".*")
			i++
		case pat[i] == '*':
			b.WriteString("[^/]*")
		case pat[i] == '?':
			b.WriteString("[^/]")
		default:
			b.WriteString(regexp.QuoteMeta(pat[i : i+1]))
		}
	}
	b.WriteString("$")
	return regexp.MustCompile(b.String())
}
