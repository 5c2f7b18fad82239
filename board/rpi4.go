package board

import "github.com/cairn-node/cairn/image/debian"

// RPi4 is the Raspberry Pi 4 Model B (and the Pi 400's board): BCM2711,
// booted by the GPU firmware from the SD card's MBR FAT partition, with
// Debian's arm64 kernel and mainline device tree. Ethernet is GENET, the
// SD card sdhci-iproc; PCIe (the USB controller) and the MMC block driver
// are built into the kernel. Not emulated: qemu 7.2 has no raspi4b.
var RPi4 = register(Board{
	Name:       "rpi4",
	GOARCH:     "arm64",
	DebArch:    "arm64",
	KernelMeta: "linux-image-arm64",
	Console:    "serial0,115200",
	Display:    "tty1",
	Modules: []string{
		"sdhci_iproc",                          // SD card
		"genet", "mdio_bcm_unimac", "broadcom", // Ethernet and its PHY
		"xhci_pci", "usb_storage", "uas", "sd_mod", // USB disks on the VL805
		"crc32c_generic", "ext4",
		"bcm2835_wdt", // the SoC watchdog (and power off)
	},
	Pi: &Pi{
		Firmware:        "raspi-firmware",
		FirmwareArchive: debian.Archive{Suite: "bookworm", Components: []string{"non-free-firmware"}},
		FirmwareFiles:   []string{"start4.elf", "fixup4.dat"},
		DTBs:            []string{"bcm2711-rpi-4-b.dtb", "bcm2711-rpi-400.dtb"},
		Config:          []string{"arm_64bit=1", "enable_uart=1", "upstream_kernel=1"},
	},
})
