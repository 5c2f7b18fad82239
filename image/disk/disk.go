// Package disk writes the GPT disk image of a Cairn board in pure Go
// (diskfs/go-diskfs): no root, no loop devices, no mkfs.
//
// The layout, 1 MiB aligned:
//
//	p1  "EFI"         EFI system partition, FAT32, holding the files given
//	                  (boot loader, its configuration, kernel, initramfs)
//	p2  "cairn-data"  Linux file system, ext4, empty: the appliance mounts
//	                  it at /data and keeps the node's state there
//
// # Usage
//
//	f, _ := os.Create("cairn.img")
//	err := disk.Write(f, disk.Layout{}, map[string][]byte{
//		"EFI/BOOT/BOOTX64.EFI": loader, "cairn/vmlinuz": kernel, …})
package disk

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"sort"

	diskfs "github.com/diskfs/go-diskfs"
	"github.com/diskfs/go-diskfs/backend/file"
	"github.com/diskfs/go-diskfs/filesystem"
	"github.com/diskfs/go-diskfs/partition/gpt"
)

// Defaults used when a Layout field is zero.
const (
	// DefaultSize is the whole image, 240 MiB (252 MB): small enough to
	// flash in seconds; the data partition is meant to grow to the medium
	// later.
	DefaultSize = 240 << 20
	// DefaultESPSize is the EFI system partition (two boot slots of
	// kernel and initramfs fit with room to spare).
	DefaultESPSize = 100 << 20
	// DataLabel is the GPT name of the data partition; the appliance
	// finds it by this name.
	DataLabel = "cairn-data"
	// ESPLabel is the GPT name of the EFI system partition.
	ESPLabel = "EFI"

	sector = 512
	align  = 1 << 20
)

// Layout sizes the image. The zero value means the defaults.
type Layout struct {
	// Size is the image size in bytes, a multiple of 1 MiB.
	Size int64
	// ESPSize is the EFI system partition's size, a multiple of 1 MiB.
	ESPSize int64
}

// EnsureDefaults fills the zero fields with their defaults.
func (l *Layout) EnsureDefaults() {
	if l.Size == 0 {
		l.Size = DefaultSize
	}
	if l.ESPSize == 0 {
		l.ESPSize = DefaultESPSize
	}
}

// Validate reports sizes that cannot make an image.
func (l Layout) Validate() error {
	if l.Size%align != 0 || l.ESPSize%align != 0 {
		return fmt.Errorf("disk: sizes must be multiples of 1 MiB (size %d, ESP %d)", l.Size, l.ESPSize)
	}
	if l.ESPSize < 40<<20 {
		return fmt.Errorf("disk: ESP of %d MiB is below FAT32's minimum; use at least 40 MiB", l.ESPSize>>20)
	}
	if l.Size < l.ESPSize+2*align+32<<20 {
		return fmt.Errorf("disk: %d MiB leave less than 32 MiB for the data partition; use a larger size", l.Size>>20)
	}
	return nil
}

// Table returns the partition table of the layout.
func (l Layout) Table() *gpt.Table {
	l.EnsureDefaults()
	espStart := uint64(align / sector)
	espEnd := espStart + uint64(l.ESPSize/sector) - 1
	dataStart := espEnd + 1
	dataEnd := uint64((l.Size-align)/sector) - 1 // the last MiB holds the backup GPT
	return &gpt.Table{
		LogicalSectorSize:  sector,
		PhysicalSectorSize: sector,
		ProtectiveMBR:      true,
		Partitions: []*gpt.Partition{
			{Index: 1, Start: espStart, End: espEnd, Type: gpt.EFISystemPartition, Name: ESPLabel},
			{Index: 2, Start: dataStart, End: dataEnd, Type: gpt.LinuxFilesystem, Name: DataLabel},
		},
	}
}

// Write writes the image into f, which must be empty and opened for
// reading and writing; it is grown to l.Size (sparse). files maps
// slash-separated ESP paths to their contents; directories are created.
func Write(f *os.File, l Layout, files map[string][]byte) error {
	l.EnsureDefaults()
	if err := l.Validate(); err != nil {
		return err
	}
	if err := f.Truncate(l.Size); err != nil {
		return fmt.Errorf("disk: size %s: %w", f.Name(), err)
	}
	d, err := diskfs.OpenBackend(file.New(f, false), diskfs.WithOpenMode(diskfs.ReadWrite))
	if err != nil {
		return fmt.Errorf("disk: open %s: %w", f.Name(), err)
	}
	if err := d.Partition(l.Table()); err != nil {
		return fmt.Errorf("disk: write partition table: %w", err)
	}
	esp, err := d.CreateFilesystem(diskFilesystem(1, filesystem.TypeFat32, "EFI"))
	if err != nil {
		return fmt.Errorf("disk: format the ESP: %w", err)
	}
	if err := copyFiles(esp, files); err != nil {
		return err
	}
	if err := formatData(d, l); err != nil {
		return fmt.Errorf("disk: format the data partition: %w", err)
	}
	return nil
}

// copyFiles writes files into fsys in path order, creating directories.
func copyFiles(fsys filesystem.FileSystem, files map[string][]byte) error {
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	made := map[string]bool{"/": true}
	for _, n := range names {
		p := path.Clean("/" + n)
		var dirs []string
		for d := path.Dir(p); !made[d]; d = path.Dir(d) {
			dirs = append(dirs, d)
		}
		for i := len(dirs) - 1; i >= 0; i-- {
			if err := fsys.Mkdir(dirs[i]); err != nil {
				return fmt.Errorf("disk: ESP mkdir %s: %w", dirs[i], err)
			}
			made[dirs[i]] = true
		}
		w, err := fsys.OpenFile(p, os.O_CREATE|os.O_RDWR)
		if err != nil {
			return fmt.Errorf("disk: ESP create %s: %w", p, err)
		}
		_, err = w.Write(files[n])
		err = errors.Join(err, w.Close())
		if err != nil {
			return fmt.Errorf("disk: ESP write %s: %w", p, err)
		}
	}
	return nil
}

// PartitionReader returns a reader of partition index (1-based) of the
// image in r, laid out by l.
func (l Layout) PartitionReader(r io.ReaderAt, index int) *io.SectionReader {
	p := l.Table().Partitions[index-1]
	return io.NewSectionReader(r, int64(p.Start)*sector, int64(p.End-p.Start+1)*sector)
}
