package disk_test

import (
	"encoding/binary"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	diskfs "github.com/diskfs/go-diskfs"
	"github.com/diskfs/go-diskfs/partition/gpt"

	"github.com/cairn-node/cairn/image/disk"
)

func TestMakeHybridMBR(t *testing.T) {
	p := filepath.Join(t.TempDir(), "pi.img")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := disk.Write(f, disk.Layout{}, map[string][]byte{"config.txt": []byte("arm_64bit=1\n")}); err != nil {
		t.Fatal(err)
	}
	if err := disk.MakeHybridMBR(f, disk.Layout{}); err != nil {
		t.Fatalf("MakeHybridMBR() = %v", err)
	}
	mbr := make([]byte, 512)
	if _, err := f.ReadAt(mbr, 0); err != nil {
		t.Fatal(err)
	}
	esp := (disk.Layout{}).Table().Partitions[0]
	type entry struct {
		typ            byte
		start, sectors uint32
	}
	for i, want := range []entry{
		{disk.MBRTypeFAT32LBA, uint32(esp.Start), uint32(esp.End - esp.Start + 1)},
		{disk.MBRTypeGPTProtective, 1, uint32(esp.Start - 1)},
		{}, {},
	} {
		e := mbr[446+16*i:]
		got := entry{e[4], binary.LittleEndian.Uint32(e[8:]), binary.LittleEndian.Uint32(e[12:])}
		if got != want {
			t.Errorf("MBR entry %d = %+v, want %+v", i+1, got, want)
		}
	}
	// The GPT is untouched: the data partition keeps its name.
	d, err := diskfs.Open(p, diskfs.WithOpenMode(diskfs.ReadOnly))
	if err != nil {
		t.Fatal(err)
	}
	pt, err := gpt.Read(d.Backend, 512, 512)
	if err != nil {
		t.Fatalf("gpt.Read(hybrid image) = %v", err)
	}
	if parts := pt.Partitions; len(parts) < 2 || parts[1].Name != disk.DataLabel {
		t.Errorf("GPT partitions after MakeHybridMBR = %+v, want %s second", parts, disk.DataLabel)
	}
	// A second call finds no protective MBR any more.
	if err := disk.MakeHybridMBR(f, disk.Layout{}); err == nil {
		t.Error("MakeHybridMBR(already hybrid) = nil error, want an error")
	}
	// gdisk, an independent reader, sees the hybrid MBR and the GPT.
	if sgdisk, err := exec.LookPath("sgdisk"); err == nil {
		out, err := exec.Command(sgdisk, "--verify", p).CombinedOutput()
		if err != nil || !strings.Contains(string(out), "No problems found") {
			t.Errorf("sgdisk --verify = %v\n%s", err, out)
		}
		out, _ = exec.Command(sgdisk, "--print-mbr", p).CombinedOutput()
		var rows []string
		for _, line := range strings.Split(string(out), "\n") {
			if f := strings.Fields(line); len(f) == 5 && f[3] == "primary" {
				rows = append(rows, strings.Join(f[1:], " "))
			}
		}
		want := []string{fmt.Sprintf("%d %d primary 0x0C", esp.Start, esp.End), fmt.Sprintf("1 %d primary 0xEE", esp.Start-1)}
		if !slices.Equal(rows, want) {
			t.Errorf("sgdisk --print-mbr partitions = %q, want %q\n%s", rows, want, out)
		}
	}
}
