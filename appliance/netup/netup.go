// Package netup brings the network up at boot: loopback, every wired
// link, an IPv4 address by DHCP on each (u-root's dhclient) with a static
// address as fallback, an IPv6 address by DHCPv6 alongside (SLAAC is the
// kernel's), and the hostname.
//
// Its [Config] comes from the kernel command line ([ParseCmdline]), which
// the image builder writes, so a box without DHCP can be given an address
// when its image is built:
//
//	cairn.hostname=cairn cairn.ip=192.168.1.20/24 cairn.gw=192.168.1.1 cairn.dns=192.168.1.1
package netup

import (
	"fmt"
	"net/netip"
	"strings"
	"time"
)

// Defaults used when a Config field is zero.
const (
	// DefaultHostname is the hostname the appliance sets.
	DefaultHostname = "cairn"
	// DefaultDHCPTimeout bounds the whole DHCPv4 exchange on all links,
	// and the DHCPv6 one, which runs beside it.
	DefaultDHCPTimeout = 15 * time.Second
)

// Config says how to bring the network up. The zero value means: hostname
// "cairn", DHCPv4 on every wired link for up to 15 s, no static fallback.
type Config struct {
	// Hostname is set with sethostname(2). Default: DefaultHostname.
	Hostname string
	// Static, when valid, is the address given to the first wired link
	// that got no DHCP lease (cairn.ip=ADDR/PREFIX).
	Static netip.Prefix
	// Gateway is the default route of the static address (cairn.gw).
	Gateway netip.Addr
	// DNS servers written to /etc/resolv.conf with the static address
	// (cairn.dns, comma-separated).
	DNS []netip.Addr
	// DHCPTimeout bounds DHCP. Default: DefaultDHCPTimeout.
	DHCPTimeout time.Duration
}

// ParseCmdline reads the cairn.* keys of a kernel command line (the text
// of /proc/cmdline); other words are ignored. Bad values are errors that
// name the key.
func ParseCmdline(cmdline string) (Config, error) {
	var c Config
	for _, w := range strings.Fields(cmdline) {
		k, v, ok := strings.Cut(w, "=")
		if !ok || !strings.HasPrefix(k, "cairn.") {
			continue
		}
		var err error
		switch k {
		case "cairn.hostname":
			c.Hostname = v
		case "cairn.ip":
			c.Static, err = netip.ParsePrefix(v)
		case "cairn.gw":
			c.Gateway, err = netip.ParseAddr(v)
		case "cairn.dns":
			for _, s := range strings.Split(v, ",") {
				a, perr := netip.ParseAddr(s)
				if perr != nil {
					err = perr
					break
				}
				c.DNS = append(c.DNS, a)
			}
		case "cairn.dhcp_timeout":
			c.DHCPTimeout, err = time.ParseDuration(v)
		}
		if err != nil {
			return Config{}, fmt.Errorf("netup: kernel command line %s: %w; fix it in the boot entry", w, err)
		}
	}
	return c, nil
}

// EnsureDefaults fills the zero fields with their defaults.
func (c *Config) EnsureDefaults() {
	if c.Hostname == "" {
		c.Hostname = DefaultHostname
	}
	if c.DHCPTimeout <= 0 {
		c.DHCPTimeout = DefaultDHCPTimeout
	}
}

// ResolvConf returns the /etc/resolv.conf text for the static DNS servers.
func (c Config) ResolvConf() string {
	var b strings.Builder
	for _, a := range c.DNS {
		fmt.Fprintf(&b, "nameserver %s\n", a)
	}
	return b.String()
}
