package datadisk

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"unsafe"

	"golang.org/x/sys/unix"
)

// ioctl numbers not in x/sys/unix.
const (
	blkpg           = 0x1269     // BLKPG: _IO(0x12, 105)
	ext4IOCResizeFS = 0x40086610 // EXT4_IOC_RESIZE_FS: _IOW('f', 16, __u64)
)

// Grow extends the mounted data partition dev (as returned by Mount) and
// its ext4 file system to the end of its disk, for an image flashed onto
// a medium larger than the image. It does nothing and returns nil when
// there is nothing to grow. The kernel resizes ext4 online, so the node
// can start right after.
func Grow(dev string, c Config) (*Growth, error) {
	c.EnsureDefaults()
	part := filepath.Base(dev)
	sys, err := filepath.EvalSymlinks("/sys/class/block/" + part)
	if err != nil {
		return nil, fmt.Errorf("datadisk: %w", err)
	}
	diskName := filepath.Base(filepath.Dir(sys))
	sectors, err := readInt("/sys/class/block/" + diskName + "/size")
	if err != nil {
		return nil, fmt.Errorf("datadisk: size of %s: %w", diskName, err)
	}
	f, err := os.OpenFile("/dev/"+diskName, os.O_RDWR, 0)
	if err != nil {
		return nil, fmt.Errorf("datadisk: %w", err)
	}
	defer f.Close()
	g, err := GrowTable(f, sectors*512, c.Label)
	if err != nil || g == nil {
		return nil, err
	}
	if err := resizePartition(f, g); err != nil {
		return nil, err
	}
	if err := resizeExt4(c.MountPoint, g.NewSize); err != nil {
		return nil, err
	}
	return g, nil
}

// resizePartition tells the kernel the new size of a partition in use
// (re-reading the whole table would fail with EBUSY while it is mounted).
func resizePartition(disk *os.File, g *Growth) error {
	p := unix.BlkpgPartition{Start: g.Start, Length: g.NewSize, Pno: int32(g.Index)}
	arg := unix.BlkpgIoctlArg{Op: unix.BLKPG_RESIZE_PARTITION, Datalen: int32(unsafe.Sizeof(p)), Data: (*byte)(unsafe.Pointer(&p))}
	if _, _, errno := unix.Syscall(unix.SYS_IOCTL, disk.Fd(), blkpg, uintptr(unsafe.Pointer(&arg))); errno != 0 {
		return fmt.Errorf("datadisk: tell the kernel partition %d grew (BLKPG): %w; it will take effect after a reboot", g.Index, errno)
	}
	return nil
}

// resizeExt4 grows the ext4 file system mounted at mountPoint to size
// bytes.
func resizeExt4(mountPoint string, size int64) error {
	var st unix.Statfs_t
	if err := unix.Statfs(mountPoint, &st); err != nil {
		return fmt.Errorf("datadisk: statfs %s: %w", mountPoint, err)
	}
	blocks := uint64(size) / uint64(st.Bsize)
	d, err := os.Open(mountPoint)
	if err != nil {
		return fmt.Errorf("datadisk: %w", err)
	}
	defer d.Close()
	if _, _, errno := unix.Syscall(unix.SYS_IOCTL, d.Fd(), ext4IOCResizeFS, uintptr(unsafe.Pointer(&blocks))); errno != 0 {
		return fmt.Errorf("datadisk: grow ext4 on %s to %d blocks: %w", mountPoint, blocks, errno)
	}
	return nil
}

func readInt(path string) (int64, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	return strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
}
