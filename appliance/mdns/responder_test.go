package mdns_test

import (
	"context"
	"net"
	"net/netip"
	"slices"
	"testing"
	"time"

	"golang.org/x/net/dns/dnsmessage"

	"github.com/cairn-node/cairn/appliance/mdns"
)

// serveLoopback starts r.Serve on a UDP socket on 127.0.0.1 and returns
// its address. Nothing is sent anywhere else.
func serveLoopback(t *testing.T, r *mdns.Responder) string {
	t.Helper()
	conn, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- r.Serve(context.Background(), conn) }()
	t.Cleanup(func() {
		r.Close()
		if err := <-done; err != nil {
			t.Errorf("Serve() = %v after Close, want nil", err)
		}
	})
	return conn.LocalAddr().String()
}

func newTestResponder(t *testing.T) *mdns.Responder {
	t.Helper()
	r, err := mdns.New(mdns.Options{Hostname: "cairn.example", Port: 8080, Interfaces: func() ([]mdns.Interface, error) {
		return []mdns.Interface{{Index: 2, Name: "eth0", Addrs: testAddrs}}, nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestStdlibResolver asks the responder through Go's own DNS client, an
// independent decoder of the answers.
func TestStdlibResolver(t *testing.T) {
	r := newTestResponder(t)
	addr := serveLoopback(t, r)
	res := &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, "udp", addr)
	}}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	got, err := res.LookupNetIP(ctx, "ip", "cairn.local")
	if err != nil {
		t.Fatalf("LookupNetIP(cairn.local) = %v", err)
	}
	slices.SortFunc(got, netip.Addr.Compare)
	if !slices.Equal(got, testAddrs) {
		t.Errorf("LookupNetIP(cairn.local) = %v, want %v", got, testAddrs)
	}
	// A name the zone does not own gets no reply at all (mDNS stays
	// silent), so the lookup runs into its deadline.
	short, cancel2 := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel2()
	if got, err := res.LookupNetIP(short, "ip4", "other.local"); err == nil {
		t.Errorf("LookupNetIP(other.local) = %v, want no answer", got)
	}
}

// TestUnicastRoundTrip sends a DNS-SD browse to the responder on
// 127.0.0.1 and decodes the reply.
func TestUnicastRoundTrip(t *testing.T) {
	r := newTestResponder(t)
	addr := serveLoopback(t, r)
	c, err := net.Dial("udp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write(query(t, 99, false, q("_http._tcp.local.", dnsmessage.TypePTR))); err != nil {
		t.Fatal(err)
	}
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, mdns.MaxMessage)
	n, err := c.Read(buf)
	if err != nil {
		t.Fatalf("no reply from the responder: %v", err)
	}
	m := parse(t, buf[:n])
	if m.Header.ID != 99 || len(m.Answers) != 1 {
		t.Fatalf("reply ID %d with %d answers, want ID 99 and one PTR", m.Header.ID, len(m.Answers))
	}
	if ptr := m.Answers[0].Body.(*dnsmessage.PTRResource); ptr.PTR.String() != "Cairn on cairn._http._tcp.local." {
		t.Errorf("PTR = %s, want Cairn on cairn._http._tcp.local. (the hostname up to its first dot)", ptr.PTR)
	}
}

func TestNewNeedsPort(t *testing.T) {
	if _, err := mdns.New(mdns.Options{Hostname: "cairn"}); err == nil {
		t.Error("New(no port) = nil error, want one")
	}
}

func TestCloseTwice(t *testing.T) {
	r := newTestResponder(t)
	r.Close()
	r.Close()
	conn, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Serve(context.Background(), conn); err != mdns.ErrClosed {
		t.Errorf("Serve after Close = %v, want ErrClosed", err)
	}
	if err := r.Start(); err != mdns.ErrClosed {
		t.Errorf("Start after Close = %v, want ErrClosed", err)
	}
}

func TestChanged(t *testing.T) {
	a := []mdns.Interface{{Index: 2, Name: "eth0", Addrs: testAddrs}}
	b := []mdns.Interface{{Index: 2, Name: "eth0", Addrs: []netip.Addr{testAddrs[1], testAddrs[0]}}, {Index: 3, Name: "eth1", Addrs: testAddrs[:1]}}
	if got := mdns.Changed(a, b); len(got) != 1 || got[0].Name != "eth1" {
		t.Errorf("Changed(eth0, eth0 reordered + eth1) = %v, want eth1 only", got)
	}
	c := []mdns.Interface{{Index: 2, Name: "eth0", Addrs: testAddrs[:1]}}
	if got := mdns.Changed(a, c); len(got) != 1 || got[0].Name != "eth0" {
		t.Errorf("Changed(eth0 lost an address) = %v, want eth0", got)
	}
}
