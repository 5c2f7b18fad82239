package integration

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"

	diskfs "github.com/diskfs/go-diskfs"

	"github.com/cairn-node/cairn/appliance/update"
	"github.com/cairn-node/cairn/board"
	"github.com/cairn-node/cairn/image"
)

// TestX86_64Image builds the image for real x86-64 PCs (qemu boots the
// qemu-x86_64 board, which shares its boot path) and checks that the
// hardware drivers and the Realtek NIC firmware are in its initramfs.
func TestX86_64Image(t *testing.T) {
	if os.Getenv("CAIRN_BOOT_TEST") != "1" {
		t.Skip("x86_64 image test skipped: set CAIRN_BOOT_TEST=1 to download the kernel and firmware and build the image")
	}
	for _, tool := range []string{"apt-get", "apt-cache", "dpkg-deb", "go"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not found; the image build needs a Debian host with apt", tool)
		}
	}
	if hostDebArch(t) != "amd64" {
		t.Skip("the x86_64 image test runs on amd64 hosts")
	}
	b := board.X86_64
	img := filepath.Join(t.TempDir(), "cairn-x86_64.img")
	m, err := image.Build(context.Background(), image.Options{Board: b, Output: img, Binary: stubBinary(t, "amd64"), Log: testWriter{t}})
	if err != nil {
		t.Fatalf("image.Build(x86_64) = %v", err)
	}
	for _, mod := range []string{"nvme", "ahci", "e1000e", "igc", "r8169", "xhci_pci", "usb_storage", "iTCO_wdt"} {
		if !slices.Contains(m.Modules, mod) {
			t.Errorf("initramfs modules %q lack %s", m.Modules, mod)
		}
	}
	if len(m.Firmware) != 1 || m.Firmware[0].Name != "firmware-realtek" {
		t.Errorf("manifest firmware = %+v, want firmware-realtek", m.Firmware)
	}
	d, err := diskfs.Open(img, diskfs.WithOpenMode(diskfs.ReadOnly))
	if err != nil {
		t.Fatal(err)
	}
	esp, err := d.GetFilesystem(1)
	if err != nil {
		t.Fatal(err)
	}
	initrd, err := esp.ReadFile(update.SlotA.Initrd())
	if err != nil {
		t.Fatalf("ESP has no %s: %v", update.SlotA.Initrd(), err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(initrd))
	if err != nil {
		t.Fatal(err)
	}
	cpio, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	// newc headers are followed by the file name: the RTL8125 firmware
	// r8169 asks for on 2.5 GbE boards.
	if !bytes.Contains(cpio, []byte("lib/firmware/rtl_nic/rtl8125a-3.fw\x00")) {
		t.Error("initramfs has no lib/firmware/rtl_nic/rtl8125a-3.fw")
	}
}
