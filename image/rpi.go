package image

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/cairn-node/cairn/board"
	"github.com/cairn-node/cairn/image/debian"
	"github.com/cairn-node/cairn/image/disk"
)

// Names on a Raspberry Pi's boot partition that config.txt points at.
const (
	// PiKernel is the kernel image: Debian's arm64 vmlinuz, an
	// uncompressed Image the firmware loads as it is.
	PiKernel = "kernel8.img"
	// PiInitramfs is the gzip initramfs, loaded after the kernel
	// ("followkernel").
	PiInitramfs = "initrd.gz"
	// PiConfig and PiCmdline are what the firmware reads first.
	PiConfig  = "config.txt"
	PiCmdline = "cmdline.txt"
)

// piBoot is what a Pi's boot partition holds besides the kernel and the
// initramfs: the GPU firmware (Pi 4) and the device trees.
type piBoot struct {
	// firmwareRef is the firmware package; zero on a Pi 5, whose
	// firmware is in its EEPROM.
	firmwareRef PackageRef
	// blobs are the firmware files and device trees by boot partition
	// path.
	blobs map[string][]byte
}

// String describes p for the build log.
func (p *piBoot) String() string {
	fw := "firmware in EEPROM"
	if p.firmwareRef.Name != "" {
		fw = fmt.Sprintf("%s %s (.deb sha256 %s)", p.firmwareRef.Name, p.firmwareRef.Version, p.firmwareRef.SHA256)
	}
	return fmt.Sprintf("Raspberry Pi firmware boot, %s; %d firmware files and device trees", fw, len(p.blobs))
}

// fetchPiBoot fetches b's firmware package (from b.Pi.FirmwareArchive)
// and takes b's device trees from kernel k.
func fetchPiBoot(ctx context.Context, cacheDir string, b board.Board, k *kernel) (*piBoot, error) {
	p := &piBoot{blobs: map[string][]byte{}}
	if b.Pi.Firmware != "" {
		c := debian.Cache{Dir: filepath.Join(cacheDir, "boot"), Archive: b.Pi.FirmwareArchive}
		pkg, err := c.Fetch(ctx, b.Pi.Firmware, b.DebArch)
		if err != nil {
			return nil, err
		}
		p.firmwareRef = ref(pkg)
		for _, name := range b.Pi.FirmwareFiles {
			blob, err := os.ReadFile(filepath.Join(pkg.Dir, "usr", "lib", "raspi-firmware", name))
			if err != nil {
				return nil, fmt.Errorf("image: %s %s has no usr/lib/raspi-firmware/%s; check the board's Pi.FirmwareFiles: %w", pkg.Name, pkg.Version, name, err)
			}
			p.blobs[name] = blob
		}
	}
	for _, name := range b.Pi.DTBs {
		blob, err := k.dtb("broadcom", name)
		if err != nil {
			return nil, fmt.Errorf("%w (device tree %s for %s)", err, name, b.Name)
		}
		p.blobs[name] = blob
	}
	return p, nil
}

// files returns the boot partition: firmware, device trees, config.txt,
// cmdline.txt, kernel and initramfs, all in its root where the firmware
// looks for them.
func (p *piBoot) files(b board.Board, vmlinuz, initrd []byte, cmdline string) map[string][]byte {
	files := map[string][]byte{
		PiConfig:    []byte(PiConfigTxt(b)),
		PiCmdline:   []byte(cmdline + "\n"),
		PiKernel:    vmlinuz,
		PiInitramfs: initrd,
	}
	for n, blob := range p.blobs {
		files[n] = blob
	}
	return files
}

// PiConfigTxt returns the config.txt of a Raspberry Pi board: a header,
// the board's lines, then the kernel and the initramfs.
func PiConfigTxt(b board.Board) string {
	var s strings.Builder
	fmt.Fprintf(&s, "# Cairn for %s, written by 'cairn image build'.\n", b.Name)
	for _, line := range b.Pi.Config {
		s.WriteString(line + "\n")
	}
	fmt.Fprintf(&s, "kernel=%s\ninitramfs %s followkernel\n", PiKernel, PiInitramfs)
	return s.String()
}

// writePiImage writes the image as writeImage does, then makes its MBR a
// hybrid one that shows the boot partition to the Pi's firmware.
func writePiImage(out string, l disk.Layout, files map[string][]byte) error {
	if err := writeImage(out, l, files); err != nil {
		return err
	}
	f, err := os.OpenFile(out, os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("image: %w", err)
	}
	err = disk.MakeHybridMBR(f, l)
	if err == nil {
		err = f.Sync()
	}
	if err = errors.Join(err, f.Close()); err != nil {
		os.Remove(out)
		return fmt.Errorf("image: %s: %w", out, err)
	}
	return nil
}
