package deploy

import (
	"fmt"
	"io"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"

	"github.com/compose-spec/compose-go/v2/types"
	uiconfigfs "github.com/temporalio/ui-server/v2/plugins/fs_config_provider"
	uiconfig "github.com/temporalio/ui-server/v2/server/config"
	serverconfig "go.temporal.io/server/common/config"
)

// The Temporal images build their configuration from templates filled from the
// environment. These render the very templates the pinned images use (the image
// tags are checked against go.mod, which pins these modules) with a service's
// environment, so a misspelt or missing variable shows as a wrong setting rather
// than passing a check of names.

// renderServerConfig is the configuration temporalio/server builds at start:
// `temporal-server start` with no config file renders the template embedded in
// the binary.
func renderServerConfig(s types.ServiceConfig) (*serverconfig.Config, error) {
	var cfg *serverconfig.Config
	var err error
	withEnv(serviceEnv(s), func() { cfg, err = serverconfig.Load(serverconfig.WithEmbedded()) })
	return cfg, err
}

// renderUIConfig is the configuration temporalio/ui builds at start: the image
// runs `ui-server --env docker` over the ui-server module's config/docker.yaml.
func renderUIConfig(s types.ServiceConfig) (*uiconfig.Config, error) {
	dir, err := uiServerDir()
	if err != nil {
		return nil, err
	}
	var cfg *uiconfig.Config
	withEnv(serviceEnv(s), func() { cfg, err = uiconfigfs.LoadConfig(filepath.Join(dir, "config"), "docker") })
	return cfg, err
}

var uiModule struct {
	once sync.Once
	dir  string
	err  error
}

// uiServerDir is the ui-server module's directory in the module cache.
func uiServerDir() (string, error) {
	uiModule.once.Do(func() {
		out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/temporalio/ui-server/v2").Output()
		if err != nil {
			uiModule.err = fmt.Errorf("locate the ui-server module: %w", err)
			return
		}
		uiModule.dir = strings.TrimSpace(string(out))
	})
	return uiModule.dir, uiModule.err
}

// serviceEnv is a service's environment; variables listed without a value are
// not set in the container.
func serviceEnv(s types.ServiceConfig) map[string]string {
	env := map[string]string{}
	for k, v := range s.Environment {
		if v != nil {
			env[k] = *v
		}
	}
	return env
}

// withEnv runs f with exactly env as the process environment, as the container
// sees it (nothing from the machine running the test), then puts the test's
// back. The tests of this package do not run in parallel.
func withEnv(env map[string]string, f func()) {
	saved := os.Environ()
	os.Clearenv()
	for k, v := range env {
		os.Setenv(k, v)
	}
	defer func() {
		os.Clearenv()
		for _, kv := range saved {
			k, v, _ := strings.Cut(kv, "=")
			os.Setenv(k, v)
		}
	}()
	quietLog(f)
}

// quietLog runs f with the standard logger discarding: the Temporal and UI
// servers' loaders log every file they read.
func quietLog(f func()) {
	out := log.Writer()
	log.SetOutput(io.Discard)
	defer log.SetOutput(out)
	f()
}
