package board

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
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
	// Console is the kernel's console device ("ttyS0").
	Console string
	// Modules are the kernel modules to load at boot, in load order;
	// their dependencies are added by the image builder.
	Modules []string
	// EFI says how the board boots with UEFI and systemd-boot.
	EFI EFI
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

// QEMU is how to run a board in qemu with UEFI firmware.
type QEMU struct {
	// Binary is the qemu program ("qemu-system-x86_64").
	Binary string
	// Machine, CPU and MemoryMiB are -M, -cpu and -m.
	Machine, CPU string
	MemoryMiB    int
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

// Cmdline returns the kernel command line: the board's console, a reboot
// on panic rather than a hang, and extra (cairn.* keys) appended.
func (b Board) Cmdline(extra ...string) string {
	return strings.Join(append([]string{"console=" + b.Console, "panic=-1"}, extra...), " ")
}

// Validate reports missing or inconsistent fields.
func (b Board) Validate() error {
	var errs []error
	for name, v := range map[string]string{"Name": b.Name, "GOARCH": b.GOARCH, "DebArch": b.DebArch, "KernelMeta": b.KernelMeta,
		"Console": b.Console, "EFI.Package": b.EFI.Package, "EFI.Loader": b.EFI.Loader, "EFI.Removable": b.EFI.Removable} {
		if v == "" {
			errs = append(errs, fmt.Errorf("board %q: %s is empty", b.Name, name))
		}
	}
	if len(b.Modules) == 0 {
		errs = append(errs, fmt.Errorf("board %q: no kernel modules: the data disk needs at least its block driver and ext4", b.Name))
	}
	if i, j := slices.Index(b.Modules, "crc32c_generic"), slices.Index(b.Modules, "ext4"); j >= 0 && (i < 0 || i > j) {
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
