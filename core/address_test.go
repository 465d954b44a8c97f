package core_test

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/hookwatch/hookwatch/core"
)

func TestPrivateHostReason(t *testing.T) {
	for _, tc := range []struct {
		host string
		want string // "" for public
	}{
		{"127.0.0.1", "loopback"},
		{"127.1.2.3", "loopback"},
		{"2130706433", "loopback"},
		{"0x7f.1", "loopback"},
		{"0x7f000001", "loopback"},
		{"0177.0.0.1", "loopback"},
		{"127.1", "loopback"},
		{"[::1]", "loopback"},
		{"::1", "loopback"},
		{"[::ffff:127.0.0.1]", "loopback"},
		{"[::ffff:7f00:1]", "loopback"},
		{"localhost", "localhost"},
		{"LOCALHOST.", "localhost"},
		{"api.localhost", "localhost"},
		{"10.0.0.1", "RFC 1918"},
		{"172.16.5.4", "RFC 1918"},
		{"172.31.255.255", "RFC 1918"},
		{"192.168.1.10", "RFC 1918"},
		{"169.254.169.254", "link-local"},
		{"0.0.0.0", "this network"},
		{"0", "this network"},
		{"100.64.0.1", "carrier-grade"},
		{"198.18.0.1", "benchmarking"},
		{"198.19.255.255", "benchmarking"},
		{"192.0.2.1", "documentation"},
		{"240.0.0.1", "reserved"},
		{"255.255.255.255", "reserved"},
		{"224.0.0.1", "multicast"},
		{"239.255.255.250", "multicast"},
		{"[fc00::1]", "unique-local"},
		{"[fd12:3456::1]", "unique-local"},
		{"[fe80::1%25eth0]", "link-local"},
		{"[64:ff9b::10.0.0.1]", "NAT64"},
		{"[ff02::1]", "multicast"},
		{"[2001:db8::1]", "documentation"},
		{"::", "unspecified"},
		// public
		{"93.184.216.34", ""},
		{"1.1.1.1", ""},
		{"172.32.0.1", ""},
		{"100.128.0.1", ""},
		{"[2606:4700:4700::1111]", ""},
		{"example.com", ""},
		{"hooks.slack.com", ""},
		{"localhost.example.com", ""},
		{"1.2.3.4.5", ""}, // not an address: a name, judged after DNS
		{"08.1.1.1", ""},  // invalid octal: a name, judged after DNS
	} {
		got := core.PrivateHostReason(tc.host)
		if tc.want == "" && got != "" {
			t.Errorf("%s: refused as %q, want public", tc.host, got)
		} else if tc.want != "" && !strings.Contains(got, tc.want) {
			t.Errorf("%s: reason %q, want one mentioning %q", tc.host, got, tc.want)
		}
	}
}

func TestParseIPHost(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string
		ok   bool
	}{
		{"2130706433", "127.0.0.1", true},
		{"0x7f.1", "127.0.0.1", true},
		{"0177.0.0.01", "127.0.0.1", true},
		{"10.1", "10.0.0.1", true},
		{"10.0.258", "10.0.1.2", true},
		{"4294967295", "255.255.255.255", true},
		{"4294967296", "", false},
		{"256.1.1.1", "", false},
		{"1.2.3.256", "", false},
		{"0x", "0.0.0.0", true},
		{"example.com", "", false},
		{"", "", false},
		{"1..1", "", false},
	} {
		got, ok := core.ParseIPHost(tc.in)
		if ok != tc.ok || (ok && got != netip.MustParseAddr(tc.want)) {
			t.Errorf("ParseIPHost(%q) = %v, %v; want %s, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func FuzzPrivateHostReason(f *testing.F) {
	for _, s := range []string{"127.0.0.1", "0x7f.1", "2130706433", "[::ffff:10.0.0.1]", "example.com", "localhost", "1.2.3.4"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, host string) {
		reason := core.PrivateHostReason(host)
		// Whatever spelling parses as an address must be judged like its
		// canonical form, so no spelling slips past the check.
		if addr, ok := core.ParseIPHost(host); ok {
			if canon := core.PrivateAddrReason(addr); canon != reason && !strings.Contains(reason, "localhost") {
				t.Fatalf("%q judged %q, its address %s judged %q", host, reason, addr, canon)
			}
		}
	})
}
