package update

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// ApplyOnNode installs the bundle read from r on the Cairn node this
// process runs on, as a dashboard's update action does: it reads the
// booted slot from /proc/cmdline and the trusted key from PublicKeyPath,
// mounts the ESP (MountESP), runs Apply and unmounts it. board, when not
// empty, must match the bundle's; when empty, the image's own board
// (BoardPath) must. The caller then reboots the node
// (SIGTERM to PID 1) to start the trial. It needs root on a Cairn node;
// elsewhere it fails with an error that says so.
func ApplyOnNode(ctx context.Context, r io.Reader, board string) (res Result, err error) {
	cmdline, _ := os.ReadFile("/proc/cmdline")
	b, err := ParseBoot(string(cmdline))
	if err != nil {
		return Result{}, err
	}
	if b.Slot == "" {
		return Result{}, errors.New("update: this is not a Cairn node with boot slots (no cairn.slot on the kernel command line); update its disk with --esp DIR or --disk IMAGE instead")
	}
	if board == "" {
		// Images name their board; older ones (and hosts) do not, and then
		// the bundle's board is not checked.
		if name, err := os.ReadFile(BoardPath); err == nil {
			board = strings.TrimSpace(string(name))
		}
	}
	pem, err := os.ReadFile(PublicKeyPath)
	if err != nil {
		return Result{}, fmt.Errorf("update: %w; this image was built without an update key (cairn image build --update-key), so it takes no updates: reflash it", err)
	}
	pub, err := ParsePublicKey(pem)
	if err != nil {
		return Result{}, err
	}
	dir, unmount, err := MountESP(ctx)
	if err != nil {
		return Result{}, err
	}
	defer func() { err = errors.Join(err, unmount()) }()
	return Apply(DirESP(dir), r, ApplyOptions{PublicKey: pub, Board: board, Running: b.Slot})
}
