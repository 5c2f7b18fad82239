package netup

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"sync"

	"github.com/u-root/u-root/pkg/dhclient"
	"github.com/vishvananda/netlink"
)

// resolvConf is the file DHCP writes the DNS servers to.
const resolvConf = "/etc/resolv.conf"

// resolvMu serializes this package's read-modify-write of resolvConf.
var resolvMu sync.Mutex

// dhcp6 asks for DHCPv6 addresses on links (stateful DHCPv6, RFC 8415,
// with rapid commit) and configures those it gets: the address as a /128
// (DHCPv6 says nothing about on-link prefixes; routes come from router
// advertisements) and its DNS servers added to /etc/resolv.conf. Most
// home routers offer SLAAC only, so no answer is logged at Info, not as a
// warning. DHCPv6 leases are not renewed yet (DHCPv4 ones are, see
// keepLease); the kernel keeps the address without a lifetime.
func dhcp6(ctx context.Context, c Config, links []netlink.Link, log *slog.Logger) []string {
	ctx, cancel := context.WithTimeout(ctx, c.DHCPTimeout)
	defer cancel()
	var leased []string
	cfg := dhclient.Config{Timeout: c.DHCPTimeout / 3, Retries: 2}
	for r := range dhclient.SendRequests(ctx, links, false, true, cfg, c.DHCPTimeout/3) {
		name := r.Interface.Attrs().Name
		if r.Err != nil {
			log.Info("no DHCPv6 lease (fine where the router offers SLAAC only)", "link", name, "err", r.Err)
			continue
		}
		p, ok := r.Lease.(*dhclient.Packet6)
		if !ok {
			continue
		}
		if err := configure6(r.Interface, p); err != nil {
			log.Warn("apply DHCPv6 lease", "link", name, "err", err)
			continue
		}
		log.Info("DHCPv6 lease", "link", name, "lease", p.String())
		leased = append(leased, name)
	}
	return leased
}

// configure6 gives link the leased address and adds the lease's DNS
// servers to resolvConf, keeping the DHCPv4 ones.
func configure6(link netlink.Link, p *dhclient.Packet6) error {
	l := p.Lease()
	if l == nil {
		return fmt.Errorf("netup: the DHCPv6 reply holds no address")
	}
	a := &netlink.Addr{IPNet: &net.IPNet{IP: l.IPv6Addr, Mask: net.CIDRMask(128, 128)}}
	if err := netlink.AddrReplace(link, a); err != nil {
		return fmt.Errorf("netup: set %s on %s: %w", l.IPv6Addr, link.Attrs().Name, err)
	}
	var dns []netip.Addr
	for _, ip := range p.DNS() {
		if a, ok := netip.AddrFromSlice(ip); ok {
			dns = append(dns, a)
		}
	}
	if len(dns) == 0 {
		return nil
	}
	resolvMu.Lock()
	defer resolvMu.Unlock()
	old, err := os.ReadFile(resolvConf)
	if err != nil && !os.IsNotExist(err) {
		return fmt.Errorf("netup: %w", err)
	}
	if err := os.WriteFile(resolvConf, []byte(MergeResolvConf(string(old), dns)), 0o644); err != nil {
		return fmt.Errorf("netup: write %s: %w", resolvConf, err)
	}
	return nil
}
