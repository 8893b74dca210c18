package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"testing"
	"time"
)

// TestDevSurvivesSIGKILL runs the real `tandem dev`, kills it with SIGKILL in
// the middle of a campaign and starts it again on the same data directory: the
// campaign must go on from where it was, with the same tasks, none lost or doubled.
func TestDevSurvivesSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the tandem binary")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "tandem")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	_, temporalPort, _ := net.SplitHostPort(freePort(t))
	dev := &devProcess{bin: bin, data: filepath.Join(dir, "data"), api: freePort(t), temporalPort: temporalPort}
	if err := dev.start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(dev.kill)
	tokens := demoTokens(t, dev.data)
	c := apiClient{t: t, base: "http://" + dev.api + "/api/v1", tokens: tokens}
	var created struct{ ID string }
	c.do("pat", http.MethodPost, "/campaigns", fmt.Sprintf(`{"name":"Restart","objective":"o","audience":"a",
		"channels":["email","paid_search"],"budget":{"amount":1000,"currency":"EUR"},"launch_at":%q,
		"kpis":[{"name":"signups","target":10,"unit":"signups","direction":"higher"}],
		"project_manager":"pat","marketing_ops_manager":"maya"}`, time.Now().UTC().Add(30*24*time.Hour).Format(time.RFC3339)), &created)
	review := c.waitTasks(created.ID, 1)[0]
	c.do("maya", http.MethodPost, "/tasks/"+review.ID+"/complete", `{"outcome":"approved"}`, nil)
	before := c.waitTasks(created.ID, 6)

	dev.kill() // SIGKILL: no shutdown, no flush
	if err := dev.start(); err != nil {
		t.Fatal(err)
	}

	after := c.waitTasks(created.ID, 6)
	if fmt.Sprint(before) != fmt.Sprint(after) {
		t.Fatalf("tasks changed across the restart:\nbefore %v\nafter  %v", before, after)
	}
	var assets task
	for _, tk := range after {
		if tk.Key == "deliverable:assets" {
			assets = tk
		}
	}
	c.do("cleo", http.MethodPost, "/tasks/"+assets.ID+"/complete", `{"outcome":"done"}`, nil)
	var detail struct {
		Stage     string
		WaitingOn []struct {
			TaskID string `json:"task_id"`
		} `json:"waiting_on"`
	}
	c.do("pat", http.MethodGet, "/campaigns/"+created.ID, "", &detail)
	if detail.Stage != "production" || len(detail.WaitingOn) != 4 {
		t.Errorf("after the restart: stage %s, waiting on %d tasks; want production, 4", detail.Stage, len(detail.WaitingOn))
	}
}

// demoTokens reads the tokens `tandem dev` wrote for the demo people into data.
func demoTokens(t *testing.T, data string) map[string]string {
	t.Helper()
	tokens := map[string]string{}
	b, err := os.ReadFile(filepath.Join(data, "demo-tokens.json"))
	if err == nil {
		err = json.Unmarshal(b, &tokens)
	}
	if err != nil {
		t.Fatalf("demo tokens: %v", err)
	}
	return tokens
}

type task struct {
	ID     string `json:"id"`
	Key    string `json:"key"`
	Status string `json:"status"`
}

type apiClient struct {
	t      *testing.T
	base   string
	tokens map[string]string
}

func (c apiClient) do(who, method, path, body string, out any) {
	c.t.Helper()
	req, _ := http.NewRequest(method, c.base+path, bytes.NewBufferString(body))
	req.Header.Set("Authorization", "Bearer "+c.tokens[who])
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		c.t.Fatalf("%s %s as %s: %d %s", method, path, who, resp.StatusCode, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			c.t.Fatal(err)
		}
	}
}

// waitTasks waits until the records hold n tasks of the campaign and returns them by ID.
func (c apiClient) waitTasks(campaign string, n int) []task {
	c.t.Helper()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		var page struct{ Items []task }
		c.do("pat", http.MethodGet, "/tasks?limit=200&process_id="+campaign, "", &page)
		if len(page.Items) == n {
			sort.Slice(page.Items, func(i, j int) bool { return page.Items[i].ID < page.Items[j].ID })
			return page.Items
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("campaign %s has %d tasks, want %d", campaign, len(page.Items), n)
		}
	}
}

func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}
