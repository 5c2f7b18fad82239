package netup

import (
	"context"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/insomniacslk/dhcp/dhcpv4"
	"github.com/insomniacslk/dhcp/dhcpv4/server4"
	"github.com/u-root/u-root/pkg/dhclient"
	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"github.com/cairn-node/cairn/appliance/internal/netnstest"
)

// TestKeepLease runs a real DHCPv4 server (insomniacslk/dhcp's server4)
// and the appliance's client on the two ends of a veth pair, in private
// network and mount namespaces (netnstest: nothing touches the host's
// links or its /etc/resolv.conf). With 3-second leases it checks that the
// client renews before expiry and keeps its address, that the address
// goes when the server stops answering and the lease runs out, and that
// it comes back once the server answers again.
func TestKeepLease(t *testing.T) {
	if !netnstest.Run(t, syscall.CLONE_NEWNS) {
		return
	}
	keepLeaseInNetns(t)
}

// dhcpServer is a one-address DHCPv4 server on a link; it counts the
// renewals it acknowledged.
type dhcpServer struct {
	t        *testing.T
	srv      *server4.Server
	mu       sync.Mutex
	renewals int
}

const (
	testServerIP = "10.77.0.1"
	testClientIP = "10.77.0.50"
	testLease    = 3 * time.Second
)

func startDHCPServer(t *testing.T, link string) *dhcpServer {
	d := &dhcpServer{t: t}
	srv, err := server4.NewServer(link, &net.UDPAddr{IP: net.IPv4zero, Port: dhcpv4.ServerPort}, d.handle)
	if err != nil {
		t.Fatalf("DHCP server on %s: %v", link, err)
	}
	d.srv = srv
	go srv.Serve()
	return d
}

func (d *dhcpServer) handle(conn net.PacketConn, _ net.Addr, m *dhcpv4.DHCPv4) {
	var typ dhcpv4.MessageType
	switch m.MessageType() {
	case dhcpv4.MessageTypeDiscover:
		typ = dhcpv4.MessageTypeOffer
	case dhcpv4.MessageTypeRequest:
		typ = dhcpv4.MessageTypeAck
		if !m.ClientIPAddr.IsUnspecified() {
			d.mu.Lock()
			d.renewals++
			d.mu.Unlock()
		}
	default:
		return
	}
	reply, err := dhcpv4.NewReplyFromRequest(m,
		dhcpv4.WithMessageType(typ),
		dhcpv4.WithYourIP(net.ParseIP(testClientIP)),
		dhcpv4.WithServerIP(net.ParseIP(testServerIP)),
		dhcpv4.WithOption(dhcpv4.OptServerIdentifier(net.ParseIP(testServerIP))),
		dhcpv4.WithNetmask(net.CIDRMask(24, 32)),
		dhcpv4.WithLeaseTime(uint32(testLease/time.Second)),
	)
	if err != nil {
		d.t.Errorf("DHCP reply: %v", err)
		return
	}
	if _, err := conn.WriteTo(reply.ToBytes(), &net.UDPAddr{IP: net.IPv4bcast, Port: dhcpv4.ClientPort}); err != nil {
		d.t.Logf("DHCP server send: %v", err)
	}
}

func (d *dhcpServer) renewed() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.renewals
}

// keepLeaseInNetns is TestKeepLease inside the private namespace.
func keepLeaseInNetns(t *testing.T) {
	_, cli := netnstest.Veth(t, "srv0", testServerIP+"/24", "cli0", "")
	// Nothing of the host may change: the child has its own mount
	// namespace too, where a scratch file hides /etc/resolv.conf, which
	// applying a lease rewrites.
	if err := unix.Mount("none", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
		t.Fatalf("make mounts private: %v", err)
	}
	scratch := filepath.Join(t.TempDir(), "resolv.conf")
	if err := os.WriteFile(scratch, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := unix.Mount(scratch, dhclient.ResolvConfPath, "", unix.MS_BIND, ""); err != nil {
		t.Fatalf("hide %s: %v", dhclient.ResolvConfPath, err)
	}
	leaseRetryMin, leaseAttempt = 300*time.Millisecond, time.Second
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))

	srv := startDHCPServer(t, "srv0")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if got := dhcp(ctx, Config{DHCPTimeout: 6 * time.Second}, []netlink.Link{cli}, log); len(got) != 1 {
		t.Fatalf("dhcp leased %v, want cli0", got)
	}
	// keepLease gives the address the lease's lifetime (in the
	// background: poll for it).
	for start := time.Now(); ; time.Sleep(20 * time.Millisecond) {
		lft, ok := addrLifetime(t, cli)
		if ok && lft > 0 && lft <= int(testLease/time.Second) {
			break
		}
		if time.Since(start) > time.Second {
			t.Fatalf("after the first lease: address %s present %v with lifetime %d s, want at most %v", testClientIP, ok, lft, testLease)
		}
	}

	// Two lease times: the client must renew at T1 each time.
	time.Sleep(2 * testLease)
	if _, ok := addrLifetime(t, cli); !ok {
		t.Fatalf("address %s gone after %v with a server that answers renewals", testClientIP, 2*testLease)
	}
	if n := srv.renewed(); n < 2 {
		t.Fatalf("server acknowledged %d renewals in %v of %v leases, want at least 2", n, 2*testLease, testLease)
	}

	// The server goes away: the lease must run out and the address go.
	srv.srv.Close()
	time.Sleep(testLease + time.Second)
	if _, ok := addrLifetime(t, cli); ok {
		t.Fatalf("address %s still there %v after the server stopped answering", testClientIP, testLease+time.Second)
	}

	// It comes back: the client, still asking, gets the address again.
	srv = startDHCPServer(t, "srv0")
	defer srv.srv.Close()
	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, ok := addrLifetime(t, cli); ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("address %s not regained within 5 s of the server's return", testClientIP)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// addrLifetime returns the valid lifetime in seconds of the test client
// address on link, and whether link has it.
func addrLifetime(t *testing.T, link netlink.Link) (int, bool) {
	addrs, err := netlink.AddrList(link, netlink.FAMILY_V4)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range addrs {
		if a.IP.Equal(net.ParseIP(testClientIP)) {
			return a.ValidLft, true
		}
	}
	return 0, false
}
