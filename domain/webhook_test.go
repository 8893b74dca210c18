package domain

import (
	"errors"
	"testing"
)

func TestWebhookValidateURLShape(t *testing.T) {
	w := Webhook{Secret: "0123456789abcdef", Events: []EventKind{EventTaskOpened}, Format: WebhookJSON}
	for url, ok := range map[string]bool{
		"https://hooks.example.com/t?x=1": true,
		"http://hooks.example.com/t":      true, // whether plain http may go there is netguard's call
		"https://[::1]:8443/":             true,
		"ftp://hooks.example.com/":        false,
		"https://user:pw@hooks.example/":  false,
		"https://:443/":                   false,
		"/relative":                       false,
		"hooks.example.com":               false,
		"https://%zz/":                    false,
	} {
		w.URL = url
		err := w.Validate()
		if ok != (err == nil) || err != nil && !errors.Is(err, ErrInvalid) {
			t.Errorf("Validate(%s) = %v, want ok %v", url, err, ok)
		}
	}
}

func TestStatusClass(t *testing.T) {
	for code, want := range map[int]string{200: "2xx", 204: "2xx", 302: "3xx", 404: "4xx", 599: "5xx", 199: "", 600: "", 0: ""} {
		if got := StatusClass(code); got != want {
			t.Errorf("StatusClass(%d) = %q, want %q", code, got, want)
		}
	}
}
