package temporalclient

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"

	"github.com/tandemhq/tandem/codec"
)

// These tests dial a small in-process gRPC frontend with the options Options
// builds, so what they prove is what the SDK really does with them on the wire:
// which servers it trusts, which certificate it presents, what credential it
// sends. No Temporal server is needed: client.Dial only asks for GetSystemInfo.

const serverName = "temporal.test"

// pki is a CA, a server certificate for serverName signed by it, a client
// certificate signed by it, and a client certificate signed by another CA, all
// as PEM files.
type pki struct {
	caFile, otherCAFile      string
	serverCert               tls.Certificate
	caPool                   *x509.CertPool
	clientCert, clientKey    string // signed by the CA
	strangerCert, strangeKey string // signed by the other CA
}

func newPKI(t *testing.T) *pki {
	t.Helper()
	dir := t.TempDir()
	ca, caKey := newCA(t, "Tandem test CA")
	other, otherKey := newCA(t, "Someone else's CA")
	p := &pki{
		caFile:      writePEM(t, dir, "ca.pem", "CERTIFICATE", ca.Raw),
		otherCAFile: writePEM(t, dir, "other-ca.pem", "CERTIFICATE", other.Raw),
		caPool:      x509.NewCertPool(),
	}
	p.caPool.AddCert(ca)

	srvDER, srvKey := issue(t, ca, caKey, &x509.Certificate{
		Subject:     pkix.Name{CommonName: serverName},
		DNSNames:    []string{serverName},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	})
	p.serverCert = tls.Certificate{Certificate: [][]byte{srvDER}, PrivateKey: srvKey}

	clientDER, clientKey := issue(t, ca, caKey, &x509.Certificate{
		Subject:     pkix.Name{CommonName: "tandem-worker"},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	})
	p.clientCert = writePEM(t, dir, "client.pem", "CERTIFICATE", clientDER)
	p.clientKey = writePEM(t, dir, "client-key.pem", "PRIVATE KEY", marshalKey(t, clientKey))

	strangerDER, strangerKey := issue(t, other, otherKey, &x509.Certificate{
		Subject:     pkix.Name{CommonName: "tandem-worker"},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	})
	p.strangerCert = writePEM(t, dir, "stranger.pem", "CERTIFICATE", strangerDER)
	p.strangeKey = writePEM(t, dir, "stranger-key.pem", "PRIVATE KEY", marshalKey(t, strangerKey))
	return p
}

func serialNumber(t *testing.T) *big.Int {
	t.Helper()
	n, err := rand.Int(rand.Reader, big.NewInt(1<<62))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func newCA(t *testing.T, name string) (*x509.Certificate, *ecdsa.PrivateKey) {
	t.Helper()
	key := newKey(t)
	tmpl := &x509.Certificate{
		SerialNumber:          serialNumber(t),
		Subject:               pkix.Name{CommonName: name},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return cert, key
}

// issue signs a leaf certificate from tmpl (subject, names, usage) with the CA.
func issue(t *testing.T, ca *x509.Certificate, caKey *ecdsa.PrivateKey, tmpl *x509.Certificate) ([]byte, *ecdsa.PrivateKey) {
	t.Helper()
	key := newKey(t)
	tmpl.SerialNumber = serialNumber(t)
	tmpl.NotBefore, tmpl.NotAfter = time.Now().Add(-time.Hour), time.Now().Add(time.Hour)
	tmpl.KeyUsage = x509.KeyUsageDigitalSignature
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	return der, key
}

func newKey(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return key
}

func marshalKey(t *testing.T, key *ecdsa.PrivateKey) []byte {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

func writePEM(t *testing.T, dir, name, typ string, der []byte) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// frontend answers just enough of the workflow service for client.Dial and
// one workflow start, and remembers what reached it.
type frontend struct {
	workflowservice.UnimplementedWorkflowServiceServer

	mu     sync.Mutex
	calls  int
	auth   []string // the authorization metadata of each call
	peerCN string   // the subject of the client certificate, if one was presented
	input  []byte   // the marshalled input of the last workflow start
	inputs int
}

func (f *frontend) seen(ctx context.Context) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	md, _ := metadata.FromIncomingContext(ctx)
	f.auth = append(f.auth, md.Get("authorization")...)
	if p, ok := peer.FromContext(ctx); ok {
		if info, ok := p.AuthInfo.(credentials.TLSInfo); ok && len(info.State.PeerCertificates) > 0 {
			f.peerCN = info.State.PeerCertificates[0].Subject.CommonName
		}
	}
}

func (f *frontend) GetSystemInfo(ctx context.Context, _ *workflowservice.GetSystemInfoRequest) (*workflowservice.GetSystemInfoResponse, error) {
	f.seen(ctx)
	return &workflowservice.GetSystemInfoResponse{ServerVersion: "1.32.1"}, nil
}

func (f *frontend) StartWorkflowExecution(ctx context.Context, req *workflowservice.StartWorkflowExecutionRequest) (*workflowservice.StartWorkflowExecutionResponse, error) {
	f.seen(ctx)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.inputs = len(req.GetInput().GetPayloads())
	if f.inputs > 0 {
		f.input = req.GetInput().GetPayloads()[0].GetData()
		if !codec.Sealed(req.GetInput().GetPayloads()[0]) {
			return nil, errors.New("clear payload")
		}
	}
	return &workflowservice.StartWorkflowExecutionResponse{RunId: "run-1", Started: true}, nil
}

func (f *frontend) callCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls
}

// serve starts a frontend on a loopback port: over TLS with cfg, or in clear
// when cfg is nil.
func serve(t *testing.T, cfg *tls.Config) (string, *frontend) {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var opts []grpc.ServerOption
	if cfg != nil {
		opts = append(opts, grpc.Creds(credentials.NewTLS(cfg)))
	}
	srv := grpc.NewServer(opts...)
	f := &frontend{}
	workflowservice.RegisterWorkflowServiceServer(srv, f)
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)
	return lis.Addr().String(), f
}

// tlsServer presents the server certificate; with clientAuth it also demands
// a client certificate signed by the CA.
func (p *pki) tlsServer(clientAuth bool) *tls.Config {
	cfg := &tls.Config{Certificates: []tls.Certificate{p.serverCert}, MinVersion: tls.VersionTLS12}
	if clientAuth {
		cfg.ClientAuth, cfg.ClientCAs = tls.RequireAndVerifyClientCert, p.caPool
	}
	return cfg
}

func testKeys(t *testing.T) *codec.Keyring {
	t.Helper()
	entry, err := codec.NewKeyEntry("t1", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	k, err := codec.ParseKeys(entry)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// dial builds the options from s and dials. A refused connection is retried by
// the SDK until the context ends, so refusals take the context's second.
func dial(t *testing.T, s Settings) (client.Client, error) {
	t.Helper()
	if s.Keys == nil {
		s.Keys = testKeys(t)
	}
	opts, err := Options(s)
	if err != nil {
		t.Fatalf("Options: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	c, err := client.DialContext(ctx, opts)
	if err == nil {
		t.Cleanup(c.Close)
	}
	return c, err
}

func TestTLSTrustsOnlyTheGivenCAAndName(t *testing.T) {
	p := newPKI(t)
	addr, srv := serve(t, p.tlsServer(false))

	tests := []struct {
		name string
		s    Settings
		want string // "" connects; else in the refusal
	}{
		{"CA and server name", Settings{CAFile: p.caFile, ServerName: serverName}, ""},
		{"TLS flag, CA and server name", Settings{TLS: true, CAFile: p.caFile, ServerName: serverName}, ""},
		{"wrong server name", Settings{CAFile: p.caFile, ServerName: "other.test"}, "other.test"},
		// With no server name the address's host is checked, and the
		// certificate is not for 127.0.0.1.
		{"no server name", Settings{CAFile: p.caFile}, "127.0.0.1"},
		{"untrusted CA", Settings{CAFile: p.otherCAFile, ServerName: serverName}, "unknown authority"},
		{"system roots only", Settings{TLS: true, ServerName: serverName}, "unknown authority"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := tt.s
			s.HostPort = addr
			_, err := dial(t, s)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("dial: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("dial succeeded, want the server's certificate refused")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("dial: %v, want a refusal mentioning %q", err, tt.want)
			}
			t.Logf("refused: %v", err)
		})
	}
	t.Cleanup(func() {
		// Only the two dials that trusted the server reached it.
		if n := srv.callCount(); n != 2 {
			t.Errorf("the frontend answered %d calls, want 2 (one per accepted dial)", n)
		}
	})
}

func TestMutualTLSAdmitsOnlyClientsOfTheCA(t *testing.T) {
	p := newPKI(t)
	addr, srv := serve(t, p.tlsServer(true))
	base := Settings{HostPort: addr, CAFile: p.caFile, ServerName: serverName}

	t.Run("certificate from the CA", func(t *testing.T) {
		s := base
		s.CertFile, s.KeyFile = p.clientCert, p.clientKey
		if _, err := dial(t, s); err != nil {
			t.Fatalf("dial: %v", err)
		}
		srv.mu.Lock()
		defer srv.mu.Unlock()
		if srv.peerCN != "tandem-worker" {
			t.Errorf("the frontend saw client certificate %q, want tandem-worker", srv.peerCN)
		}
	})
	// The frontend refuses during the handshake; what the client reads of it
	// (an alert, or a broken pipe) depends on timing, so the proof is that
	// nothing reached the frontend, where the CA's certificate did.
	refused := []struct {
		name      string
		cert, key string
	}{
		{"no certificate", "", ""},
		{"certificate from another CA", p.strangerCert, p.strangeKey},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			before := srv.callCount()
			s := base
			s.CertFile, s.KeyFile = tt.cert, tt.key
			_, err := dial(t, s)
			if err == nil {
				t.Fatal("dial succeeded, want the frontend to refuse the client")
			}
			t.Logf("refused: %v", err)
			if n := srv.callCount() - before; n != 0 {
				t.Errorf("%d calls reached the frontend", n)
			}
		})
	}
}

func TestAPIKeyIsABearerCredentialOverTLS(t *testing.T) {
	p := newPKI(t)
	const key = "tandem-api-key-1"

	t.Run("sent as authorization metadata", func(t *testing.T) {
		addr, srv := serve(t, p.tlsServer(false))
		// No TLS flag: the key alone turns TLS on.
		if _, err := dial(t, Settings{HostPort: addr, APIKey: key, CAFile: p.caFile, ServerName: serverName}); err != nil {
			t.Fatalf("dial: %v", err)
		}
		srv.mu.Lock()
		defer srv.mu.Unlock()
		if len(srv.auth) == 0 {
			t.Fatal("no authorization metadata reached the frontend")
		}
		for _, got := range srv.auth {
			if got != "Bearer "+key {
				t.Errorf("authorization %q, want %q", got, "Bearer "+key)
			}
		}
	})

	t.Run("implies TLS", func(t *testing.T) {
		opts, err := Options(Settings{HostPort: "example.test:7233", APIKey: key, Keys: testKeys(t)})
		if err != nil {
			t.Fatal(err)
		}
		if opts.ConnectionOptions.TLS == nil {
			t.Error("an API key without the TLS setting builds a clear connection")
		}
	})

	t.Run("never sent to a frontend in clear", func(t *testing.T) {
		addr, srv := serve(t, nil)
		if _, err := dial(t, Settings{HostPort: addr, APIKey: key}); err == nil {
			t.Fatal("dial to a clear frontend succeeded with an API key")
		}
		if n := srv.callCount(); n != 0 {
			t.Errorf("%d calls (and the key) reached the clear frontend", n)
		}
	})

	t.Run("none without a key", func(t *testing.T) {
		addr, srv := serve(t, p.tlsServer(false))
		if _, err := dial(t, Settings{HostPort: addr, CAFile: p.caFile, ServerName: serverName}); err != nil {
			t.Fatalf("dial: %v", err)
		}
		srv.mu.Lock()
		defer srv.mu.Unlock()
		if len(srv.auth) != 0 {
			t.Errorf("authorization %q sent with no API key set", srv.auth)
		}
	})
}

func TestNoTLSSettingsMeansClear(t *testing.T) {
	addr, srv := serve(t, nil)
	if _, err := dial(t, Settings{HostPort: addr}); err != nil {
		t.Fatalf("dial a clear frontend with no TLS settings: %v", err)
	}
	if srv.callCount() == 0 {
		t.Error("the frontend saw no call")
	}
}

func TestBadTLSSettingsAreClearErrors(t *testing.T) {
	p := newPKI(t)
	dir := t.TempDir()
	notPEM := filepath.Join(dir, "ca.txt")
	if err := os.WriteFile(notPEM, []byte("not a certificate\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	keys := testKeys(t)

	tests := []struct {
		name string
		s    Settings
		want []string
	}{
		{"certificate without key", Settings{CertFile: p.clientCert}, []string{"mutual TLS", "both the client certificate and its key"}},
		{"key without certificate", Settings{KeyFile: p.clientKey}, []string{"mutual TLS", "both the client certificate and its key"}},
		{"CA file with no PEM", Settings{CAFile: notPEM}, []string{"TLS CA", notPEM, "no PEM certificate"}},
		{"CA file missing", Settings{CAFile: filepath.Join(dir, "missing.pem")}, []string{"TLS CA", "missing.pem"}},
		{"key of another certificate", Settings{CertFile: p.clientCert, KeyFile: p.strangeKey}, []string{"mutual TLS", "private key does not match"}},
		{"no payload keys", Settings{HostPort: "x:7233"}, []string{"payload keys are required"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := tt.s
			if tt.name != "no payload keys" {
				s.Keys = keys
			}
			_, err := Options(s)
			if err == nil {
				t.Fatal("Options succeeded")
			}
			for _, want := range tt.want {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not say %q", err, want)
				}
			}
		})
	}
}

// Whatever the transport, the options seal payloads and failures, and the
// dialled client sends only sealed payloads.
func TestOptionsAlwaysSealPayloads(t *testing.T) {
	p := newPKI(t)
	keys := testKeys(t)
	const secret = "offer_amount 98765"

	for _, s := range []Settings{
		{HostPort: "x:7233", Keys: keys},
		{HostPort: "x:7233", Keys: keys, CAFile: p.caFile, CertFile: p.clientCert, KeyFile: p.clientKey},
		{HostPort: "x:7233", Keys: keys, APIKey: "k"},
	} {
		opts, err := Options(s)
		if err != nil {
			t.Fatal(err)
		}
		payload, err := opts.DataConverter.ToPayload(secret)
		if err != nil {
			t.Fatal(err)
		}
		if !codec.Sealed(payload) || bytes.Contains(payload.GetData(), []byte(secret)) {
			t.Errorf("settings %+v: payload %v is not sealed", s, payload)
		}
		failure := opts.FailureConverter.ErrorToFailure(errors.New(secret))
		if strings.Contains(failure.GetMessage(), secret) || failure.GetEncodedAttributes() == nil || !codec.Sealed(failure.GetEncodedAttributes()) {
			t.Errorf("settings %+v: failure %v carries its message in clear", s, failure)
		}
	}

	addr, srv := serve(t, p.tlsServer(true))
	c, err := dial(t, Settings{HostPort: addr, Keys: keys, CAFile: p.caFile, CertFile: p.clientCert, KeyFile: p.clientKey, ServerName: serverName})
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "campaign/cmp_1", TaskQueue: "tandem"}, "CampaignLaunch", secret); err != nil {
		t.Fatalf("start a workflow: %v", err)
	}
	srv.mu.Lock()
	defer srv.mu.Unlock()
	if srv.inputs != 1 || len(srv.input) == 0 || bytes.Contains(srv.input, []byte("98765")) {
		t.Errorf("the frontend received %d input payloads, the first %q: want one sealed payload", srv.inputs, srv.input)
	}
}
