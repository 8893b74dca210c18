package netguard

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Errors of a check. Test them with errors.Is.
var (
	// ErrBlocked: the destination is not allowed; the error is a *BlockedError.
	ErrBlocked = errors.New("destination not allowed")
	// ErrUnresolved: the host name has no address.
	ErrUnresolved = errors.New("host name does not resolve")
	// ErrPlainHTTP: an http:// URL to a destination the operator has not allowed.
	ErrPlainHTTP = errors.New("plain http is allowed only to a destination on the allow list")
)

// BlockedError says why a destination was refused, without the address itself:
// the message is shown to the person who subscribed, and the internal address a
// name resolves to is none of their business.
type BlockedError struct {
	// Reason is the class of the refused address, with its article: "a private address".
	Reason string
	// Resolved is set when the host was a name, not an address.
	Resolved bool
}

func (e *BlockedError) Error() string {
	if e.Resolved {
		return ErrBlocked.Error() + ": resolves to " + e.Reason
	}
	return ErrBlocked.Error() + ": " + e.Reason
}

func (e *BlockedError) Unwrap() error { return ErrBlocked }

// Resolver looks host names up; *net.Resolver is one.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// Config is what an operator allows and denies beyond the built-in rules.
type Config struct {
	// Allow lists destinations permitted even though they are not public: CIDRs,
	// single addresses, or host names ("hooks.corp.example", or "*.corp.example"
	// for every name under it). A listed name is allowed whatever it resolves to,
	// except what Deny lists.
	Allow []string
	// Deny lists CIDRs or addresses refused always, even when Allow permits them.
	Deny []string
	// Resolver looks names up; nil means net.DefaultResolver.
	Resolver Resolver
}

// dialTimeout bounds one connection attempt to one address.
const dialTimeout = 5 * time.Second

// Guard checks destinations and dials only the ones it allows. It is safe for
// concurrent use.
type Guard struct {
	allow    []netip.Prefix
	hosts    []string // exact names, and ".suffix" for "*.suffix"
	deny     []netip.Prefix
	resolver Resolver
	dialer   net.Dialer
}

// New builds a guard from c; an entry it cannot read is an error naming it.
func New(c Config) (*Guard, error) {
	g := &Guard{resolver: c.Resolver, dialer: net.Dialer{Timeout: dialTimeout}}
	if g.resolver == nil {
		g.resolver = net.DefaultResolver
	}
	for _, s := range c.Allow {
		if p, err := parsePrefix(s); err == nil {
			g.allow = append(g.allow, p)
			continue
		}
		h, ok := hostPattern(s)
		if !ok {
			return nil, fmt.Errorf("webhook allow list: %q is not a CIDR, an address or a host name", s)
		}
		g.hosts = append(g.hosts, h)
	}
	for _, s := range c.Deny {
		p, err := parsePrefix(s)
		if err != nil {
			return nil, fmt.Errorf("webhook deny list: %q is not a CIDR or an address", s)
		}
		g.deny = append(g.deny, p)
	}
	return g, nil
}

// SplitList splits a comma-separated setting into its entries, dropping blanks.
func SplitList(s string) []string {
	var out []string
	for _, e := range strings.Split(s, ",") {
		if e = strings.TrimSpace(e); e != "" {
			out = append(out, e)
		}
	}
	return out
}

// parsePrefix reads a CIDR or a single address. An IPv4-mapped IPv6 prefix
// becomes the IPv4 prefix it means, as addresses are compared unmapped.
func parsePrefix(s string) (netip.Prefix, error) {
	if !strings.Contains(s, "/") {
		a, err := netip.ParseAddr(s)
		if err != nil || a.Zone() != "" {
			return netip.Prefix{}, errors.New("not an address")
		}
		a = a.Unmap()
		return netip.PrefixFrom(a, a.BitLen()), nil
	}
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	if a := p.Addr(); a.Is4In6() {
		if p.Bits() < 96 {
			return netip.Prefix{}, errors.New("an IPv4-mapped prefix shorter than /96")
		}
		p = netip.PrefixFrom(a.Unmap(), p.Bits()-96)
	}
	return p.Masked(), nil
}

// hostPattern reads an allowed host name: "name.example", or "*.example" kept
// as ".example".
func hostPattern(s string) (string, bool) {
	s = canonicalHost(s)
	name, wildcard := strings.CutPrefix(s, "*.")
	if name == "" || len(name) > 253 {
		return "", false
	}
	for _, label := range strings.Split(name, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return "", false
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
				return "", false
			}
		}
	}
	if wildcard {
		return "." + name, true
	}
	return name, true
}

func canonicalHost(h string) string { return strings.TrimSuffix(strings.ToLower(h), ".") }

// hostAllowed reports whether host is on the allow list by name.
func (g *Guard) hostAllowed(host string) bool {
	host = canonicalHost(host)
	for _, h := range g.hosts {
		if host == h || strings.HasPrefix(h, ".") && strings.HasSuffix(host, h) {
			return true
		}
	}
	return false
}

// Check resolves host (a name or an address literal) and checks every address
// it stands for, returning them when all are allowed. One refused address
// refuses the host: a name that answers a public and a private address would
// otherwise reach the private one whenever the public one fails. Subscription
// and dial both come here, so they cannot disagree.
func (g *Guard) Check(ctx context.Context, host string) ([]netip.Addr, error) {
	addrs, _, err := g.check(ctx, host)
	return addrs, err
}

// check is Check, also telling whether the operator allowed every address
// explicitly (by name or CIDR) rather than because it is public.
func (g *Guard) check(ctx context.Context, host string) (addrs []netip.Addr, explicit bool, err error) {
	literal := true
	if a, err := netip.ParseAddr(host); err == nil {
		addrs = []netip.Addr{a}
	} else {
		literal = false
		addrs, err = g.resolver.LookupNetIP(ctx, "ip", host)
		var dnsErr *net.DNSError
		if errors.As(err, &dnsErr) && dnsErr.IsNotFound || err == nil && len(addrs) == 0 {
			return nil, false, ErrUnresolved
		}
		if err != nil {
			return nil, false, fmt.Errorf("resolve %s: %w", host, err)
		}
	}
	byName := !literal && g.hostAllowed(host)
	explicit = true
	for i, a := range addrs {
		// A zone only scopes a link-local address to an interface; the rules are
		// about the address. Resolvers may answer IPv4 in its IPv6-mapped form.
		a = a.WithZone("").Unmap()
		addrs[i] = a
		reason, ok := g.verdict(a, byName)
		if reason != "" {
			return nil, false, &BlockedError{Reason: reason, Resolved: !literal}
		}
		explicit = explicit && ok
	}
	return addrs, explicit, nil
}

// CheckURL checks a URL someone subscribes: its host as Check does, and its
// scheme. Plain http is allowed only to destinations the operator allowed
// explicitly (a receiver inside their network): anything else must be https, as
// a signed body still travels in clear text over http.
func (g *Guard) CheckURL(ctx context.Context, u *url.URL) error {
	_, explicit, err := g.check(ctx, u.Hostname())
	if err != nil {
		return err
	}
	if u.Scheme != "https" && !explicit {
		return ErrPlainHTTP
	}
	return nil
}

// DialContext connects to addr ("host:port") only if Check allows its host, and
// to the very addresses Check allowed, trying each in turn: what was checked is
// what is dialled. Give it to an http.Transport.
func (g *Guard) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", addr, err)
	}
	p, err := strconv.ParseUint(port, 10, 16)
	if err != nil {
		return nil, fmt.Errorf("dial %s: bad port", addr)
	}
	addrs, err := g.Check(ctx, host)
	if err != nil {
		return nil, err
	}
	var errs []error
	for _, a := range addrs {
		c, err := g.dialer.DialContext(ctx, network, netip.AddrPortFrom(a, uint16(p)).String())
		if err == nil {
			return c, nil
		}
		errs = append(errs, err)
	}
	return nil, errors.Join(errs...)
}

// verdict judges one unzoned, unmapped address: a refusal reason, or "" and
// whether the operator allowed it explicitly. The deny list wins over
// everything; then the allow list (byName: the host name is on it); then the
// built-in rules, which refuse every address that is not public.
func (g *Guard) verdict(a netip.Addr, byName bool) (reason string, explicit bool) {
	v4, embeds := embeddedIPv4(a)
	if contains(g.deny, a) || embeds && contains(g.deny, v4) {
		return "an address on the deny list", false
	}
	if byName || contains(g.allow, a) {
		return "", true
	}
	if embeds {
		// Reached through a NAT64 translator or a 6to4 relay: judge the IPv4
		// address that is really reached.
		if reason, explicit := g.verdict(v4, false); reason != "" || explicit {
			return reason, explicit
		}
		if compatible.Contains(a) {
			return "a reserved address", false // deprecated; a public v4 is not reached this way
		}
		return "", false
	}
	return special(a), false
}

func contains(ps []netip.Prefix, a netip.Addr) bool {
	for _, p := range ps {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

var (
	nat64      = netip.MustParsePrefix("64:ff9b::/96") // RFC 6052 well-known prefix
	sixToFour  = netip.MustParsePrefix("2002::/16")    // RFC 3056
	compatible = netip.MustParsePrefix("::/96")        // IPv4-compatible, RFC 4291 (deprecated)
)

// embeddedIPv4 returns the IPv4 address an IPv6 address reaches through a
// translation or tunnelling prefix.
func embeddedIPv4(a netip.Addr) (netip.Addr, bool) {
	if !a.Is6() {
		return netip.Addr{}, false
	}
	b := a.As16()
	switch {
	case nat64.Contains(a):
		return netip.AddrFrom4([4]byte(b[12:16])), true
	case sixToFour.Contains(a):
		return netip.AddrFrom4([4]byte(b[2:6])), true
	case compatible.Contains(a) && !a.IsUnspecified() && !a.IsLoopback():
		return netip.AddrFrom4([4]byte(b[12:16])), true
	}
	return netip.Addr{}, false
}

// class is a range that is not public, with the reason given for it.
type class struct {
	prefix netip.Prefix
	reason string
}

func classes(reason string, cidrs ...string) []class {
	out := make([]class, len(cidrs))
	for i, c := range cidrs {
		out[i] = class{netip.MustParsePrefix(c), reason}
	}
	return out
}

// nonPublic are the ranges refused unless allowed, most specific first
// (IANA's special-purpose registries, RFC 6890 and its updates).
var nonPublic = concat(
	classes("an unspecified address", "0.0.0.0/32", "::/128"),
	classes("a broadcast address", "255.255.255.255/32"),
	classes("a loopback address", "127.0.0.0/8", "::1/128"),
	classes("a private address", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7", "fec0::/10"),
	classes("a link-local address", "169.254.0.0/16", "fe80::/10"),
	classes("a shared (carrier-grade NAT) address", "100.64.0.0/10"),
	classes("a multicast address", "224.0.0.0/4", "ff00::/8"),
	classes("a documentation address", "192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32", "3fff::/20"),
	classes("a reserved address",
		"0.0.0.0/8",       // "this network"
		"192.0.0.0/24",    // IETF protocol assignments
		"192.88.99.0/24",  // 6to4 relay anycast (deprecated)
		"198.18.0.0/15",   // benchmarking
		"240.0.0.0/4",     // reserved for future use
		"2001::/23",       // IETF protocol assignments: Teredo, benchmarking, ORCHID
		"64:ff9b:1::/48"), // local-use NAT64: where the IPv4 address sits is the network's choice
)

// globalUnicast is the only IPv6 space allocated for public unicast addresses.
var globalUnicast = netip.MustParsePrefix("2000::/3")

func concat(lists ...[]class) []class {
	var out []class
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

// special returns why a is not public, or "" when it is.
func special(a netip.Addr) string {
	for _, c := range nonPublic {
		if c.prefix.Contains(a) {
			return c.reason
		}
	}
	if a.Is6() && !globalUnicast.Contains(a) {
		return "a reserved address"
	}
	return ""
}
