// Package integration holds the boot tests of Cairn images: they build an
// image with package image and boot it under qemu (TCG, UEFI firmware,
// user networking forwarded to 127.0.0.1 only), then talk to the node.
//
// They are slow (about a minute per board on 2 cores) and need qemu, the
// UEFI firmware and apt, so they run only with CAIRN_BOOT_TEST=1:
//
//	apt-get install qemu-system-x86 ovmf systemd-boot-efi
//	CAIRN_BOOT_TEST=1 go test -v -count=1 -timeout 15m ./image/integration
//
// TestUpdateRollback (qemu-x86_64 only, about two and a half minutes)
// installs an update whose node never becomes healthy and checks that the
// machine returns to the old slot by itself, then a good update that
// commits (package appliance/update):
//
//	CAIRN_BOOT_TEST=1 go test -v -count=1 -run TestUpdateRollback ./image/integration
//
// TestUpdateLive (qemu-x86_64 only, about a minute) updates a running
// node through its dashboard, as a user would: it sets the password,
// uploads a signed bundle to the update action (the node mounts its own
// ESP), presses reboot and checks that slot b boots on trial and
// commits:
//
//	CAIRN_BOOT_TEST=1 go test -v -count=1 -run TestUpdateLive ./image/integration
//
// Without CAIRN_BOOT_TEST, or without those tools, they skip and say why.
//
// The boards qemu cannot run (rpi4, rpi5, x86_64) are built under the same
// switch and their images checked instead: the Pi boot partition (hybrid
// MBR, firmware, device trees, config.txt, cmdline.txt, kernel,
// initramfs) and the x86_64 drivers and NIC firmware.
package integration
