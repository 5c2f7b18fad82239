package disk_test

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	diskfs "github.com/diskfs/go-diskfs"
	"github.com/diskfs/go-diskfs/partition/gpt"

	"github.com/cairn-node/cairn/appliance/datadisk"
	"github.com/cairn-node/cairn/image/disk"
)

func TestWrite(t *testing.T) {
	p := filepath.Join(t.TempDir(), "cairn.img")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	conf := []byte("default cairn.conf\ntimeout 0\n")
	err = disk.Write(f, disk.Layout{}, map[string][]byte{
		"loader/loader.conf":   conf,
		"EFI/BOOT/BOOTX64.EFI": []byte("MZ stub"),
		"cairn/vmlinuz":        make([]byte, 3<<20),
	})
	if err != nil {
		t.Fatal(err)
	}
	if st, _ := f.Stat(); st.Size() != disk.DefaultSize {
		t.Errorf("image size = %d, want %d", st.Size(), disk.DefaultSize)
	}

	d, err := diskfs.Open(p, diskfs.WithOpenMode(diskfs.ReadOnly))
	if err != nil {
		t.Fatal(err)
	}
	pt, err := d.GetPartitionTable()
	if err != nil {
		t.Fatal(err)
	}
	parts := pt.(*gpt.Table).Partitions
	if len(parts) < 2 || parts[0].Name != "EFI" || parts[0].Type != gpt.EFISystemPartition || parts[1].Name != "cairn-data" || parts[1].Type != gpt.LinuxFilesystem {
		t.Fatalf("partitions = %+v, want EFI (ESP) then cairn-data (Linux)", parts)
	}
	if parts[0].Start != 2048 || parts[1].Start != 2048+100<<11 {
		t.Errorf("partition starts = %d, %d, want 2048, %d (1 MiB aligned)", parts[0].Start, parts[1].Start, 2048+100<<11)
	}
	esp, err := d.GetFilesystem(1)
	if err != nil {
		t.Fatal(err)
	}
	got, err := esp.ReadFile("/loader/loader.conf")
	if err != nil || string(got) != string(conf) {
		t.Errorf("ESP loader/loader.conf = %q, %v, want %q", got, err, conf)
	}
	if !datadisk.HasExt4((disk.Layout{}).PartitionReader(f, 2)) {
		t.Error("data partition has no ext4 superblock; the appliance would refuse it")
	}
	if datadisk.HasExt4((disk.Layout{}).PartitionReader(f, 1)) {
		t.Error("ESP reads as ext4")
	}
}

func TestLayoutValidate(t *testing.T) {
	for _, l := range []disk.Layout{{Size: 100 << 20, ESPSize: 100 << 20}, {Size: 256<<20 + 1, ESPSize: 100 << 20}, {Size: 256 << 20, ESPSize: 8 << 20}} {
		if err := l.Validate(); err == nil {
			t.Errorf("Layout%+v.Validate() = nil, want an error", l)
		}
	}
}

// TestDataPassesE2fsck checks the data partition with e2fsprogs, an
// independent ext4 implementation, when it is installed.
func TestDataPassesE2fsck(t *testing.T) {
	e2fsck, err := exec.LookPath("e2fsck")
	if err != nil {
		t.Skip("e2fsck not installed (apt-get install e2fsprogs)")
	}
	dir := t.TempDir()
	f, err := os.Create(filepath.Join(dir, "cairn.img"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := disk.Write(f, disk.Layout{}, nil); err != nil {
		t.Fatal(err)
	}
	part := filepath.Join(dir, "data.ext4")
	out, err := os.Create(part)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, (disk.Layout{}).PartitionReader(f, 2)); err != nil {
		t.Fatal(err)
	}
	out.Close()
	if b, err := exec.Command(e2fsck, "-fn", part).CombinedOutput(); err != nil {
		t.Errorf("e2fsck -fn data partition: %v\n%s", err, b)
	}
}
