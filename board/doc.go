// Package board describes the machines a Cairn image boots on: one small
// file per board holding a [Board] literal (kernel package, architecture,
// console, kernel modules, boot loader and, where qemu can emulate the
// board, how to run it). The image builder reads only these values.
//
// Boards so far: qemu-x86_64 (UEFI, systemd-boot), qemu-arm64 (virt,
// UEFI, systemd-boot), x86_64 (real UEFI PCs), rpi4 and rpi5 (the Pi
// firmware from an MBR FAT partition, no boot loader).
package board
