package datadisk

import (
	"fmt"
	"os"
	"strings"

	"github.com/diskfs/go-diskfs/partition/gpt"
)

// minGrowth is the least growth worth rewriting the partition table for;
// it also keeps a disk from being grown again by a rounding remainder.
const minGrowth = 16 << 20

// growAlign aligns the end of the grown partition (1 MiB).
const growAlign = 1 << 20

// Growth describes a partition resize.
type Growth struct {
	// Index is the 1-based partition number.
	Index int
	// Start is the partition's first byte; OldSize and NewSize its sizes.
	Start, OldSize, NewSize int64
}

// GrowTable extends the partition labelled label to the end of the disk
// held by f (diskSize bytes; a file or block device opened read-write),
// moving the backup GPT to the disk's end. It changes nothing and returns
// nil when the partition is not the last one or would grow by less than
// 16 MiB. The partition's contents are untouched: growing the file system
// is the caller's next step.
func GrowTable(f *os.File, diskSize int64, label string) (*Growth, error) {
	t, err := gpt.Read(f, 512, 512)
	if err != nil {
		return nil, fmt.Errorf("datadisk: read the GPT: %w", err)
	}
	var p *gpt.Partition
	for _, q := range t.Partitions {
		if strings.EqualFold(q.Name, label) {
			p = q
		}
	}
	if p == nil {
		return nil, fmt.Errorf("datadisk: no partition labelled %q in the GPT", label)
	}
	for _, q := range t.Partitions {
		if q != p && q.Start > p.Start && q.Type != gpt.Unused {
			return nil, nil // another partition follows: leave the layout alone
		}
	}
	t.Resize(uint64(diskSize))
	end := (int64(t.LastDataSector()+1)*512)/growAlign*growAlign/512 - 1
	g := &Growth{Index: p.Index, Start: int64(p.Start) * 512, OldSize: int64(p.End-p.Start+1) * 512}
	g.NewSize = (end - int64(p.Start) + 1) * 512
	if g.NewSize-g.OldSize < minGrowth {
		return nil, nil
	}
	p.End = uint64(end)
	p.Size = uint64(g.NewSize)
	if err := t.Write(f, diskSize); err != nil {
		return nil, fmt.Errorf("datadisk: write the grown GPT: %w", err)
	}
	return g, nil
}
