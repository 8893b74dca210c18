//go:build !services

package main

import (
	"bytes"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/tandemhq/tandem/netguard"
)

// TestWebhookSettings: tandem dev lets webhooks reach loopback unless told
// otherwise; tandem api and worker allow nothing internal unless the operator
// lists it, by flag or environment; a setting that cannot be read stops the
// command.
func TestWebhookSettings(t *testing.T) {
	cases := []struct {
		name, env, devDefault string
		args                  []string
		loopback, corp        bool
		bad                   bool
	}{
		{name: "api default", loopback: false},
		{name: "dev default", devDefault: devWebhookAllow, loopback: true},
		{name: "dev without loopback", devDefault: devWebhookAllow, args: []string{"--webhook-allow="}, loopback: false},
		{name: "environment", env: "10.0.0.0/8, 127.0.0.1", loopback: true, corp: true},
		{name: "flag over environment", env: "127.0.0.1", args: []string{"--webhook-allow=10.1.0.0/16"}, corp: true},
		{name: "deny wins", args: []string{"--webhook-allow=10.0.0.0/8", "--webhook-deny=10.1.2.0/24"}},
		{name: "bad entry", args: []string{"--webhook-allow=10.0.0.0/33"}, bad: true},
		{name: "bad deny", args: []string{"--webhook-deny=hooks.example.com"}, bad: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.env != "" {
				t.Setenv("TANDEM_WEBHOOK_ALLOW", c.env)
			}
			f := newFlags("test")
			f.SetOutput(io.Discard)
			w := webhookFlags(f, c.devDefault)
			if err := f.Parse(c.args); err != nil {
				t.Fatal(err)
			}
			var logs bytes.Buffer
			g, err := w.guard(slog.New(slog.NewTextHandler(&logs, nil)))
			if c.bad {
				if err == nil {
					t.Fatal("an unreadable setting was accepted")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if _, err := g.Check(t.Context(), "127.0.0.1"); (err == nil) != c.loopback {
				t.Errorf("loopback: %v, want allowed %v", err, c.loopback)
			}
			if _, err := g.Check(t.Context(), "10.1.2.3"); (err == nil) != c.corp {
				t.Errorf("10.1.2.3: %v, want allowed %v", err, c.corp)
			}
			if _, err := g.Check(t.Context(), "169.254.169.254"); !errors.Is(err, netguard.ErrBlocked) {
				t.Errorf("the metadata address: %v, want blocked", err)
			}
			if !strings.Contains(logs.String(), "webhook destinations") {
				t.Errorf("the settings are not logged: %s", logs.String())
			}
		})
	}
}

func TestDevBannerSaysWhereWebhooksMayGo(t *testing.T) {
	var out bytes.Buffer
	banner(&out, devInfo{webhookAllow: devWebhookAllow})
	if !strings.Contains(out.String(), "Webhooks     public https receivers, and loopback (127.0.0.0/8,::1, dev only; change with --webhook-allow)") {
		t.Errorf("banner:\n%s", out.String())
	}
	out.Reset()
	banner(&out, devInfo{})
	if !strings.Contains(out.String(), "Webhooks     public https receivers only") {
		t.Errorf("banner without an allow list:\n%s", out.String())
	}
}
