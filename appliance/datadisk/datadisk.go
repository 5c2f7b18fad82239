// Package datadisk finds the persistent data partition by its GPT label and
// mounts it: the node keeps everything it must not lose there.
//
// The image builder creates the partition already formatted as ext4 (the
// initramfs carries no mkfs), so the appliance only checks for an ext4
// superblock and mounts it; the kernel's ext4 journal replay stands in for
// an fsck. A partition without ext4 is an error that says how to fix it;
// the appliance never formats a disk by itself.
package datadisk

import (
	"encoding/binary"
	"io"
	"path"
	"time"
)

// Defaults used when a Config field is zero.
const (
	// DefaultLabel is the GPT partition name of the data partition.
	DefaultLabel = "cairn-data"
	// DefaultMountPoint is where the partition is mounted.
	DefaultMountPoint = "/data"
	// DefaultWait bounds how long Mount waits for the partition to appear
	// (block drivers probe asynchronously after their module loads).
	DefaultWait = 10 * time.Second
	// NodeDir is the node's data directory, relative to the mount point.
	NodeDir = "cairn"
)

// Config says which partition to mount where. The zero value means the
// defaults above.
type Config struct {
	Label      string
	MountPoint string
	Wait       time.Duration
}

// EnsureDefaults fills the zero fields with their defaults.
func (c *Config) EnsureDefaults() {
	if c.Label == "" {
		c.Label = DefaultLabel
	}
	if c.MountPoint == "" {
		c.MountPoint = DefaultMountPoint
	}
	if c.Wait <= 0 {
		c.Wait = DefaultWait
	}
}

// NodeDataDir returns the node's data_dir on the mounted partition.
func (c Config) NodeDataDir() string {
	c.EnsureDefaults()
	return path.Join(c.MountPoint, NodeDir)
}

// ext4 superblock layout: it starts 1024 bytes into the partition, and its
// magic number 0xEF53 sits at offset 0x38 in it, little endian.
const (
	superblockOffset = 1024
	magicOffset      = 0x38
	ext4Magic        = 0xEF53
)

// HasExt4 reports whether the partition read through r starts with an
// ext2/3/4 superblock.
func HasExt4(r io.ReaderAt) bool {
	var b [2]byte
	if _, err := r.ReadAt(b[:], superblockOffset+magicOffset); err != nil {
		return false
	}
	return binary.LittleEndian.Uint16(b[:]) == ext4Magic
}
