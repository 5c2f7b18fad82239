// Package image builds bootable Cairn images in Go: an initramfs with cairn
// as init, kernel modules and firmware, and a GPT disk image with two boot
// slots and a data partition. Its packages arrive with the image issue.
package image
