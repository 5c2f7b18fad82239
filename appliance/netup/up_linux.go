package netup

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"

	"github.com/u-root/u-root/pkg/dhclient"
	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// Up sets the hostname, brings up loopback and every wired link, and
// configures IPv4 by DHCP, falling back to c.Static on the first link
// without a lease, and IPv6 by DHCPv6 alongside (SLAAC needs nothing: the
// kernel does it once a link is up). It returns an error when no link got
// an address; the hostname and loopback are set either way.
func Up(ctx context.Context, c Config, log *slog.Logger) error {
	c.EnsureDefaults()
	var errs []error
	if err := unix.Sethostname([]byte(c.Hostname)); err != nil {
		errs = append(errs, fmt.Errorf("netup: set hostname %q: %w", c.Hostname, err))
	}
	if lo, err := netlink.LinkByName("lo"); err != nil {
		errs = append(errs, fmt.Errorf("netup: find loopback: %w", err))
	} else if err := netlink.LinkSetUp(lo); err != nil {
		errs = append(errs, fmt.Errorf("netup: bring up loopback: %w", err))
	}
	links, err := wiredLinks()
	if err != nil {
		return errors.Join(append(errs, err)...)
	}
	if len(links) == 0 {
		return errors.Join(append(errs, errors.New("netup: no wired network link found; check the cable and that the board's NIC module is in the image"))...)
	}
	// DHCPv6 runs beside DHCPv4 and never delays it: with a v4 lease Up
	// returns at once and DHCPv6 goes on in the background (bounded by
	// c.DHCPTimeout); without one, its result is awaited.
	v6 := make(chan []string, 1)
	go func() { v6 <- dhcp6(ctx, c, links, log) }()
	leased := dhcp(ctx, c, links, log)
	if len(leased) > 0 {
		return errors.Join(errs...)
	}
	if leased6 := <-v6; len(leased6) > 0 && !c.Static.IsValid() {
		log.Info("no DHCPv4 lease; IPv6 only", "links", leased6)
		return errors.Join(errs...)
	}
	if !c.Static.IsValid() {
		return errors.Join(append(errs, fmt.Errorf("netup: no DHCP lease on %s within %s and no static address; set cairn.ip= and cairn.gw= on the kernel command line", names(links), c.DHCPTimeout))...)
	}
	if err := static(c, links[0]); err != nil {
		return errors.Join(append(errs, err)...)
	}
	log.Info("static address set", "link", links[0].Attrs().Name, "addr", c.Static, "gw", c.Gateway)
	return errors.Join(errs...)
}

// wiredLinks returns the links backed by a device that are not wireless.
func wiredLinks() ([]netlink.Link, error) {
	all, err := netlink.LinkList()
	if err != nil {
		return nil, fmt.Errorf("netup: list links: %w", err)
	}
	var out []netlink.Link
	for _, l := range all {
		name := l.Attrs().Name
		if l.Type() != "device" || name == "lo" {
			continue
		}
		if _, err := os.Stat("/sys/class/net/" + name + "/wireless"); err == nil {
			continue
		}
		out = append(out, l)
	}
	return out, nil
}

// dhcp asks for DHCPv4 leases on links and configures those it gets, then
// keeps each lease in the background until ctx ends (keepLease).
func dhcp(ctx context.Context, c Config, links []netlink.Link, log *slog.Logger) []string {
	reqCtx, cancel := context.WithTimeout(ctx, c.DHCPTimeout)
	defer cancel()
	var leased []string
	cfg := dhclient.Config{Timeout: c.DHCPTimeout / 3, Retries: 2, V4ClientIdentifier: true}
	for r := range dhclient.SendRequests(reqCtx, links, true, false, cfg, c.DHCPTimeout/3) {
		name := r.Interface.Attrs().Name
		if r.Err != nil {
			log.Warn("no DHCP lease", "link", name, "err", r.Err)
			continue
		}
		if err := r.Lease.Configure(); err != nil {
			log.Warn("apply DHCP lease", "link", name, "err", err)
			continue
		}
		log.Info("DHCP lease", "link", name, "lease", r.Lease.String())
		leased = append(leased, name)
		if p, ok := r.Lease.(*dhclient.Packet4); ok {
			ack, _ := p.Message()
			go keepLease(ctx, r.Interface, ack, log)
		}
	}
	return leased
}

// static gives link the static address, default route and DNS servers.
func static(c Config, link netlink.Link) error {
	name := link.Attrs().Name
	if err := netlink.LinkSetUp(link); err != nil {
		return fmt.Errorf("netup: bring up %s: %w", name, err)
	}
	ipn := &net.IPNet{IP: c.Static.Addr().AsSlice(), Mask: net.CIDRMask(c.Static.Bits(), c.Static.Addr().BitLen())}
	if err := netlink.AddrReplace(link, &netlink.Addr{IPNet: ipn}); err != nil {
		return fmt.Errorf("netup: set %s on %s: %w", c.Static, name, err)
	}
	if c.Gateway.IsValid() {
		r := &netlink.Route{LinkIndex: link.Attrs().Index, Gw: c.Gateway.AsSlice()}
		if err := netlink.RouteReplace(r); err != nil {
			return fmt.Errorf("netup: default route via %s on %s: %w", c.Gateway, name, err)
		}
	}
	if len(c.DNS) > 0 {
		if err := os.WriteFile("/etc/resolv.conf", []byte(c.ResolvConf()), 0o644); err != nil {
			return fmt.Errorf("netup: write /etc/resolv.conf: %w", err)
		}
	}
	return nil
}

func names(links []netlink.Link) []string {
	var out []string
	for _, l := range links {
		out = append(out, l.Attrs().Name)
	}
	return out
}
