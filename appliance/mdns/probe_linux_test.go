package mdns_test

import (
	"io"
	"log/slog"
	"net/netip"
	"os"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cairn-node/cairn/appliance/internal/netnstest"
	"github.com/cairn-node/cairn/appliance/mdns"
)

// TestTwoBoxesOneName puts two responders that both want cairn.local on
// the two ends of a veth pair, in a private network namespace
// (netnstest: no packet reaches a real network), and checks over real
// multicast that one keeps cairn.local and the other becomes
// cairn-2.local: when the second box starts later (the first defends its
// name) and when both start at once (the probe tie-break).
func TestTwoBoxesOneName(t *testing.T) {
	if !netnstest.Run(t, 0) {
		return
	}
	twoBoxesInNetns(t)
}

func twoBoxesInNetns(t *testing.T) {
	a0, b0 := netnstest.Veth(t, "a0", "10.88.0.1/24", "b0", "10.88.0.2/24")
	boxes := map[string]mdns.Interface{
		"a0": {Index: a0.Attrs().Index, Name: "a0", Addrs: []netip.Addr{netip.MustParseAddr("10.88.0.1")}},
		"b0": {Index: b0.Attrs().Index, Name: "b0", Addrs: []netip.Addr{netip.MustParseAddr("10.88.0.2")}},
	}
	// Both ends live in this one namespace, so each sees the other's
	// source address as local: let such packets in (these sysctls are the
	// namespace's own).
	for _, f := range []string{"all/rp_filter", "a0/rp_filter", "b0/rp_filter", "a0/accept_local", "b0/accept_local"} {
		v := "1"
		if f[len(f)-9:] == "rp_filter" {
			v = "0"
		}
		if err := os.WriteFile("/proc/sys/net/ipv4/conf/"+f, []byte(v), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// startWith starts a responder on link whose interface list is what
	// list says at each poll.
	startWith := func(link string, list func(mdns.Interface) []mdns.Interface) *mdns.Responder {
		ifi := boxes[link]
		r, err := mdns.New(mdns.Options{Hostname: "cairn", Port: 8080, Poll: 100 * time.Millisecond,
			Interfaces: func() ([]mdns.Interface, error) { return list(ifi), nil },
			Logger:     slog.New(slog.NewTextHandler(io.Discard, nil))})
		if err != nil {
			t.Fatal(err)
		}
		if err := r.Start(); err != nil {
			t.Fatalf("start the responder on %s: %v", link, err)
		}
		return r
	}
	start := func(link string) *mdns.Responder {
		return startWith(link, func(ifi mdns.Interface) []mdns.Interface { return []mdns.Interface{ifi} })
	}
	settle := func(a, b *mdns.Responder) {
		t.Helper()
		want := []string{"cairn", "cairn-2"}
		var got []string
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
			got = []string{a.Zone().Host, b.Zone().Host}
			slices.Sort(got)
			if slices.Equal(got, want) {
				return
			}
		}
		t.Fatalf("host names %v, want %v", got, want)
	}

	t.Run("late", func(t *testing.T) {
		a := start("a0")
		time.Sleep(1500 * time.Millisecond) // a has probed and announced
		b := start("b0")
		settle(a, b)
		if a.Zone().Host != "cairn" {
			t.Errorf("the first box lost its name: %s", a.Zone().Host)
		}
		a.Close()
		b.Close()
	})
	t.Run("address later", func(t *testing.T) {
		// b starts before its network is up, as a box does at boot, and
		// gets its address after a holds the name.
		a := start("a0")
		var up atomic.Bool
		b := startWith("b0", func(ifi mdns.Interface) []mdns.Interface {
			if !up.Load() {
				return nil
			}
			return []mdns.Interface{ifi}
		})
		time.Sleep(1500 * time.Millisecond)
		up.Store(true)
		settle(a, b)
		if a.Zone().Host != "cairn" {
			t.Errorf("the box already on the LAN lost its name to one whose address came later: a is %s", a.Zone().Host)
		}
		a.Close()
		b.Close()
	})
	t.Run("simultaneous", func(t *testing.T) {
		a, b := start("a0"), start("b0")
		settle(a, b)
		// §8.2: the later record set (10.88.0.2) keeps the name.
		if b.Zone().Host != "cairn" {
			t.Errorf("box b (10.88.0.2) is %s, want cairn: its records sort later", b.Zone().Host)
		}
		a.Close()
		b.Close()
	})
}
