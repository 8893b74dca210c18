package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"time"
)

// httpClient calls Tandem's API as the demo people, as a browser or a script would.
type httpClient struct {
	base   string
	tokens map[string]string
	client *http.Client
	seq    atomic.Int64
}

func newHTTPClient(base string, tokens map[string]string) *httpClient {
	// Enough idle connections for the highest level: otherwise calls beyond the
	// default two per host would each pay for a new connection.
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 256
	return &httpClient{base: base, tokens: tokens, client: &http.Client{Transport: tr, Timeout: time.Minute}}
}

// createCampaign starts a campaign as pat, with maya as its marketing ops
// manager, and returns its ID. It sends an Idempotency-Key, as a careful client
// does, so the key's bookkeeping is part of what is measured.
func (h *httpClient) createCampaign(ctx context.Context) (string, error) {
	n := h.seq.Add(1)
	brief := map[string]any{
		"name": fmt.Sprintf("Bench campaign %d", n), "objective": "Grow trial sign-ups", "audience": "Small business owners",
		"channels": []string{"email", "paid_search"}, "budget": map[string]any{"amount": 50000, "currency": "EUR"},
		"launch_at":       time.Now().UTC().Add(30 * 24 * time.Hour).Truncate(time.Hour).Format(time.RFC3339),
		"kpis":            []map[string]any{{"name": "signups", "target": 1000, "unit": "signups", "direction": "higher"}},
		"project_manager": "pat", "marketing_ops_manager": "maya",
	}
	var created struct{ ID string }
	err := h.call(ctx, "pat", http.MethodPost, "/api/v1/campaigns", brief, http.StatusCreated, &created, "Idempotency-Key", fmt.Sprintf("bench-%d", n))
	return created.ID, err
}

// briefReview waits until campaign id's brief review task is in the records, where
// maya's inbox finds it, and returns the task's ID.
func (h *httpClient) briefReview(ctx context.Context, campaign string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	for {
		var open struct {
			Items []struct{ ID, Key string }
		}
		if err := h.call(ctx, "maya", http.MethodGet, "/api/v1/tasks?status=open&process_id="+campaign, nil, http.StatusOK, &open); err != nil {
			return "", err
		}
		for _, t := range open.Items {
			if strings.HasPrefix(t.Key, "brief_review") {
				return t.ID, nil
			}
		}
		select {
		case <-ctx.Done():
			return "", fmt.Errorf("the brief review task of campaign %s never reached the records", campaign)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// completeTask approves a brief review as maya.
func (h *httpClient) completeTask(ctx context.Context, task string) error {
	return h.call(ctx, "maya", http.MethodPost, "/api/v1/tasks/"+task+"/complete", map[string]any{"outcome": "approved"}, http.StatusOK, nil)
}

// cancelCampaign cancels campaign id as pat, its project manager.
func (h *httpClient) cancelCampaign(ctx context.Context, id string) error {
	return h.call(ctx, "pat", http.MethodPost, "/api/v1/campaigns/"+id+"/cancel", map[string]any{"reason": "bench run over"}, http.StatusOK, nil)
}

// get reads url, with cookie when not nil, and returns the body of its 200.
func (h *httpClient) get(ctx context.Context, url string, cookie *http.Cookie) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	if cookie != nil {
		req.AddCookie(cookie)
	}
	resp, err := h.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s %.300s", url, resp.Status, body)
	}
	return body, nil
}

// call sends body as JSON as person who and decodes the answer into out (when not
// nil); any status but want is an error carrying the answer.
func (h *httpClient) call(ctx context.Context, who, method, path string, body any, want int, out any, headers ...string) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, h.base+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+h.tokens[who])
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := h.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != want {
		return fmt.Errorf("%s %s: %s %s", method, path, resp.Status, raw)
	}
	if out != nil {
		return json.Unmarshal(raw, out)
	}
	return nil
}
