package datadisk

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/u-root/u-root/pkg/mount/block"
	"golang.org/x/sys/unix"
)

// Mount waits up to c.Wait for a partition labelled c.Label, checks that
// it holds ext4, mounts it at c.MountPoint and creates the node's
// directory on it. It returns the device path it mounted.
func Mount(ctx context.Context, c Config) (dev string, err error) {
	c.EnsureDefaults()
	deadline := time.Now().Add(c.Wait)
	for {
		dev, err = find(c.Label)
		if err == nil || time.Now().After(deadline) {
			break
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	if err != nil {
		return "", err
	}
	f, err := os.Open(dev)
	if err != nil {
		return "", fmt.Errorf("datadisk: open %s: %w", dev, err)
	}
	ok := HasExt4(f)
	f.Close()
	if !ok {
		return "", fmt.Errorf("datadisk: partition %q (%s) holds no ext4 file system; reflash the image built by 'cairn image build' or format it with 'mkfs.ext4 -L %s %s' on another machine", c.Label, dev, c.Label, dev)
	}
	if err := os.MkdirAll(c.MountPoint, 0o755); err != nil {
		return "", fmt.Errorf("datadisk: %w", err)
	}
	if err := unix.Mount(dev, c.MountPoint, "ext4", unix.MS_NOATIME|unix.MS_NODEV|unix.MS_NOSUID, ""); err != nil {
		return "", fmt.Errorf("datadisk: mount %s on %s: %w; is the ext4 module (and crc32c) in the image?", dev, c.MountPoint, err)
	}
	if err := os.MkdirAll(c.NodeDataDir(), 0o700); err != nil {
		return dev, fmt.Errorf("datadisk: create %s: %w", c.NodeDataDir(), err)
	}
	return dev, nil
}

// find returns the device path of the one partition labelled label.
func find(label string) (string, error) {
	devs, err := block.GetBlockDevices()
	if err != nil {
		return "", fmt.Errorf("datadisk: list block devices: %w", err)
	}
	parts := devs.FilterPartLabel(label)
	switch len(parts) {
	case 0:
		return "", fmt.Errorf("datadisk: no partition labelled %q among %d block devices; is the disk driver module in the image, and was the disk built by 'cairn image build'?", label, len(devs))
	case 1:
		return parts[0].DevicePath(), nil
	default:
		return "", fmt.Errorf("datadisk: %d partitions labelled %q; unplug the other Cairn disks", len(parts), label)
	}
}
