package netup_test

import (
	"net/netip"
	"testing"
	"time"

	"github.com/cairn-node/cairn/appliance/netup"
)

func TestParseCmdline(t *testing.T) {
	c, err := netup.ParseCmdline("console=ttyS0 panic=-1 cairn.hostname=box cairn.ip=10.0.2.15/24 cairn.gw=10.0.2.2 cairn.dns=10.0.2.3,1.1.1.1 cairn.dhcp_timeout=3s quiet\n")
	if err != nil {
		t.Fatal(err)
	}
	if c.Hostname != "box" || c.Static != netip.MustParsePrefix("10.0.2.15/24") || c.Gateway != netip.MustParseAddr("10.0.2.2") || c.DHCPTimeout != 3*time.Second {
		t.Errorf("ParseCmdline() = %+v, want box 10.0.2.15/24 via 10.0.2.2, 3s", c)
	}
	if got, want := c.ResolvConf(), "nameserver 10.0.2.3\nnameserver 1.1.1.1\n"; got != want {
		t.Errorf("ResolvConf() = %q, want %q", got, want)
	}
	if _, err := netup.ParseCmdline("cairn.ip=10.0.2.300/24"); err == nil {
		t.Error("ParseCmdline(bad cairn.ip) = nil error, want an error")
	}
}

func TestDefaults(t *testing.T) {
	c, err := netup.ParseCmdline("console=ttyS0")
	if err != nil {
		t.Fatal(err)
	}
	c.EnsureDefaults()
	if c.Hostname != "cairn" || c.DHCPTimeout != netup.DefaultDHCPTimeout || c.Static.IsValid() {
		t.Errorf("defaults = %+v, want hostname cairn, %v, no static address", c, netup.DefaultDHCPTimeout)
	}
}

func TestMergeResolvConf(t *testing.T) {
	v6 := []netip.Addr{netip.MustParseAddr("2001:db8::53"), netip.MustParseAddr("10.0.2.3"), netip.MustParseAddr("2001:db8::53")}
	for _, tc := range []struct{ old, want string }{
		{"", "nameserver 2001:db8::53\nnameserver 10.0.2.3\n"},
		{"nameserver 10.0.2.3\nsearch lan\n", "nameserver 10.0.2.3\nsearch lan\nnameserver 2001:db8::53\n"},
		{"nameserver 10.0.2.3", "nameserver 10.0.2.3\nnameserver 2001:db8::53\n"},
		{"nameserver 2001:db8::53\nnameserver 10.0.2.3\n", "nameserver 2001:db8::53\nnameserver 10.0.2.3\n"},
	} {
		if got := netup.MergeResolvConf(tc.old, v6); got != tc.want {
			t.Errorf("MergeResolvConf(%q) = %q, want %q", tc.old, got, tc.want)
		}
	}
}
