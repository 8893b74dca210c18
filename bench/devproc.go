package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"
	"time"
)

// The `tandem dev` targets, from issue 21 (issue 8 asked for 3 s and 300 MiB).
const (
	TargetDevReady = time.Second
	TargetDevRSS   = 200 << 20
)

// DevOptions configures the `tandem dev` part.
type DevOptions struct {
	// Binary is the tandem executable to start; the part is skipped when empty.
	Binary string
	// Settle is how long after ready the memory is read a second time.
	Settle time.Duration
	// Timeout bounds the wait for ready.
	Timeout time.Duration
}

// Dev is `tandem dev` measured as a separate process, on a fresh data directory
// and free ports, with the Temporal Web UI on, as a developer starts it.
type Dev struct {
	Binary string `json:"binary"`
	// Ready is from starting the process to the first 200 from /readyz.
	Ready float64 `json:"ready_ms"`
	// RSSReady is VmRSS once ready; RSSSettled VmRSS and RSSPeak VmHWM Settle later.
	RSSReady   int64 `json:"rss_ready_bytes"`
	RSSSettled int64 `json:"rss_settled_bytes"`
	RSSPeak    int64 `json:"rss_peak_bytes"`
	// RSSAnon and RSSFile split RSSSettled: RssAnon is the process's own memory
	// (Go's heap and stacks, SQLite's caches); RssFile is mostly the
	// executable's pages, mapped from the page cache, clean and shared. How
	// many of those count depends on the size of the page cache's folios,
	// which the kernel maps whole: the same binary counted 106 MiB read from
	// disk or copied, 165 MiB (all of its code and read-only data) right after
	// the linker wrote it, as `go run` does (docs/performance.md).
	RSSAnon int64   `json:"rss_anon_bytes"`
	RSSFile int64   `json:"rss_file_bytes"`
	Settle  float64 `json:"settle_s"`
	// Used is the memory after a little use (see use), Settle after it:
	// VmRSS and its split, and VmHWM then, the peak of the whole run.
	Used Resident `json:"used"`
	// Shutdown is from SIGINT to the process's exit.
	Shutdown float64 `json:"shutdown_ms"`
	// Met says whether ready came within TargetDevReady and the memory stayed
	// under TargetDevRSS.
	Met bool `json:"met"`
}

// Resident is a process's resident memory at one moment, from /proc/PID/status.
type Resident struct {
	RSS  int64 `json:"rss_bytes"`
	Anon int64 `json:"rss_anon_bytes"`
	File int64 `json:"rss_file_bytes"`
	Peak int64 `json:"rss_peak_bytes"`
}

func readResident(pid string) (Resident, error) {
	var r Resident
	var errs [4]error
	r.RSS, errs[0] = memory(pid, "VmRSS")
	r.Anon, errs[1] = memory(pid, "RssAnon")
	r.File, errs[2] = memory(pid, "RssFile")
	r.Peak, errs[3] = memory(pid, "VmHWM")
	return r, errors.Join(errs[:]...)
}

// measureDev starts `tandem dev`, waits for /readyz, reads its memory from /proc
// and stops it with SIGINT, as Ctrl-C would.
func measureDev(ctx context.Context, opts DevOptions, progress io.Writer) (res *Dev, err error) {
	if opts.Timeout <= 0 {
		opts.Timeout = 2 * time.Minute
	}
	dir, err := os.MkdirTemp("", "tandem-bench-dev-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(progress, "  tandem dev: starting %s\n", opts.Binary)
	// Port 0: the embedded Temporal and its UI pick free ports themselves.
	cmd := exec.Command(opts.Binary, "dev", "--data-dir", dir, "--http", addr, "--temporal-port", "0", "--ui-port", "0")
	var logs, banner tail
	cmd.Stdout, cmd.Stderr = &banner, &logs
	started := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start tandem dev: %w", err)
	}
	// gone is closed once the process has exited, and waitErr is then its end.
	var waitErr error
	gone := make(chan struct{})
	go func() {
		waitErr = cmd.Wait()
		close(gone)
	}()
	defer func() {
		select {
		case <-gone:
		default: // still running after an error: kill it
			_ = cmd.Process.Kill()
			<-gone
		}
		if err != nil {
			err = fmt.Errorf("%w; its last output:\n%s", err, logs.String())
		}
	}()

	if err := waitReady(ctx, "http://"+addr+"/readyz", opts.Timeout, gone); err != nil {
		return nil, fmt.Errorf("tandem dev: %w", err)
	}
	res = &Dev{Binary: opts.Binary, Ready: ms(time.Since(started)), Settle: opts.Settle.Seconds()}
	pid := strconv.Itoa(cmd.Process.Pid)
	if res.RSSReady, err = memory(pid, "VmRSS"); err != nil {
		return nil, err
	}
	fmt.Fprintf(progress, "  tandem dev: ready in %s, %s resident; reading it again in %s\n",
		time.Duration(res.Ready*float64(time.Millisecond)).Round(time.Millisecond), mib(res.RSSReady), opts.Settle)
	// settle waits opts.Settle, unless the run is cancelled or tandem dev exits.
	settle := func(after string) error {
		select {
		case <-time.After(opts.Settle):
			return nil
		case <-ctx.Done():
			return ctx.Err()
		case <-gone:
			return fmt.Errorf("tandem dev exited after %s: %v", after, waitErr)
		}
	}
	if err := settle("ready"); err != nil {
		return nil, err
	}
	settled, err := readResident(pid)
	if err != nil {
		return nil, err
	}
	res.RSSSettled, res.RSSPeak, res.RSSAnon, res.RSSFile = settled.RSS, settled.Peak, settled.Anon, settled.File

	fmt.Fprintf(progress, "  tandem dev: %s resident; using it a little, then reading it again in %s\n", mib(res.RSSSettled), opts.Settle)
	if err := use(ctx, "http://"+addr, dir, banner.String()); err != nil {
		return nil, fmt.Errorf("tandem dev: %w", err)
	}
	if err := settle("use"); err != nil {
		return nil, err
	}
	if res.Used, err = readResident(pid); err != nil {
		return nil, err
	}

	stopping := time.Now()
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		return nil, fmt.Errorf("stop tandem dev: %w", err)
	}
	select {
	case <-gone:
		if waitErr != nil {
			return nil, fmt.Errorf("tandem dev did not stop cleanly: %w", waitErr)
		}
	case <-time.After(30 * time.Second):
		return nil, errors.New("tandem dev did not stop within 30s of SIGINT")
	}
	res.Shutdown = ms(time.Since(stopping))
	res.Met = res.Ready < ms(TargetDevReady) && max(res.RSSReady, res.RSSSettled, res.RSSPeak, res.Used.RSS, res.Used.Peak) < TargetDevRSS
	return res, nil
}

// uiLine is the banner's line with the Temporal UI's address.
var uiLine = regexp.MustCompile(`Temporal UI\s+(http://[^/\s]+)`)

// appAsset is an asset the Temporal UI's page loads.
var appAsset = regexp.MustCompile(`"(/_app/[^"]+\.(?:js|css))"`)

// use does what a developer's first minute with `tandem dev` does: pat creates
// a campaign through the API and maya approves its brief; pat's board draws
// their work and the campaign; the Temporal UI's page loads with its scripts
// and lists the workflows. base is the API's address, dir the data directory
// (its demo-tokens.json), banner what the process printed.
func use(ctx context.Context, base, dir, banner string) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	raw, err := os.ReadFile(filepath.Join(dir, "demo-tokens.json"))
	if err != nil {
		return err
	}
	tokens := map[string]string{}
	if err := json.Unmarshal(raw, &tokens); err != nil {
		return fmt.Errorf("demo-tokens.json: %w", err)
	}
	h := newHTTPClient(base, tokens)
	campaign, err := h.createCampaign(ctx)
	if err != nil {
		return err
	}
	task, err := h.briefReview(ctx, campaign)
	if err != nil {
		return err
	}
	if err := h.completeTask(ctx, task); err != nil {
		return err
	}
	session, err := h.boardSession(ctx, "pat")
	if err != nil {
		return err
	}
	for _, path := range []string{"/", "/campaigns/" + campaign} {
		if _, err := h.get(ctx, base+path, &http.Cookie{Name: "tandem_session", Value: session}); err != nil {
			return err
		}
	}

	m := uiLine.FindStringSubmatch(banner)
	if m == nil {
		return fmt.Errorf("no Temporal UI address in its banner:\n%s", banner)
	}
	page, err := h.get(ctx, m[1]+"/", nil)
	if err != nil {
		return err
	}
	for _, a := range appAsset.FindAllStringSubmatch(string(page), -1) {
		if _, err := h.get(ctx, m[1]+a[1], nil); err != nil {
			return err
		}
	}
	_, err = h.get(ctx, m[1]+"/api/v1/namespaces/default/workflows?query=", nil)
	return err
}

// waitReady polls url until it answers 200, the process exits or timeout passes.
func waitReady(ctx context.Context, url string, timeout time.Duration, gone <-chan struct{}) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	client := &http.Client{Timeout: time.Second}
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		if resp, err := client.Do(req); err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-gone:
			return errors.New("exited before ready")
		case <-ctx.Done():
			return fmt.Errorf("not ready within %s", timeout)
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// freeAddr returns a loopback address with a port free right now.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// tail keeps the last 4 KiB written to it: enough of a child's log to say why it failed.
type tail struct {
	mu  sync.Mutex
	buf []byte
}

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - 4096; over > 0 {
		t.buf = bytes.Clone(t.buf[over:])
	}
	return len(p), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}
