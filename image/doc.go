// Package image builds bootable Cairn images in Go, with no root and no
// loop devices. [Build] runs the steps for a board:
//
//  1. kernel: resolve the board's kernel meta package to the current ABI
//     package, download it with apt, check its SHA-256 and extract it
//     (cached; package image/debian);
//  2. boot loader: systemd-boot from the same archive, the same way;
//  3. cairn: cross-compile the static binary (CGO_ENABLED=0, -trimpath,
//     -s -w) for the board, or take a given one;
//  4. initramfs: /init = cairn, the board's kernel modules with their
//     dependencies and a modules.dep (package image/modules), and
//     /etc/modules.list (package image/initramfs);
//  5. disk: a GPT image with the ESP (systemd-boot, loader entry, kernel,
//     initramfs) and an ext4 data partition labelled cairn-data (package
//     image/disk);
//  6. manifest: what went in, with the SHA-256 of every input, as JSON
//     next to the image.
//
// The boot test in image/integration builds an image this way and boots
// it in qemu.
package image
