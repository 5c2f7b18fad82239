// Package update installs signed A/B updates that cannot brick a Cairn
// node: a new kernel and initramfs go into the slot that is not running,
// boot once on trial, and become permanent only when the node comes up
// healthy; a slot that fails falls back to the old one by itself.
//
// # Layout on the EFI system partition
//
//	EFI/BOOT/BOOTX64.EFI             systemd-boot
//	loader/loader.conf               default cairn-*, timeout 0
//	EFI/cairn/a/{vmlinuz,initrd}     slot a
//	EFI/cairn/b/{vmlinuz,initrd}     slot b
//	loader/entries/cairn-a.conf      committed entry of slot a (version 1)
//	loader/entries/cairn-b+1.conf    trial entry of slot b (version 2), one try
//
// Each entry has "sort-key cairn" and "version N", a generation that each
// update raises, and its options carry cairn.slot=a|b; a trial entry also
// carries cairn.trial=1. An image starts with slot a only.
//
// # Boot counting (UEFI, systemd-boot ≥ 251)
//
// systemd-boot implements the Boot Loader Specification's automatic boot
// assessment: an entry file named NAME+LEFT[-DONE].conf has LEFT tries
// left. Before booting it, systemd-boot renames it to
// NAME+(LEFT-1)-(DONE+1).conf; entries with no tries left are sorted
// after all others. Entries with a sort-key are ordered by version,
// newest first (see [Order]). So:
//
//  1. [Apply] writes slot b and cairn-b+1.conf with a higher version than
//     cairn-a.conf; the next boot picks b and renames it to
//     cairn-b+0-1.conf (the systemd-boot of Debian bookworm, 252, does).
//  2. PID 1 sees cairn.trial=1 and runs [Watch]: once the node's /healthz
//     answers 200 it calls [Commit], which writes cairn-b.conf (no
//     counter, no cairn.trial) and removes cairn-b+0-1.conf. cairn-a.conf
//     stays as the older fallback, selectable in the menu.
//  3. If the node is not healthy within cairn.trial_deadline (default
//     [DefaultDeadline]), PID 1 reboots cleanly. A kernel that panics
//     (panic=-1) or hangs (the watchdog resets it) reboots too. Either way
//     systemd-boot now sees cairn-b+0-1.conf with no tries left, sorts it
//     last and boots cairn-a.conf: the node is back on the old slot, and
//     the failed entry stays on the ESP, marked bad, until the next
//     update replaces it.
//
// PID 1 learns the slot from cairn.slot on the kernel command line rather
// than from systemd-boot's LoaderEntrySelected EFI variable, so no efivarfs
// is needed and an initramfs that cannot even find its disks still knows
// that it is on trial and must reboot.
//
// # Raspberry Pi (tryboot)
//
// The Pi's firmware has the same idea without a boot manager: autoboot.txt
// on the first FAT partition holds
//
//	[all]
//	tryboot_a_b=1
//	boot_partition=2
//	[tryboot]
//	boot_partition=3
//
// and "reboot '0 tryboot'" (the reboot(2) argument "0 tryboot") boots the
// [tryboot] section once; any later reboot or power cycle returns to
// [all]. The mapping: a slot is a FAT boot partition (2 or 3) with its
// kernel8.img, initrd and cmdline.txt (cairn.slot=b cairn.trial=1);
// [Apply] writes the inactive partition and PID 1 reboots with the
// tryboot flag instead of writing a counted entry; [Commit] rewrites
// boot_partition in [all] and drops cairn.trial. The tryboot flag is
// one-shot, like a counter of 1; a failed trial falls back on the next
// reboot (PID 1's deadline, the watchdog, or a power cycle).
//
// # Bundles
//
// An update bundle ([Pack], [Decode]) holds the kernel and initramfs and a
// manifest with the board, a release name and each part's SHA-256,
// signed with ed25519 ([GenerateKey]). The image bakes the public key
// into its initramfs at [PublicKeyPath]; Apply verifies everything before
// it writes a byte.
//
// # Usage
//
// On a node (a dashboard's update action), as root:
//
//	res, err := update.ApplyOnNode(ctx, body, "qemu-x86_64")
//	// then reboot cleanly: syscall.Kill(1, syscall.SIGTERM)
//
// On an ESP that is not running (a mounted directory, or disk.OpenESP on
// an image file):
//
//	res, err := update.Apply(update.DirESP(dir), bundle, update.ApplyOptions{PublicKey: pub})
package update
