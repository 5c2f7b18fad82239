package image

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cairn-node/cairn/board"
	"github.com/cairn-node/cairn/image/debian"
)

// writeTree creates files (slash paths, contents) under dir.
func writeTree(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestSplitKernel reads a kernel packaged the forky way: image, modules
// and device trees in three packages.
func TestSplitKernel(t *testing.T) {
	const v = "7.2.12+deb14-arm64"
	dirs := map[string]map[string]string{
		"binary":  {"usr/lib/modules/" + v + "/vmlinuz": "Image"},
		"modules": {"usr/lib/modules/" + v + "/kernel/drivers/net/macb.ko.xz": "xz"},
		"base": {"usr/lib/modules/" + v + "/modules.builtin": "kernel/lib/crc/crc32.ko\n",
			"usr/lib/modules/" + v + "/dtb/broadcom/bcm2712-rpi-5-b.dtb": "dtb"},
	}
	k := &kernel{version: v}
	for _, name := range []string{"meta", "binary", "modules", "base"} {
		d := filepath.Join(t.TempDir(), name)
		writeTree(t, d, dirs[name])
		k.pkgs = append(k.pkgs, debian.Package{Name: name, Dir: d})
	}
	if img, err := k.image(); err != nil || string(img) != "Image" {
		t.Errorf("image() = %q, %v, want the binary package's vmlinuz", img, err)
	}
	if dtb, err := k.dtb("broadcom", "bcm2712-rpi-5-b.dtb"); err != nil || string(dtb) != "dtb" {
		t.Errorf("dtb() = %q, %v, want the base package's device tree", dtb, err)
	}
	if _, err := k.dtb("broadcom", "bcm2711-rpi-4-b.dtb"); err == nil || !strings.Contains(err.Error(), "delete it from the cache") {
		t.Errorf("dtb(missing) = %v, want an error saying what to do", err)
	}
	mods := k.modules()
	if b, err := fs.ReadFile(mods, "modules.builtin"); err != nil || !strings.Contains(string(b), "crc32") {
		t.Errorf("modules() has no modules.builtin from the base package: %q, %v", b, err)
	}
	if _, err := fs.Stat(mods, "kernel/drivers/net/macb.ko.xz"); err != nil {
		t.Errorf("modules() has no module from the modules package: %v", err)
	}
	if _, err := mods.Open("nope"); err == nil {
		t.Error("modules().Open(nope) = nil error")
	}
}

func TestPiBootFiles(t *testing.T) {
	p := &piBoot{blobs: map[string][]byte{"start4.elf": []byte("fw"), "bcm2711-rpi-4-b.dtb": []byte("dtb")}}
	files := p.files(board.RPi4, []byte("kernel"), []byte("initrd"), board.RPi4.Cmdline("cairn.hostname=box"))
	want := map[string]string{
		PiCmdline:             "console=serial0,115200 console=tty1 panic=-1 cairn.hostname=box\n",
		PiKernel:              "kernel",
		PiInitramfs:           "initrd",
		"start4.elf":          "fw",
		"bcm2711-rpi-4-b.dtb": "dtb",
	}
	for name, body := range want {
		if string(files[name]) != body {
			t.Errorf("boot file %s = %q, want %q", name, files[name], body)
		}
	}
	config := string(files[PiConfig])
	for _, line := range []string{"arm_64bit=1", "enable_uart=1", "kernel=kernel8.img", "initramfs initrd.gz followkernel"} {
		if !strings.Contains(config, "\n"+line+"\n") {
			t.Errorf("config.txt has no line %q:\n%s", line, config)
		}
	}
	if len(files) != len(want)+1 {
		t.Errorf("boot files = %d, want %d", len(files), len(want)+1)
	}
}

func TestFirmwareDir(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{
		"lib/firmware/rtl_nic/rtl8125a-3.fw":     "a",
		"usr/lib/firmware/rtl_nic/rtl8168h-2.fw": "b",
		"lib/firmware/rtl_bt/other.bin":          "c",
	})
	pkg := debian.Package{Name: "firmware-realtek", Dir: dir}
	files := map[string][]byte{}
	if n, err := firmwareDir(pkg, "rtl_nic", files); err != nil || n != 2 {
		t.Fatalf("firmwareDir(rtl_nic) = %d, %v, want 2 files", n, err)
	}
	if string(files["lib/firmware/rtl_nic/rtl8125a-3.fw"]) != "a" || string(files["lib/firmware/rtl_nic/rtl8168h-2.fw"]) != "b" {
		t.Errorf("firmware files = %v, want both rtl_nic files under lib/firmware", files)
	}
	if n, err := firmwareDir(pkg, "missing", files); err != nil || n != 0 {
		t.Errorf("firmwareDir(missing) = %d, %v, want 0, nil", n, err)
	}
	if err := os.Symlink("/etc/hostname", filepath.Join(dir, "lib/firmware/rtl_bt/host.bin")); err != nil {
		t.Skip(err)
	}
	if _, err := firmwareDir(pkg, "rtl_bt", files); err == nil {
		t.Error("firmwareDir(absolute link) = nil error, want one: it would copy this host's file")
	}
}
