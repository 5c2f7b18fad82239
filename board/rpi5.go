package board

import "github.com/cairn-node/cairn/image/debian"

// RPi5 is the Raspberry Pi 5: BCM2712, booted by the firmware in its
// EEPROM (no start*.elf) from the SD card's MBR FAT partition. Debian
// bookworm's 6.1 and trixie's 6.12 kernels cannot run it usefully (6.1 has
// no bcm2712 device tree; 6.12's has no RP1, so no Ethernet or USB), so
// the kernel comes from forky (Debian 14, testing; Linux 7.2), the first
// Debian kernel with the RP1 drivers. Ethernet is the Cadence MACB on the
// RP1 south bridge, the SD card sdhci-brcmstb. Its serial console is the
// 3-pin debug UART (ttyAMA10). Not emulated by qemu.
var RPi5 = register(Board{
	Name:          "rpi5",
	GOARCH:        "arm64",
	DebArch:       "arm64",
	KernelMeta:    "linux-image-arm64",
	KernelArchive: debian.Archive{Suite: "forky", Components: []string{"main"}},
	Console:       "ttyAMA10,115200",
	Display:       "tty1",
	Modules: []string{
		"sdhci_brcmstb",                     // SD card
		"rp1_pci", "clk_rp1", "pinctrl_rp1", // the RP1 south bridge
		"macb", "broadcom", // Ethernet and its PHY
		"xhci_plat_hcd", "usb_storage", "uas", "sd_mod", // USB disks on the RP1
		"ext4",
		"bcm2835_wdt", // the SoC watchdog (and power off)
	},
	Pi: &Pi{
		DTBs: []string{"bcm2712-rpi-5-b.dtb", "bcm2712-d-rpi-5-b.dtb"},
		Config: []string{"arm_64bit=1", "enable_uart=1", "upstream_kernel=1",
			// The firmware picks bcm2712-rpi-5-b.dtb on every Pi 5 and fixes
			// it up for a D0 SoC with a downstream-only overlay, which a
			// mainline device tree does not take.
			"# A Pi 5 with the D0 SoC (2 GB and 16 GB boards, later 4 and 8 GB ones)",
			"# needs the mainline D0 device tree: uncomment the next line.",
			"#device_tree=bcm2712-d-rpi-5-b.dtb"},
	},
})
