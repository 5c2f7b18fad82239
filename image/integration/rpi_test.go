package integration

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	diskfs "github.com/diskfs/go-diskfs"
	"github.com/diskfs/go-diskfs/partition/gpt"

	"github.com/cairn-node/cairn/board"
	"github.com/cairn-node/cairn/image"
	"github.com/cairn-node/cairn/image/disk"
)

// TestRaspberryPiImages builds the rpi4 and rpi5 images (no qemu can boot
// them) and checks what the Pi firmware reads: the hybrid MBR, and on the
// FAT boot partition the firmware files, device trees, config.txt,
// cmdline.txt, kernel and initramfs. It downloads the packages once
// (cached): raspi-firmware (5 MB), bookworm's arm64 kernel (60 MB, shared
// with qemu-arm64) and forky's (110 MB).
func TestRaspberryPiImages(t *testing.T) {
	if os.Getenv("CAIRN_BOOT_TEST") != "1" {
		t.Skip("Raspberry Pi image test skipped: set CAIRN_BOOT_TEST=1 to download the kernels and firmware and build the images")
	}
	for _, tool := range []string{"apt-get", "apt-cache", "dpkg-deb", "go"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not found; the image build needs a Debian host with apt", tool)
		}
	}
	if out, _ := exec.Command("dpkg", "--print-foreign-architectures").Output(); hostDebArch(t) != "arm64" && !strings.Contains(string(out), "arm64") {
		t.Skip("apt cannot fetch arm64 packages; run 'dpkg --add-architecture arm64 && apt-get update'")
	}
	bin := stubBinary(t, "arm64")
	for _, b := range []board.Board{board.RPi4, board.RPi5} {
		t.Run(b.Name, func(t *testing.T) { testPiImage(t, b, bin) })
	}
}

func testPiImage(t *testing.T, b board.Board, bin string) {
	img := filepath.Join(t.TempDir(), "cairn-"+b.Name+".img")
	m, err := image.Build(context.Background(), image.Options{Board: b, Output: img, Binary: bin, Log: testWriter{t}})
	if err != nil {
		t.Fatalf("image.Build(%s) = %v", b.Name, err)
	}
	t.Logf("%s: kernel %s, initramfs %d KiB, %d modules", b.Name, m.KernelVersion, m.Initramfs.Size>>10, len(m.Modules))

	f, err := os.Open(img)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	mbr := make([]byte, 512)
	if _, err := f.ReadAt(mbr, 0); err != nil {
		t.Fatal(err)
	}
	esp := (disk.Layout{}).Table().Partitions[0]
	if typ, start := mbr[446+4], binary.LittleEndian.Uint32(mbr[446+8:]); typ != disk.MBRTypeFAT32LBA || uint64(start) != esp.Start {
		t.Errorf("MBR entry 1 = type %#x at LBA %d, want FAT32 LBA (0x0c) at %d: the Pi firmware would find no boot partition", typ, start, esp.Start)
	}
	d, err := diskfs.Open(img, diskfs.WithOpenMode(diskfs.ReadOnly))
	if err != nil {
		t.Fatal(err)
	}
	pt, err := gpt.Read(d.Backend, 512, 512)
	if err != nil {
		t.Fatalf("the GPT under the hybrid MBR: %v", err)
	}
	if len(pt.Partitions) < 2 || pt.Partitions[1].Name != disk.DataLabel {
		t.Errorf("GPT partitions = %+v, want the data partition named %s second", pt.Partitions, disk.DataLabel)
	}
	boot, err := d.GetFilesystem(1)
	if err != nil {
		t.Fatalf("boot partition: %v", err)
	}
	read := func(name string) []byte {
		t.Helper()
		b, err := boot.ReadFile("/" + name)
		if err != nil {
			t.Errorf("boot partition has no %s: %v", name, err)
		}
		return b
	}

	var want []string
	if b.Pi.Firmware != "" {
		want = append(want, b.Pi.FirmwareFiles...)
	}
	for _, name := range append(want, b.Pi.DTBs...) {
		blob := read(name)
		if strings.HasSuffix(name, ".dtb") && !bytes.HasPrefix(blob, []byte{0xd0, 0x0d, 0xfe, 0xed}) {
			t.Errorf("%s is not a flattened device tree (magic %x)", name, blob[:min(4, len(blob))])
		}
		if len(blob) < 1024 {
			t.Errorf("%s is %d bytes, want a real file", name, len(blob))
		}
	}
	if b.Pi.Firmware == "" {
		if _, err := boot.ReadFile("/start4.elf"); err == nil {
			t.Errorf("%s boot partition has start4.elf; its firmware is in EEPROM", b.Name)
		}
	}
	if got, want := string(read(image.PiConfig)), image.PiConfigTxt(b); got != want {
		t.Errorf("config.txt = %q, want %q", got, want)
	}
	config := string(read(image.PiConfig))
	for _, line := range []string{"arm_64bit=1", "enable_uart=1", "kernel=kernel8.img", "initramfs initrd.gz followkernel"} {
		if !strings.Contains(config, line+"\n") {
			t.Errorf("config.txt has no line %q:\n%s", line, config)
		}
	}
	cmdline := string(read(image.PiCmdline))
	if strings.Count(cmdline, "\n") != 1 || !strings.HasSuffix(cmdline, "\n") || !strings.HasPrefix(cmdline, "console="+b.Console+" console=tty1 panic=-1") {
		t.Errorf("cmdline.txt = %q, want one line starting console=%s console=tty1 panic=-1", cmdline, b.Console)
	}
	kernel := read(image.PiKernel)
	// An arm64 Image has "ARM\x64" at offset 56 (Documentation/arch/arm64/booting.rst).
	if len(kernel) < 10<<20 || string(kernel[56:60]) != "ARM\x64" {
		t.Errorf("kernel8.img is %d bytes without the arm64 Image magic; the firmware needs an uncompressed Image", len(kernel))
	}
	if int64(len(kernel)) > 0 && m.Initramfs.Size > 40e6 {
		t.Errorf("initramfs is %d bytes, want at most 40 MB", m.Initramfs.Size)
	}
	initrd := read(image.PiInitramfs)
	if int64(len(initrd)) != m.Initramfs.Size {
		t.Errorf("initrd.gz is %d bytes, the manifest says %d", len(initrd), m.Initramfs.Size)
	}
	if zr, err := gzip.NewReader(bytes.NewReader(initrd)); err != nil {
		t.Errorf("initrd.gz is not gzip: %v", err)
	} else if n, err := io.Copy(io.Discard, zr); err != nil || n < 1<<20 {
		t.Errorf("initrd.gz decompresses to %d bytes, %v", n, err)
	}
	for _, mod := range []string{"ext4", "bcm2835_wdt"} {
		if !containsModule(m.Modules, mod) {
			t.Errorf("initramfs modules %q lack %s", m.Modules, mod)
		}
	}
}

func containsModule(mods []string, name string) bool {
	for _, m := range mods {
		if m == name {
			return true
		}
	}
	return false
}

// stubBinary builds a tiny static program for goarch to stand in for
// cairn: the build-only tests check the image, not the node.
func stubBinary(t *testing.T, goarch string) string {
	t.Helper()
	dir := t.TempDir()
	src := filepath.Join(dir, "main.go")
	if err := os.WriteFile(src, []byte("package main\n\nfunc main() {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "init")
	cmd := exec.Command("go", "build", "-o", out, src)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+goarch, "GO111MODULE=off")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build the stub init: %v\n%s", err, b)
	}
	return out
}
