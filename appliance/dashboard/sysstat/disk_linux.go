package sysstat

import "golang.org/x/sys/unix"

// statfs fills d with the use of the file system holding path.
func statfs(path string, d *Disk) error {
	var st unix.Statfs_t
	if err := unix.Statfs(path, &st); err != nil {
		return err
	}
	bs := uint64(st.Bsize)
	d.TotalBytes, d.FreeBytes, d.AvailBytes = st.Blocks*bs, st.Bfree*bs, st.Bavail*bs
	return nil
}
