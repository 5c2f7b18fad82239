package board

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/cairn-node/cairn/image/debian"
)

// Board is one machine an image can be built for. Boards are values:
// copy them freely; the registered ones must not be modified.
type Board struct {
	// Name is what --board takes ("qemu-x86_64").
	Name string
	// GOARCH is the Go architecture of the cairn binary ("amd64").
	GOARCH string
	// DebArch is the Debian architecture of the packages ("amd64").
	DebArch string
	// KernelMeta is the Debian meta package whose dependency names the
	// current kernel ABI ("linux-image-amd64" depends on
	// "linux-image-6.1.0-56-amd64").
	KernelMeta string
	// KernelArchive is the Debian suite and components the kernel comes
	// from when the host's apt sources have none that runs the board
	// (the Pi 5 needs a newer kernel than bookworm's); zero means the
	// host's sources.
	KernelArchive debian.Archive
	// Console is the kernel's console device ("ttyS0"), with its speed
	// where the board needs one ("serial0,115200").
	Console string
	// Display is a second console on the screen ("tty1"), named after
	// Console so that it becomes /dev/console; empty on headless boards.
	Display string
	// Modules are the kernel modules to load at boot, in load order;
	// their dependencies are added by the image builder.
	Modules []string
	// Firmware is the device firmware the initramfs carries for the
	// modules (the kernel loads it from lib/firmware by itself).
	Firmware []Firmware
	// EFI says how the board boots with UEFI and systemd-boot; zero on
	// boards that boot otherwise (Pi).
	EFI EFI
	// Pi says how a Raspberry Pi's firmware boots it; nil on UEFI boards.
	Pi *Pi
	// QEMU says how to emulate the board; nil when qemu cannot.
	QEMU *QEMU
}

// EFI is a UEFI boot with systemd-boot from a Debian package.
type EFI struct {
	// Package is the Debian package holding systemd-boot
	// ("systemd-boot-efi").
	Package string
	// Loader is the path of systemd-boot inside the package.
	Loader string
	// Removable is the removable-media path firmware boots by default
	// ("EFI/BOOT/BOOTX64.EFI").
	Removable string
}

// Pi is how a Raspberry Pi boots: its firmware (the GPU's start*.elf from
// the boot partition on a Pi 4, the EEPROM on a Pi 5) reads config.txt
// and cmdline.txt from the first FAT partition of an MBR, loads the
// device tree, the kernel and the initramfs named there and starts the
// kernel. There is no UEFI and no boot loader.
type Pi struct {
	// Firmware is the Debian package with the GPU firmware
	// ("raspi-firmware", in the non-free-firmware component, so it comes
	// from FirmwareArchive); empty for a Pi 5, whose firmware is in its
	// EEPROM.
	Firmware string
	// FirmwareArchive is the suite and components Firmware comes from.
	FirmwareArchive debian.Archive
	// FirmwareFiles are the files copied from the package's
	// usr/lib/raspi-firmware to the root of the boot partition
	// ("start4.elf", "fixup4.dat").
	FirmwareFiles []string
	// DTBs are the device trees copied from the kernel package's
	// broadcom/ directory to the root of the boot partition, where the
	// firmware looks for the one named after the board
	// ("bcm2711-rpi-4-b.dtb").
	DTBs []string
	// Config holds the board's config.txt lines besides the kernel and
	// initramfs ones the image builder writes ("arm_64bit=1").
	Config []string
}

// validate reports missing fields.
func (p *Pi) validate(board string) []error {
	var errs []error
	if len(p.DTBs) == 0 {
		errs = append(errs, fmt.Errorf("board %q: Pi.DTBs is empty; the firmware needs the board's device tree", board))
	}
	if (p.Firmware == "") != (len(p.FirmwareFiles) == 0) || (p.Firmware != "") == p.FirmwareArchive.IsZero() {
		errs = append(errs, fmt.Errorf("board %q: Pi.Firmware, FirmwareArchive and FirmwareFiles must be set together", board))
	}
	return errs
}

// Firmware names device firmware files in a Debian package.
type Firmware struct {
	// Package is the Debian package ("firmware-realtek").
	Package string
	// Archive is where it comes from: firmware packages are in the
	// non-free-firmware component, which hosts often do not enable.
	Archive debian.Archive
	// Dirs are the directories under lib/firmware copied with all their
	// files ("rtl_nic").
	Dirs []string
}

// QEMU is how to run a board in qemu with UEFI firmware.
type QEMU struct {
	// Binary is the qemu program ("qemu-system-x86_64").
	Binary string
	// Machine, CPU and MemoryMiB are -M, -cpu and -m.
	Machine, CPU string
	// MachineOptions follow Machine in -M, after a comma ("hpet=off");
	// empty for none.
	MachineOptions string
	MemoryMiB      int
	// FirmwareCode is the read-only UEFI code flash; FirmwareVars the
	// variable store template, copied per run (qemu writes to it).
	FirmwareCode, FirmwareVars string
	// Watchdog is the -device of an emulated hardware watchdog
	// ("i6300esb"); empty when the machine has none. Its driver must be in
	// Modules.
	Watchdog string
	// Packages are the Debian packages providing Binary and the firmware.
	Packages []string
}

// Cmdline returns the kernel command line: the board's console (and
// display), a reboot on panic rather than a hang, and extra (cairn.* keys)
// appended.
func (b Board) Cmdline(extra ...string) string {
	words := []string{"console=" + b.Console}
	if b.Display != "" {
		words = append(words, "console="+b.Display)
	}
	return strings.Join(append(append(words, "panic=-1"), extra...), " ")
}

// Validate reports missing or inconsistent fields.
func (b Board) Validate() error {
	var errs []error
	required := map[string]string{"Name": b.Name, "GOARCH": b.GOARCH, "DebArch": b.DebArch, "KernelMeta": b.KernelMeta, "Console": b.Console}
	if b.Pi == nil {
		required["EFI.Package"], required["EFI.Loader"], required["EFI.Removable"] = b.EFI.Package, b.EFI.Loader, b.EFI.Removable
	} else {
		if b.EFI != (EFI{}) {
			errs = append(errs, fmt.Errorf("board %q: both EFI and Pi are set; a board boots one way", b.Name))
		}
		errs = append(errs, b.Pi.validate(b.Name)...)
	}
	for name, v := range required {
		if v == "" {
			errs = append(errs, fmt.Errorf("board %q: %s is empty", b.Name, name))
		}
	}
	for _, fw := range b.Firmware {
		if fw.Package == "" || len(fw.Dirs) == 0 {
			errs = append(errs, fmt.Errorf("board %q: firmware %+v needs a Package and Dirs", b.Name, fw))
		}
	}
	if len(b.Modules) == 0 {
		errs = append(errs, fmt.Errorf("board %q: no kernel modules: the data disk needs at least its block driver and ext4", b.Name))
	}
	// Kernels up to 6.13 (the host's bookworm 6.1, trixie's 6.12) checksum
	// ext4 through the crypto API and need crc32c_generic loaded first;
	// newer ones (a KernelArchive such as forky's) have crc32c built into
	// lib/ and no such module.
	if i, j := slices.Index(b.Modules, "crc32c_generic"), slices.Index(b.Modules, "ext4"); j >= 0 && (i < 0 && b.KernelArchive.IsZero() || i > j) {
		errs = append(errs, fmt.Errorf("board %q: crc32c_generic must be listed before ext4 (ext4 mounts fail without a crc32c driver)", b.Name))
	}
	sort.Slice(errs, func(i, j int) bool { return errs[i].Error() < errs[j].Error() })
	return errors.Join(errs...)
}

// all holds the registered boards by name.
var all = map[string]Board{}

func register(b Board) Board {
	if _, dup := all[b.Name]; dup {
		panic("BUG: board registered twice: " + b.Name)
	}
	all[b.Name] = b
	return b
}

// Lookup returns the board called name; the error lists the known boards.
func Lookup(name string) (Board, error) {
	b, ok := all[name]
	if !ok {
		return Board{}, fmt.Errorf("board: unknown board %q; known boards: %s", name, strings.Join(Names(), ", "))
	}
	return b, nil
}

// Names returns the names of all boards, sorted.
func Names() []string {
	names := make([]string, 0, len(all))
	for n := range all {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
