package update

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/u-root/u-root/pkg/mount/block"
	"golang.org/x/sys/unix"
)

// MountESP finds Cairn's EFI system partition by its GPT type (on the
// disk holding the cairn-data partition when there are several), mounts
// it read-write at ESPMountPoint and returns the directory and a function
// that syncs and unmounts it. The vfat, nls_cp437 and nls_ascii modules
// must be loaded (the image lists them).
func MountESP(ctx context.Context) (dir string, unmount func() error, err error) {
	dev, err := findESP()
	if err != nil {
		return "", nil, err
	}
	if err := os.MkdirAll(ESPMountPoint, 0o700); err != nil {
		return "", nil, fmt.Errorf("update: %w", err)
	}
	flags := uintptr(unix.MS_NOATIME | unix.MS_NODEV | unix.MS_NOSUID | unix.MS_NOEXEC)
	if err := unix.Mount(dev, ESPMountPoint, "vfat", flags, "codepage=437,iocharset=ascii,shortname=mixed"); err != nil {
		return "", nil, fmt.Errorf("update: mount the ESP %s on %s: %w; is the vfat module in the image?", dev, ESPMountPoint, err)
	}
	return ESPMountPoint, func() error {
		unix.Sync()
		if err := unix.Unmount(ESPMountPoint, 0); err != nil {
			return fmt.Errorf("update: unmount the ESP: %w", err)
		}
		return nil
	}, nil
}

// findESP returns the device path of Cairn's ESP.
func findESP() (string, error) {
	devs, err := block.GetBlockDevices()
	if err != nil {
		return "", fmt.Errorf("update: list block devices: %w", err)
	}
	esps := devs.FilterPartType(ESPType)
	switch len(esps) {
	case 0:
		return "", errors.New("update: no EFI system partition found; is the disk driver module in the image?")
	case 1:
		return esps[0].DevicePath(), nil
	}
	if data := devs.FilterPartLabel(dataLabel); len(data) == 1 {
		want := parentDisk(data[0].Name)
		for _, e := range esps {
			if parentDisk(e.Name) == want {
				return e.DevicePath(), nil
			}
		}
	}
	names := make([]string, len(esps))
	for i, e := range esps {
		names[i] = e.Name
	}
	return "", fmt.Errorf("update: %d EFI system partitions (%s) and none beside cairn-data; unplug the other disks", len(esps), strings.Join(names, ", "))
}

// parentDisk returns the disk a partition belongs to, from sysfs.
func parentDisk(part string) string {
	p, err := filepath.EvalSymlinks(filepath.Join("/sys/class/block", part))
	if err != nil {
		return ""
	}
	return filepath.Base(filepath.Dir(p))
}
