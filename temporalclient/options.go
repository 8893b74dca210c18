package temporalclient

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync/atomic"

	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"

	"github.com/tandemhq/tandem/codec"
)

// Settings say how to reach Temporal and how to seal what is sent there.
type Settings struct {
	HostPort  string
	Namespace string

	// TLS turns on TLS to the frontend. CAFile trusts a private CA (the system
	// pool otherwise); CertFile and KeyFile present a client certificate (mutual
	// TLS); ServerName overrides the name checked in the server's certificate.
	// Any of the files, or an API key, implies TLS.
	TLS        bool
	CAFile     string
	CertFile   string
	KeyFile    string
	ServerName string
	// APIKey is sent as a bearer credential (Temporal Cloud, or a frontend
	// with an authorizer that checks it). Never logged.
	APIKey string

	// Keys seal every payload. Required: Tandem does not talk to Temporal in
	// clear.
	Keys *codec.Keyring
	// AcceptClear opens histories written before encryption was turned on; see
	// codec.Options.
	AcceptClear bool
	// CodecSpent, when set, adds up the time spent sealing and opening
	// payloads (codec.Options.Spent): the bench reports it.
	CodecSpent *atomic.Int64

	// Logger receives the SDK's warnings and errors; nil discards them.
	Logger *slog.Logger
	// Metrics, when set, receives what the SDK measures in the client and its
	// workers, for Prometheus.
	Metrics *SDKMetrics
}

// Options builds the SDK's client options from s.
func Options(s Settings) (client.Options, error) {
	if s.Keys == nil {
		return client.Options{}, errors.New("temporal client: payload keys are required")
	}
	dc := codec.DataConverter(codec.New(s.Keys, codec.Options{AcceptClear: s.AcceptClear, Spent: s.CodecSpent}))
	o := client.Options{
		HostPort: s.HostPort, Namespace: s.Namespace,
		DataConverter: dc, FailureConverter: codec.FailureConverter(dc),
		Logger: warnings(s.Logger),
	}
	if s.Metrics != nil {
		o.MetricsHandler = s.Metrics.Handler()
	}
	t, err := s.tlsConfig()
	if err != nil {
		return client.Options{}, err
	}
	o.ConnectionOptions.TLS = t
	if s.APIKey != "" {
		o.Credentials = client.NewAPIKeyStaticCredentials(s.APIKey)
	}
	return o, nil
}

// tlsConfig is nil when s asks for no TLS.
func (s Settings) tlsConfig() (*tls.Config, error) {
	if !s.TLS && s.CAFile == "" && s.CertFile == "" && s.KeyFile == "" && s.APIKey == "" {
		return nil, nil
	}
	t := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: s.ServerName}
	if s.CAFile != "" {
		pem, err := os.ReadFile(s.CAFile)
		if err != nil {
			return nil, fmt.Errorf("temporal TLS CA: %w", err)
		}
		t.RootCAs = x509.NewCertPool()
		if !t.RootCAs.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("temporal TLS CA: %s holds no PEM certificate", s.CAFile)
		}
	}
	if (s.CertFile == "") != (s.KeyFile == "") {
		return nil, errors.New("temporal mutual TLS: give both the client certificate and its key")
	}
	if s.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(s.CertFile, s.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("temporal mutual TLS: %w", err)
		}
		t.Certificates = []tls.Certificate{cert}
	}
	return t, nil
}

// warnings passes the SDK's own logging on at warn level and above: its info
// lines (every poll, every start) would drown Tandem's.
func warnings(l *slog.Logger) sdklog.Logger {
	if l == nil {
		l = slog.New(slog.DiscardHandler)
	}
	return sdklog.NewStructuredLogger(slog.New(warnOnly{l.Handler()}))
}

type warnOnly struct{ slog.Handler }

func (w warnOnly) Enabled(ctx context.Context, level slog.Level) bool {
	return level >= slog.LevelWarn && w.Handler.Enabled(ctx, level)
}
