package core

import (
	"net/netip"
	"strconv"
	"strings"
)

// privatePrefixes are the ranges of IANA's IPv4 and IPv6 special-purpose
// address registries that are not globally reachable, plus multicast. A
// webhook may only reach them with allow_private.
var privatePrefixes = func() []namedPrefix {
	list := []struct{ cidr, name string }{
		{"0.0.0.0/8", "a \"this network\" address"},
		{"10.0.0.0/8", "a private (RFC 1918) address"},
		{"100.64.0.0/10", "a shared (carrier-grade NAT) address"},
		{"127.0.0.0/8", "a loopback address"},
		{"169.254.0.0/16", "a link-local address"},
		{"172.16.0.0/12", "a private (RFC 1918) address"},
		{"192.0.0.0/24", "an IETF protocol address"},
		{"192.0.2.0/24", "a documentation address"},
		{"192.88.99.0/24", "a 6to4 relay address"},
		{"192.168.0.0/16", "a private (RFC 1918) address"},
		{"198.18.0.0/15", "a benchmarking address"},
		{"198.51.100.0/24", "a documentation address"},
		{"203.0.113.0/24", "a documentation address"},
		{"224.0.0.0/4", "a multicast address"},
		{"240.0.0.0/4", "a reserved address"},
		{"::/128", "the unspecified address"},
		{"::1/128", "a loopback address"},
		{"64:ff9b::/96", "a NAT64 address"},
		{"64:ff9b:1::/48", "a local NAT64 address"},
		{"100::/64", "a discard-only address"},
		{"2001::/23", "an IETF protocol address"},
		{"2001:db8::/32", "a documentation address"},
		{"2002::/16", "a 6to4 address"},
		{"3fff::/20", "a documentation address"},
		{"5f00::/16", "a segment-routing address"},
		{"fc00::/7", "a unique-local (private) address"},
		{"fe80::/10", "a link-local address"},
		{"fec0::/10", "a site-local address"},
		{"ff00::/8", "a multicast address"},
	}
	out := make([]namedPrefix, len(list))
	for i, p := range list {
		out[i] = namedPrefix{netip.MustParsePrefix(p.cidr), p.name}
	}
	return out
}()

type namedPrefix struct {
	prefix netip.Prefix
	name   string
}

// PrivateAddrReason returns why addr is not globally reachable, such as "a
// loopback address", or "" for a public address. IPv4-mapped IPv6 addresses
// are judged by the IPv4 address they carry.
func PrivateAddrReason(addr netip.Addr) string {
	if !addr.IsValid() {
		return "not a valid address"
	}
	addr = addr.Unmap().WithZone("")
	for _, p := range privatePrefixes {
		if p.prefix.Contains(addr) {
			return p.name
		}
	}
	return ""
}

// IsPrivateAddr reports whether addr is not globally reachable.
func IsPrivateAddr(addr netip.Addr) bool { return PrivateAddrReason(addr) != "" }

// PrivateHostReason returns why a URL host may not be reached without
// allow_private, or "" if it may. It judges IP literals in every spelling a
// resolver accepts (2130706433, 0x7f.1, 0177.0.0.1, [::ffff:127.0.0.1]) and
// the localhost names; any other name is judged at connect time, after DNS.
func PrivateHostReason(host string) string {
	h := strings.ToLower(strings.TrimSuffix(host, "."))
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return "a localhost name"
	}
	if addr, ok := ParseIPHost(h); ok {
		return PrivateAddrReason(addr)
	}
	return ""
}

// ParseIPHost parses host as an IP literal, accepting the IPv4 forms of
// inet_aton (one to four parts, each decimal, octal with a leading 0, or hex
// with 0x) as well as IPv6 with or without brackets and zone.
func ParseIPHost(host string) (netip.Addr, bool) {
	h := strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if addr, err := netip.ParseAddr(h); err == nil {
		return addr, true
	}
	if i := strings.IndexByte(h, '%'); i > 0 && strings.Contains(h, ":") {
		if addr, err := netip.ParseAddr(h[:i]); err == nil {
			return addr, true
		}
	}
	return parseInetAton(h)
}

func parseInetAton(s string) (netip.Addr, bool) {
	if s == "" {
		return netip.Addr{}, false
	}
	parts := strings.Split(s, ".")
	if len(parts) > 4 {
		return netip.Addr{}, false
	}
	vals := make([]uint64, len(parts))
	for i, p := range parts {
		if p == "" {
			return netip.Addr{}, false
		}
		base := 10
		digits := p
		switch {
		case len(p) > 2 && (p[:2] == "0x" || p[:2] == "0X"):
			base, digits = 16, p[2:]
		case p == "0x" || p == "0X":
			base, digits = 16, "0"
		case len(p) > 1 && p[0] == '0':
			base, digits = 8, p[1:]
		}
		v, err := strconv.ParseUint(digits, base, 32)
		if err != nil {
			return netip.Addr{}, false
		}
		vals[i] = v
	}
	// The last part fills all the bytes the earlier parts leave.
	var n uint64
	for i, v := range vals[:len(vals)-1] {
		if v > 255 {
			return netip.Addr{}, false
		}
		n |= v << (24 - 8*uint(i))
	}
	last := vals[len(vals)-1]
	if last >= 1<<(8*uint(5-len(vals))) {
		return netip.Addr{}, false
	}
	n |= last
	return netip.AddrFrom4([4]byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}), true
}
