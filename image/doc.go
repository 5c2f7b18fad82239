// Package image builds bootable Cairn images in Go, with no root and no
// loop devices. [Build] runs the steps for a board:
//
//  1. kernel: resolve the board's kernel meta package to the current ABI
//     package, download it with apt, check its SHA-256 and extract it
//     (cached; package image/debian), from the board's KernelArchive
//     when the host's apt has no kernel for it (the Pi 5's comes from
//     forky, split into linux-binary-, linux-modules- and linux-base-
//     packages, modules xz-compressed);
//  2. boot loader: systemd-boot from the same archive, the same way; on
//     a Raspberry Pi the GPU firmware (raspi-firmware, Pi 4 only) and the
//     board's device trees instead;
//  3. cairn: cross-compile the static binary (CGO_ENABLED=0, -trimpath,
//     -s -w) for the board, or take a given one;
//  4. initramfs: /init = cairn, the board's kernel modules with their
//     dependencies and a modules.dep (package image/modules),
//     /etc/modules.list, and the board's device firmware in lib/firmware
//     (package image/initramfs);
//  5. disk: a GPT image with the ESP (systemd-boot, and boot slot a:
//     EFI/cairn/a/{vmlinuz,initrd} with its loader entry; slot b is for
//     updates, see package appliance/update) and an ext4 data partition
//     labelled cairn-data (package image/disk); with Options.UpdateKey,
//     also the signed update bundle of the kernel and initramfs. A
//     Raspberry Pi's image has the same partitions, the boot files in the
//     root of the first (config.txt, cmdline.txt, kernel8.img,
//     initrd.gz, firmware, device trees) and a hybrid MBR that shows it
//     to the Pi firmware as FAT32;
//  6. manifest: what went in, with the SHA-256 of every input, as JSON
//     next to the image.
//
// The boot test in image/integration builds an image this way and boots
// it in qemu.
package image
