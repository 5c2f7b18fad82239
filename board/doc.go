// Package board describes the machines a Cairn image boots on: one small
// file per board holding a [Board] literal (kernel package, architecture,
// console, kernel modules, boot loader and, where qemu can emulate the
// board, how to run it). The image builder reads only these values.
//
// Boards so far: qemu-x86_64 (UEFI, systemd-boot) and qemu-arm64 (virt,
// UEFI, systemd-boot). Real x86-64 boxes and the Raspberry Pis come later.
package board
