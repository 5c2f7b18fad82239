package disk

import (
	"github.com/diskfs/go-diskfs/disk"
	"github.com/diskfs/go-diskfs/filesystem"
	"github.com/diskfs/go-diskfs/filesystem/ext4"
)

// diskFilesystem is the mkfs request for partition index.
func diskFilesystem(index int, t filesystem.Type, label string) disk.FilesystemSpec {
	return disk.FilesystemSpec{Partition: index, FSType: t, VolumeLabel: label, Reproducible: true}
}

// formatData makes the ext4 file system of the data partition. go-diskfs'
// resize inode does not pass e2fsck, so it is left out (resize2fs can
// still grow the file system offline).
func formatData(d *disk.Disk, l Layout) error {
	p := l.Table().Partitions[1]
	start := int64(p.Start) * sector
	size := int64(p.End-p.Start+1) * sector
	_, err := ext4.Create(d.Backend, size, start, sector, &ext4.Params{
		VolumeName: DataLabel,
		Features:   []ext4.FeatureOpt{ext4.WithFeatureReservedGDTBlocksForExpansion(false)},
	})
	return err
}
