package netguard

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeResolver answers every name from a table it can change between calls, as
// a DNS server rebinding a name would.
type fakeResolver struct {
	mu      sync.Mutex
	answers map[string][]string
}

func (r *fakeResolver) set(host string, addrs ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.answers == nil {
		r.answers = map[string][]string{}
	}
	r.answers[host] = addrs
}

func (r *fakeResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	as, ok := r.answers[strings.TrimSuffix(strings.ToLower(host), ".")] // DNS names are case-insensitive
	if !ok {
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	var out []netip.Addr
	for _, a := range as {
		out = append(out, netip.MustParseAddr(a))
	}
	return out, nil
}

func newGuard(t *testing.T, c Config) *Guard {
	t.Helper()
	g, err := New(c)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// destinations has one address of every class refused by default, in the forms
// an attacker would try, with the reason the refusal gives.
var destinations = []struct{ addr, reason string }{
	{"127.0.0.1", "loopback"},
	{"127.255.0.9", "loopback"},
	{"::1", "loopback"},
	{"10.0.0.1", "private"},
	{"172.16.5.4", "private"},
	{"192.168.1.1", "private"},
	{"fd00::1", "private"},
	{"fec0::1", "private"},
	{"169.254.169.254", "link-local"},
	{"fe80::1", "link-local"},
	{"fe80::1%eth0", "link-local"},
	{"100.64.0.1", "carrier-grade NAT"},
	{"224.0.0.251", "multicast"},
	{"ff02::1", "multicast"},
	{"0.0.0.0", "unspecified"},
	{"::", "unspecified"},
	{"255.255.255.255", "broadcast"},
	{"0.1.2.3", "reserved"},
	{"240.0.0.1", "reserved"},
	{"198.18.0.1", "reserved"},
	{"192.0.0.170", "reserved"},
	{"2001::1", "reserved"}, // Teredo
	{"100::1", "reserved"},  // discard-only, outside global unicast
	{"64:ff9b:1::a9fe:a9fe", "reserved"},
	{"192.0.2.1", "documentation"},
	{"2001:db8::1", "documentation"},
	// IPv4-mapped, IPv4-compatible, NAT64 and 6to4 forms of internal IPv4 addresses.
	{"::ffff:a9fe:a9fe", "link-local"},
	{"::ffff:127.0.0.1", "loopback"},
	{"::ffff:10.0.0.1", "private"},
	{"::a9fe:a9fe", "link-local"},
	{"::10.0.0.1", "private"},
	{"64:ff9b::a9fe:a9fe", "link-local"},
	{"64:ff9b::127.0.0.1", "loopback"},
	{"64:ff9b::100.64.0.1", "carrier-grade NAT"},
	{"2002:a9fe:a9fe::1", "link-local"},
	{"2002:c0a8:0101::1", "private"},
	{"::8.8.8.8", "reserved"}, // IPv4-compatible, deprecated: refused even when public
}

var public = []string{"93.184.215.14", "8.8.8.8", "2606:4700::1111", "::ffff:93.184.215.14", "64:ff9b::808:808", "2002:808:808::1"}

func TestCheckRefusesEveryNonPublicClassAsLiteralAndByName(t *testing.T) {
	r := &fakeResolver{}
	g := newGuard(t, Config{Resolver: r})
	for _, d := range destinations {
		_, err := g.Check(t.Context(), d.addr)
		var be *BlockedError
		if !errors.As(err, &be) || !errors.Is(err, ErrBlocked) || !strings.Contains(be.Reason, d.reason) || be.Resolved {
			t.Errorf("Check(%s) = %v, want blocked as %s", d.addr, err, d.reason)
		}
		if strings.Contains(err.Error(), strings.Split(d.addr, "%")[0]) {
			t.Errorf("the refusal %q shows the address", err)
		}
		// The same address behind a name, with a public one beside it: one bad
		// answer refuses the name.
		if strings.Contains(d.addr, "%") {
			continue // a resolver never answers a zone
		}
		r.set("evil.example", "93.184.215.14", d.addr)
		_, err = g.Check(t.Context(), "evil.example")
		if !errors.As(err, &be) || !be.Resolved || err.Error() != "destination not allowed: resolves to "+be.Reason {
			t.Errorf("Check(evil.example → %s) = %v, want blocked", d.addr, err)
		}
	}
	for _, a := range public {
		if got, err := g.Check(t.Context(), a); err != nil || len(got) != 1 || got[0] != netip.MustParseAddr(a).Unmap() {
			t.Errorf("Check(%s) = %v, %v; want allowed", a, got, err)
		}
	}
	if _, err := g.Check(t.Context(), "nowhere.example"); !errors.Is(err, ErrUnresolved) {
		t.Errorf("unknown name: %v, want ErrUnresolved", err)
	}
	r.set("empty.example")
	if _, err := g.Check(t.Context(), "empty.example"); !errors.Is(err, ErrUnresolved) {
		t.Errorf("name without addresses: %v, want ErrUnresolved", err)
	}
}

func TestAllowAndDenyLists(t *testing.T) {
	r := &fakeResolver{}
	r.set("hooks.corp.example", "10.1.2.3")
	r.set("a.b.internal.example", "10.9.9.9")
	r.set("internal.example", "10.9.9.8")
	r.set("meta.corp.example", "169.254.169.254")
	g := newGuard(t, Config{Resolver: r,
		Allow: []string{"127.0.0.0/8", "::1", "192.168.10.0/24", "hooks.corp.example.", "*.Internal.example", "meta.corp.example", "::ffff:172.20.0.0/112"},
		Deny:  []string{"169.254.169.254/32", "8.8.4.0/24"},
	})
	for _, host := range []string{"127.0.0.1", "::1", "::ffff:127.0.0.1", "192.168.10.7", "hooks.corp.example", "HOOKS.corp.example.", "a.b.internal.example", "172.20.1.1", "64:ff9b::192.168.10.7"} {
		if _, explicit, err := g.check(t.Context(), host); err != nil || !explicit {
			t.Errorf("%s: %v (explicit %v), want allowed explicitly", host, err, explicit)
		}
	}
	for _, host := range []string{
		"192.168.11.1",       // outside the allowed /24
		"internal.example",   // "*.internal.example" is the names under it
		"meta.corp.example",  // an allowed name still may not reach a denied address
		"169.254.169.254",    // denied
		"64:ff9b::a9fe:a9fe", // denied, through NAT64
		"8.8.4.4",            // public, but denied
		"2002:808:404::1",    // the same through 6to4
		"fe80::1",            // loopback allowed, link-local not
	} {
		if _, err := g.Check(t.Context(), host); !errors.Is(err, ErrBlocked) {
			t.Errorf("%s: %v, want blocked", host, err)
		}
	}
	if _, explicit, err := g.check(t.Context(), "8.8.8.8"); err != nil || explicit {
		t.Errorf("public 8.8.8.8: %v explicit %v, want allowed as public", err, explicit)
	}
	for _, c := range []Config{
		{Allow: []string{"10.0.0.0/33"}}, {Allow: []string{"*"}}, {Allow: []string{"bad host"}}, {Allow: []string{"a..b"}},
		{Allow: []string{"-a.example"}}, {Allow: []string{"::ffff:0:0/95"}}, {Deny: []string{"example.com"}}, {Deny: []string{"10.0.0.1%eth0"}},
	} {
		if _, err := New(c); err == nil {
			t.Errorf("New(%+v) accepted it", c)
		}
	}
	if got := SplitList(" 10.0.0.0/8, ,hooks.example,"); strings.Join(got, "|") != "10.0.0.0/8|hooks.example" {
		t.Errorf("SplitList = %q", got)
	}
}

func TestCheckURLWantsHTTPSUnlessAllowed(t *testing.T) {
	r := &fakeResolver{}
	r.set("hooks.example", "93.184.215.14")
	r.set("hooks.corp.example", "10.1.2.3")
	g := newGuard(t, Config{Resolver: r, Allow: []string{"127.0.0.1", "hooks.corp.example"}})
	for raw, want := range map[string]error{
		"https://hooks.example/t":      nil,
		"http://hooks.example/t":       ErrPlainHTTP,
		"http://127.0.0.1:9/t":         nil,
		"http://hooks.corp.example/t":  nil,
		"https://10.0.0.1/":            ErrBlocked,
		"http://10.0.0.1/":             ErrBlocked,
		"https://[::ffff:a9fe:a9fe]/":  ErrBlocked,
		"https://169.254.169.254/meta": ErrBlocked,
		"https://nowhere.example/":     ErrUnresolved,
	} {
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		if err := g.CheckURL(t.Context(), u); !errors.Is(err, want) || (want == nil) != (err == nil) {
			t.Errorf("CheckURL(%s) = %v, want %v", raw, err, want)
		}
	}
}

// TestDialRefusesWhatTheNameRebindsTo: a name that was public when checked and
// answers an internal address when dialled is refused at dial time, and the
// server behind that address sees no connection.
func TestDialRefusesWhatTheNameRebindsTo(t *testing.T) {
	var hits atomic.Int32 // connections
	srv := httptest.NewUnstartedServer(http.NotFoundHandler())
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			hits.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())

	r := &fakeResolver{}
	g := newGuard(t, Config{Resolver: r})
	u, _ := url.Parse("https://rebind.example:" + port + "/")
	r.set("rebind.example", "93.184.215.14")
	if err := g.CheckURL(t.Context(), u); err != nil {
		t.Fatalf("subscription check: %v", err)
	}
	for _, d := range destinations {
		if strings.Contains(d.addr, "%") {
			continue
		}
		r.set("rebind.example", d.addr)
		c, err := g.DialContext(t.Context(), "tcp", "rebind.example:"+port)
		if err == nil {
			c.Close()
		}
		if !errors.Is(err, ErrBlocked) {
			t.Errorf("dial after rebinding to %s: %v, want blocked", d.addr, err)
		}
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("the loopback server got %d connections", n)
	}
	// The same server, allowed by the operator, is dialled.
	allowing := newGuard(t, Config{Resolver: r, Allow: []string{"127.0.0.1"}})
	r.set("rebind.example", "127.0.0.1")
	c, err := allowing.DialContext(t.Context(), "tcp", "rebind.example:"+port)
	if err != nil {
		t.Fatalf("dial an allowed loopback server: %v", err)
	}
	c.Close()
	for deadline := time.Now().Add(2 * time.Second); hits.Load() != 1; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the allowed dial was not counted (%d connections): the count proves nothing", hits.Load())
		}
	}
}
