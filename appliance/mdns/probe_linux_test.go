package mdns_test

import (
	"errors"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/vishvananda/netlink"

	"github.com/cairn-node/cairn/appliance/mdns"
)

// netnsChildEnv marks the child process that runs TestTwoBoxesOneName in
// its own network namespace.
const netnsChildEnv = "CAIRN_MDNS_NETNS_CHILD"

// TestTwoBoxesOneName puts two responders that both want cairn.local on
// the two ends of a veth pair, in a private network namespace (a child
// process of this test binary cloned with CLONE_NEWNET, so no packet
// reaches a real network), and checks over real multicast that one keeps
// cairn.local and the other becomes cairn-2.local: when the second box
// starts later (the first defends its name) and when both start at once
// (the probe tie-break).
func TestTwoBoxesOneName(t *testing.T) {
	if os.Getenv(netnsChildEnv) == "1" {
		twoBoxesInNetns(t)
		return
	}
	if testing.Short() {
		t.Skip("takes about 6 s; run without -short")
	}
	if os.Geteuid() != 0 {
		t.Skip("needs root: the test makes a network namespace and a veth pair")
	}
	cmd := exec.Command(os.Args[0], "-test.run", "^TestTwoBoxesOneName$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), netnsChildEnv+"=1")
	cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWNET}
	out, err := cmd.CombinedOutput()
	var pe *os.PathError
	if errors.As(err, &pe) || errors.Is(err, syscall.EPERM) {
		t.Skipf("cannot make a network namespace here: %v", err)
	}
	t.Logf("child in its own network namespace:\n%s", out)
	if err != nil {
		t.Fatalf("child: %v", err)
	}
}

func twoBoxesInNetns(t *testing.T) {
	if err := netlink.LinkAdd(&netlink.Veth{LinkAttrs: netlink.LinkAttrs{Name: "a0"}, PeerName: "b0"}); err != nil {
		t.Fatalf("veth pair: %v", err)
	}
	boxes := map[string]mdns.Interface{}
	for name, addr := range map[string]string{"a0": "10.88.0.1", "b0": "10.88.0.2"} {
		l, err := netlink.LinkByName(name)
		if err != nil {
			t.Fatal(err)
		}
		if err := netlink.AddrAdd(l, &netlink.Addr{IPNet: &net.IPNet{IP: net.ParseIP(addr), Mask: net.CIDRMask(24, 32)}}); err != nil {
			t.Fatal(err)
		}
		if err := netlink.LinkSetUp(l); err != nil {
			t.Fatal(err)
		}
		boxes[name] = mdns.Interface{Index: l.Attrs().Index, Name: name, Addrs: []netip.Addr{netip.MustParseAddr(addr)}}
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
	start := func(link string) *mdns.Responder {
		ifi := boxes[link]
		r, err := mdns.New(mdns.Options{Hostname: "cairn", Port: 8080,
			Interfaces: func() ([]mdns.Interface, error) { return []mdns.Interface{ifi}, nil },
			Logger:     slog.New(slog.NewTextHandler(io.Discard, nil))})
		if err != nil {
			t.Fatal(err)
		}
		if err := r.Start(); err != nil {
			t.Fatalf("start the responder on %s: %v", link, err)
		}
		return r
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
