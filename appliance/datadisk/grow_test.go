package datadisk_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/diskfs/go-diskfs/partition/gpt"

	"github.com/cairn-node/cairn/appliance/datadisk"
	"github.com/cairn-node/cairn/image/disk"
)

func TestGrowTable(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "cairn.img"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := disk.Write(f, disk.Layout{}, nil); err != nil {
		t.Fatal(err)
	}
	// Same size: nothing to do.
	if g, err := datadisk.GrowTable(f, disk.DefaultSize, "cairn-data"); err != nil || g != nil {
		t.Fatalf("GrowTable(same size) = %+v, %v, want nil, nil", g, err)
	}
	// Flashed onto a 1 GiB stick.
	const stick = 1 << 30
	if err := f.Truncate(stick); err != nil {
		t.Fatal(err)
	}
	g, err := datadisk.GrowTable(f, stick, "cairn-data")
	if err != nil || g == nil {
		t.Fatalf("GrowTable(1 GiB) = %+v, %v, want a growth", g, err)
	}
	wantStart := int64(101 << 20)
	wantSize := int64(stick - 1<<20 - wantStart) // up to the last whole MiB before the backup GPT
	if g.Index != 2 || g.Start != wantStart || g.NewSize != wantSize || g.OldSize != disk.DefaultSize-1<<20-wantStart {
		t.Errorf("GrowTable() = %+v, want partition 2 at %d growing to %d", g, wantStart, wantSize)
	}
	tab, err := gpt.Read(f, 512, 512)
	if err != nil {
		t.Fatal(err)
	}
	if p := tab.Partitions[1]; p.Name != "cairn-data" || int64(p.End+1)*512 != wantStart+wantSize {
		t.Errorf("partition 2 after growth = %s ending at byte %d, want cairn-data ending at %d", p.Name, int64(p.End+1)*512, wantStart+wantSize)
	}
	if err := tab.Verify(f, stick); err != nil {
		t.Errorf("GPT after growth does not verify: %v", err)
	}
	// A second boot finds nothing more to do.
	if g, err := datadisk.GrowTable(f, stick, "cairn-data"); err != nil || g != nil {
		t.Errorf("GrowTable(again) = %+v, %v, want nil, nil", g, err)
	}
}
