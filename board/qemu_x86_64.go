package board

// QEMUx86_64 is a q35 PC under qemu with OVMF: virtio disk and network,
// serial console on ttyS0.
var QEMUx86_64 = register(Board{
	Name:       "qemu-x86_64",
	GOARCH:     "amd64",
	DebArch:    "amd64",
	KernelMeta: "linux-image-amd64",
	Console:    "ttyS0",
	Modules: []string{
		"virtio_pci", "virtio_blk", "virtio_scsi", "sd_mod", "virtio_net", "e1000", "e1000e",
		"crc32c_generic", "crc32c_intel", "ext4",
		"evdev", "button", // the ACPI power button
		"i6300esb", // qemu's PCI watchdog
	},
	EFI: EFI{
		Package:   "systemd-boot-efi",
		Loader:    "usr/lib/systemd/boot/efi/systemd-bootx64.efi",
		Removable: "EFI/BOOT/BOOTX64.EFI",
	},
	QEMU: &QEMU{
		Binary:  "qemu-system-x86_64",
		Machine: "q35",
		// No HPET: under TCG the emulated HPET costs host CPU all the
		// time, and a CI boot once stopped for good right after the
		// guest switched its clocksource to it. Without it the guest
		// keeps time with the ACPI PM timer.
		MachineOptions: "hpet=off",
		CPU:            "max",
		MemoryMiB:      1024,
		FirmwareCode:   "/usr/share/OVMF/OVMF_CODE_4M.fd",
		FirmwareVars:   "/usr/share/OVMF/OVMF_VARS_4M.fd",
		Watchdog:       "i6300esb",
		Packages:       []string{"qemu-system-x86", "ovmf"},
	},
})
