//go:build linux

// Package netnstest runs a test inside its own Linux network namespace: a
// child process of the test binary, cloned with CLONE_NEWNET (and any
// other namespace flags asked for), so that the test can make links,
// addresses and real traffic that never reach the host's network.
//
// # Usage
//
//	func TestSomething(t *testing.T) {
//		if !netnstest.Run(t, syscall.CLONE_NEWNET) {
//			return // the parent: the child has run the test
//		}
//		a, b := netnstest.Veth(t, "a0", "10.88.0.1/24", "b0", "10.88.0.2/24")
//		…
//	}
package netnstest

import (
	"errors"
	"net"
	"os"
	"os/exec"
	"syscall"
	"testing"

	"github.com/vishvananda/netlink"
)

// childEnv names the test that a child process runs in its namespace.
const childEnv = "CAIRN_NETNS_TEST"

// Run reports true in the child process, where the calling test's body
// goes on in the new namespaces. In the parent it runs the test again in
// a child cloned with flags (CLONE_NEWNET is always added), logs the
// child's output, fails when the child failed and returns false. It skips
// the test where namespaces cannot be made (not root, or a sandbox that
// forbids them) and under -short.
func Run(t *testing.T, flags uintptr) bool {
	t.Helper()
	if os.Getenv(childEnv) == t.Name() {
		return true
	}
	if testing.Short() {
		t.Skip("runs a child process in its own network namespace; run without -short")
	}
	if os.Geteuid() != 0 {
		t.Skip("needs root: the test makes a network namespace")
	}
	cmd := exec.Command(os.Args[0], "-test.run", "^"+t.Name()+"$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), childEnv+"="+t.Name())
	cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: flags | syscall.CLONE_NEWNET}
	out, err := cmd.CombinedOutput()
	var pe *os.PathError
	if errors.As(err, &pe) || errors.Is(err, syscall.EPERM) {
		t.Skipf("cannot make a network namespace here: %v", err)
	}
	t.Logf("child in its own network namespace:\n%s", out)
	if err != nil {
		t.Fatalf("child: %v", err)
	}
	return false
}

// Veth makes a veth pair of links a and b in the current namespace,
// gives them the addresses addrA and addrB (CIDR, e.g. "10.88.0.1/24";
// empty for none) and brings both up.
func Veth(t *testing.T, a, addrA, b, addrB string) (netlink.Link, netlink.Link) {
	t.Helper()
	if err := netlink.LinkAdd(&netlink.Veth{LinkAttrs: netlink.LinkAttrs{Name: a}, PeerName: b}); err != nil {
		t.Fatalf("veth pair %s/%s: %v", a, b, err)
	}
	var links [2]netlink.Link
	for i, end := range []struct{ name, addr string }{{a, addrA}, {b, addrB}} {
		l, err := netlink.LinkByName(end.name)
		if err != nil {
			t.Fatal(err)
		}
		if end.addr != "" {
			ip, ipn, err := net.ParseCIDR(end.addr)
			if err != nil {
				t.Fatal(err)
			}
			ipn.IP = ip
			if err := netlink.AddrAdd(l, &netlink.Addr{IPNet: ipn}); err != nil {
				t.Fatalf("address %s on %s: %v", end.addr, end.name, err)
			}
		}
		if err := netlink.LinkSetUp(l); err != nil {
			t.Fatal(err)
		}
		links[i] = l
	}
	return links[0], links[1]
}
