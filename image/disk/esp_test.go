package disk_test

import (
	"bytes"
	"crypto/ed25519"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/cairn-node/cairn/appliance/update"
	"github.com/cairn-node/cairn/image/disk"
)

var _ update.ESP = (*disk.ESP)(nil)

// TestESPUpdate installs an update into an image file's ESP and commits
// it, through the same FAT code that wrote the image.
func TestESPUpdate(t *testing.T) {
	p := filepath.Join(t.TempDir(), "cairn.img")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	e := update.NewEntry("Cairn (test)", "console=ttyS0")
	err = disk.Write(f, disk.Layout{}, map[string][]byte{
		update.LoaderConf: []byte(update.LoaderConfig), e.Path(): e.Marshal(),
		update.SlotA.Kernel(): []byte("kernel a"), update.SlotA.Initrd(): []byte("initrd a"),
	})
	if err != nil {
		t.Fatal(err)
	}
	esp, err := disk.OpenESP(f)
	if err != nil {
		t.Fatal(err)
	}
	sk := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))
	var b bytes.Buffer
	if err := update.Pack(&b, sk, "x", "r2", map[string][]byte{update.PartKernel: []byte("kernel b"), update.PartInitrd: bytes.Repeat([]byte("i"), 3<<20)}); err != nil {
		t.Fatal(err)
	}
	if _, err := update.Apply(esp, &b, update.ApplyOptions{PublicKey: sk.Public().(ed25519.PublicKey)}); err != nil {
		t.Fatalf("Apply() on an image's ESP = %v", err)
	}
	names := func() []string {
		es, err := update.Entries(esp)
		if err != nil {
			t.Fatal(err)
		}
		var n []string
		for _, e := range es {
			n = append(n, e.FileName())
		}
		return n
	}
	if got, want := names(), []string{"cairn-b+1.conf", "cairn-a.conf"}; !slices.Equal(got, want) {
		t.Errorf("entries after Apply = %q, want %q", got, want)
	}
	if _, err := update.Commit(esp, update.SlotB); err != nil {
		t.Fatalf("Commit() = %v", err)
	}
	// Reopen: what a firmware or the kernel would read.
	esp, err = disk.OpenESP(f)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := names(), []string{"cairn-b.conf", "cairn-a.conf"}; !slices.Equal(got, want) {
		t.Errorf("entries after Commit = %q, want %q", got, want)
	}
	if got, err := esp.ReadFile(update.SlotB.Initrd()); err != nil || len(got) != 3<<20 {
		t.Errorf("slot b initrd = %d bytes, %v; want %d", len(got), err, 3<<20)
	}
}

// TestESPReplaceFreesSpace replaces a slot-sized file again and again on
// an ESP with room for two: the space of each replaced file must come
// back (go-diskfs' Remove alone does not free it).
func TestESPReplaceFreesSpace(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "cairn.img"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	slot := bytes.Repeat([]byte("x"), 37<<20)
	if err := disk.Write(f, disk.Layout{}, map[string][]byte{update.SlotA.Initrd(): slot}); err != nil {
		t.Fatal(err)
	}
	esp, err := disk.OpenESP(f)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 4 {
		if err := esp.WriteFile(update.SlotB.Initrd()+".new", slot); err != nil {
			t.Fatalf("write %d of a 37 MiB slot beside another on a 100 MiB ESP: %v", i+1, err)
		}
		if err := esp.Rename(update.SlotB.Initrd()+".new", update.SlotB.Initrd()); err != nil {
			t.Fatal(err)
		}
		if err := esp.Remove(update.SlotB.Initrd()); err != nil {
			t.Fatal(err)
		}
	}
}
