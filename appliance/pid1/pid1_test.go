package pid1_test

import (
	"syscall"
	"testing"

	"github.com/cairn-node/cairn/appliance/pid1"
)

func TestActionFor(t *testing.T) {
	for _, tc := range []struct {
		sig  syscall.Signal
		want pid1.Action
		ok   bool
	}{
		{syscall.SIGINT, pid1.Reboot, true},
		{syscall.SIGTERM, pid1.Reboot, true},
		{syscall.SIGUSR2, pid1.PowerOff, true},
		{syscall.SIGHUP, 0, false},
	} {
		if got, ok := pid1.ActionFor(tc.sig); got != tc.want || ok != tc.ok {
			t.Errorf("ActionFor(%v) = %v, %v, want %v, %v", tc.sig, got, ok, tc.want, tc.ok)
		}
	}
}

func TestMountsOrder(t *testing.T) {
	// /proc, /sys and /dev come first: everything after them reads them.
	var targets []string
	for _, m := range pid1.Mounts {
		targets = append(targets, m.Target)
	}
	for i, want := range []string{"/proc", "/sys", "/dev"} {
		if targets[i] != want || !pid1.Mounts[i].Required {
			t.Errorf("Mounts[%d] = %s (required %v), want required %s", i, targets[i], pid1.Mounts[i].Required, want)
		}
	}
}
