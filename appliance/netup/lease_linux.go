package netup

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/insomniacslk/dhcp/dhcpv4"
	"github.com/insomniacslk/dhcp/dhcpv4/nclient4"
	"github.com/u-root/u-root/pkg/dhclient"
	"github.com/vishvananda/netlink"
)

// leaseRetryMin is the shortest wait between two attempts to renew or
// regain a lease (RFC 2131 asks for at least 60 s); tests shorten it.
var leaseRetryMin = time.Minute

// leaseAttempt bounds one exchange with the DHCP server.
var leaseAttempt = 10 * time.Second

// infiniteLease is the lease time 0xffffffff seconds, "forever".
const infiniteLease = time.Duration(0xffffffff) * time.Second

// keepLease keeps link's DHCPv4 lease, granted by ack, until ctx ends, as
// RFC 2131 §4.4.5 describes: at T1 (option 58, half the lease by default)
// it asks the granting server to extend it, retrying at half the time left
// to T2 (at least leaseRetryMin apart); from T2 (option 59, 7/8 of the
// lease) it asks any server with a new DISCOVER; when the lease expires
// the address is removed and the requests go on. A NAK drops the address
// at once. The address carries the lease's lifetime, so the kernel drops
// it at expiry even if nothing renews it. A new lease for another address
// replaces the old one (address, routes and DNS). An infinite lease needs
// nothing.
func keepLease(ctx context.Context, link netlink.Link, ack *dhcpv4.DHCPv4, log *slog.Logger) {
	name := link.Attrs().Name
	for {
		got := time.Now()
		lease := ack.IPAddressLeaseTime(0)
		if lease <= 0 || lease >= infiniteLease {
			log.Info("DHCP lease does not expire", "link", name, "addr", ack.YourIPAddr)
			return
		}
		if err := setLifetime(link, ack, lease); err != nil {
			log.Warn("set the DHCP lease's lifetime", "link", name, "err", err)
		}
		t1 := got.Add(min(ack.IPAddressRenewalTime(lease/2), lease))
		t2 := got.Add(min(max(ack.IPAddressRebindingTime(lease*7/8), t1.Sub(got)), lease))
		expiry := got.Add(lease)
		next, dropped, ok := regain(ctx, link, ack, t1, t2, expiry, log)
		if !ok {
			return
		}
		if next.SubnetMask() == nil && ack.SubnetMask() != nil {
			// Some servers leave the mask out of renewal ACKs: keep the
			// prefix, or the address would come back as a /32.
			next.UpdateOption(dhcpv4.OptSubnetMask(ack.SubnetMask()))
		}
		switch {
		case dropped:
			log.Info("DHCP lease regained", "link", name, "addr", next.YourIPAddr, "lease", next.IPAddressLeaseTime(0))
		case next.YourIPAddr.Equal(ack.YourIPAddr):
			log.Debug("DHCP lease renewed", "link", name, "addr", next.YourIPAddr, "lease", next.IPAddressLeaseTime(0))
		default:
			if err := dhclient.NewPacket4(link, next).Configure(); err != nil {
				log.Warn("apply DHCP lease", "link", name, "err", err)
			}
			dropAddress(link, ack, log)
			log.Info("DHCP lease for a new address", "link", name, "old", ack.YourIPAddr, "new", next.YourIPAddr)
		}
		ack = next
	}
}

// regain returns the next ACK for link: renewals with ack's server from
// t1, new DISCOVERs from t2, the address dropped at expiry or on a NAK
// (dropped says whether it was). ok is false when ctx ended first.
func regain(ctx context.Context, link netlink.Link, ack *dhcpv4.DHCPv4, t1, t2, expiry time.Time, log *slog.Logger) (next *dhcpv4.DHCPv4, dropped, ok bool) {
	name := link.Attrs().Name
	at := t1
	for {
		if !sleepUntil(ctx, at) {
			return nil, dropped, false
		}
		now := time.Now()
		if !dropped && !now.Before(expiry) {
			log.Error("DHCP lease expired without renewal; address removed, still asking", "link", name, "addr", ack.YourIPAddr)
			dropAddress(link, ack, log)
			dropped = true
		}
		var err error
		if now.Before(t2) {
			next, err = renewLease(ctx, link, ack)
		} else {
			next, err = requestLease(ctx, link)
		}
		if err == nil {
			return next, dropped, true
		}
		var nak *nclient4.ErrNak
		if errors.As(err, &nak) && !dropped {
			log.Warn("DHCP server refused the lease (NAK); address removed, asking anew", "link", name, "addr", ack.YourIPAddr)
			dropAddress(link, ack, log)
			dropped, t2, expiry = true, now, now
		} else {
			log.Warn("DHCP lease not renewed yet", "link", name, "err", err, "expires", expiry.Format(time.RFC3339))
		}
		deadline := expiry
		if now.Before(t2) {
			deadline = t2
		}
		at = now.Add(max(leaseRetryMin, deadline.Sub(now)/2))
		if dropped {
			at = now.Add(leaseRetryMin)
		}
	}
}

// sleepUntil waits until t and reports false if ctx ended first.
func sleepUntil(ctx context.Context, t time.Time) bool {
	timer := time.NewTimer(time.Until(t))
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-timer.C:
		return true
	}
}

// requestOptions are the DHCPv4 modifiers of every request: the client
// identifier (hardware type and MAC, as the first request had) and the
// options a node needs.
func requestOptions(link netlink.Link) []dhcpv4.Modifier {
	ident := append([]byte{0x01}, link.Attrs().HardwareAddr...) // RFC 2132 §9.14: type Ethernet
	return []dhcpv4.Modifier{
		dhcpv4.WithOption(dhcpv4.OptClientIdentifier(ident)),
		dhcpv4.WithRequestedOptions(dhcpv4.OptionSubnetMask, dhcpv4.OptionRouter, dhcpv4.OptionDomainNameServer),
	}
}

// renewLease asks the server that granted ack to extend it.
func renewLease(ctx context.Context, link netlink.Link, ack *dhcpv4.DHCPv4) (*dhcpv4.DHCPv4, error) {
	return exchange(ctx, link, func(ctx context.Context, c *nclient4.Client) (*nclient4.Lease, error) {
		return c.Renew(ctx, &nclient4.Lease{Offer: ack, ACK: ack}, requestOptions(link)...)
	})
}

// requestLease asks any server for a lease (DISCOVER, OFFER, REQUEST,
// ACK) and applies it.
func requestLease(ctx context.Context, link netlink.Link) (*dhcpv4.DHCPv4, error) {
	ack, err := exchange(ctx, link, func(ctx context.Context, c *nclient4.Client) (*nclient4.Lease, error) {
		return c.Request(ctx, requestOptions(link)...)
	})
	if err != nil {
		return nil, err
	}
	if err := dhclient.NewPacket4(link, ack).Configure(); err != nil {
		return nil, fmt.Errorf("netup: apply DHCP lease on %s: %w", link.Attrs().Name, err)
	}
	return ack, nil
}

// exchange runs one DHCP exchange f on a client for link, bounded by
// leaseAttempt, and returns the ACK it got.
func exchange(ctx context.Context, link netlink.Link, f func(context.Context, *nclient4.Client) (*nclient4.Lease, error)) (*dhcpv4.DHCPv4, error) {
	c, err := nclient4.New(link.Attrs().Name, nclient4.WithTimeout(leaseAttempt/3), nclient4.WithRetry(2))
	if err != nil {
		return nil, fmt.Errorf("netup: DHCP client on %s: %w", link.Attrs().Name, err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(ctx, leaseAttempt)
	defer cancel()
	l, err := f(ctx, c)
	if err != nil {
		return nil, err
	}
	return l.ACK, nil
}

// leaseAddr returns the address and prefix that ack grants.
func leaseAddr(ack *dhcpv4.DHCPv4) *net.IPNet {
	return dhclient.NewPacket4(nil, ack).Lease()
}

// setLifetime gives ack's address on link the lease's lifetime.
func setLifetime(link netlink.Link, ack *dhcpv4.DHCPv4, lease time.Duration) error {
	ipn := leaseAddr(ack)
	if ipn == nil {
		return errors.New("the lease has no address")
	}
	secs := int(lease / time.Second)
	return netlink.AddrReplace(link, &netlink.Addr{IPNet: ipn, ValidLft: secs, PreferedLft: secs})
}

// dropAddress removes ack's address from link.
func dropAddress(link netlink.Link, ack *dhcpv4.DHCPv4, log *slog.Logger) {
	ipn := leaseAddr(ack)
	if ipn == nil {
		return
	}
	if err := netlink.AddrDel(link, &netlink.Addr{IPNet: ipn}); err != nil && !errors.Is(err, netlink.ErrNotImplemented) {
		log.Debug("remove DHCP address", "link", link.Attrs().Name, "addr", ipn, "err", err)
	}
}
