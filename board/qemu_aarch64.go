package board

// The file is named for qemu-system-aarch64: a _arm64.go suffix would be a
// GOARCH build constraint.

// QEMUarm64 is qemu's virt machine with a Cortex-A72 and AAVMF: virtio
// disk and network over PCI or MMIO, PL011 console on ttyAMA0.
var QEMUarm64 = register(Board{
	Name:       "qemu-arm64",
	GOARCH:     "arm64",
	DebArch:    "arm64",
	KernelMeta: "linux-image-arm64",
	Console:    "ttyAMA0",
	Modules: []string{
		"virtio_pci", "virtio_mmio", "virtio_blk", "virtio_scsi", "sd_mod", "virtio_net",
		"crc32c_generic", "ext4",
		"evdev", "gpio_keys", // the power button (gpio-keys on the PL061 GPIO)
	},
	EFI: EFI{
		Package:   "systemd-boot-efi",
		Loader:    "usr/lib/systemd/boot/efi/systemd-bootaa64.efi",
		Removable: "EFI/BOOT/BOOTAA64.EFI",
	},
	QEMU: &QEMU{
		Binary:       "qemu-system-aarch64",
		Machine:      "virt",
		CPU:          "cortex-a72",
		MemoryMiB:    1024,
		FirmwareCode: "/usr/share/AAVMF/AAVMF_CODE.fd",
		FirmwareVars: "/usr/share/AAVMF/AAVMF_VARS.fd",
		Packages:     []string{"qemu-system-arm", "qemu-efi-aarch64"},
	},
})
