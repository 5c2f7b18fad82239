package board

import "github.com/cairn-node/cairn/image/debian"

// X86_64 is a real x86-64 UEFI PC (a mini PC, a NUC, a thin client): the
// qemu-x86_64 image plus the drivers common hardware needs, namely
// Intel (e1000e, igb, igc) and Realtek (r8169, USB r8152) Ethernet, NVMe,
// SATA (AHCI), eMMC and USB disks, and the Intel and AMD chipset
// watchdogs, with the Realtek NIC firmware. Built only: qemu boots the
// qemu-x86_64 board, which shares its boot path.
var X86_64 = register(Board{
	Name:       "x86_64",
	GOARCH:     "amd64",
	DebArch:    "amd64",
	KernelMeta: "linux-image-amd64",
	Console:    "ttyS0,115200",
	Display:    "tty0",
	Modules: []string{
		"nvme", "ahci", "sd_mod", // internal disks
		"sdhci_pci", "mmc_block", // eMMC
		"xhci_pci", "usb_storage", "uas", // USB sticks and disks
		"e1000e", "igb", "igc", "r8169", "r8152", // Ethernet, on board and USB
		"crc32c_generic", "crc32c_intel", "ext4",
		"evdev", "button", // the ACPI power button
		"lpc_ich", "iTCO_wdt", "sp5100_tco", // Intel and AMD chipset watchdogs
	},
	Firmware: []Firmware{{
		Package: "firmware-realtek",
		Archive: debian.Archive{Suite: "bookworm", Components: []string{"non-free-firmware"}},
		Dirs:    []string{"rtl_nic"},
	}},
	EFI: QEMUx86_64.EFI,
})
