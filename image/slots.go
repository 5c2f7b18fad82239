package image

import (
	"bytes"
	"crypto/ed25519"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/cairn-node/cairn/appliance/update"
	"github.com/cairn-node/cairn/board"
)

// UpdateSuffix is appended to Options.Output to name the update bundle
// Build writes when given an UpdateKey.
const UpdateSuffix = ".cairnup"

// ESPModules are the kernel modules PID 1 needs to mount the ESP and
// commit an update: FAT with long names, and the code page and character
// set the Debian kernel's vfat defaults to (the initramfs has no modprobe
// to load them on demand).
var ESPModules = []string{"vfat", "nls_cp437", "nls_ascii"}

// withESPModules returns b with ESPModules added to its module list
// (UEFI boards only: they keep their boot slots on the ESP).
func withESPModules(b board.Board) board.Board {
	if b.EFI.Loader == "" {
		return b
	}
	mods := slices.Clone(b.Modules)
	for _, m := range ESPModules {
		if !slices.Contains(mods, m) {
			mods = append(mods, m)
		}
	}
	b.Modules = mods
	return b
}

// espFiles lays out the ESP of a fresh image: systemd-boot, its
// loader.conf, slot a with kernel and initramfs, and slot a's committed
// entry (see package appliance/update for the A/B layout).
func espFiles(b board.Board, loader, vmlinuz, initrd []byte, cmdline string) map[string][]byte {
	e := update.NewEntry(fmt.Sprintf("Cairn (%s)", b.Name), cmdline)
	return map[string][]byte{
		b.EFI.Removable:       loader,
		update.LoaderConf:     []byte(update.LoaderConfig),
		e.Path():              e.Marshal(),
		update.SlotA.Kernel(): vmlinuz,
		update.SlotA.Initrd(): initrd,
	}
}

// updatePublicKey returns the PEM public key baked into the initramfs at
// update.PublicKeyPath, or nil when the image takes no updates.
func updatePublicKey(key ed25519.PrivateKey) ([]byte, error) {
	if key == nil {
		return nil, nil
	}
	der, err := x509.MarshalPKIXPublicKey(key.Public())
	if err != nil {
		return nil, fmt.Errorf("image: update key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), nil
}

// writeBundle signs the kernel and initramfs into the update bundle
// o.Output + UpdateSuffix and returns its reference.
func writeBundle(o Options, vmlinuz, initrd []byte) (FileRef, error) {
	release := o.Release
	if release == "" {
		release = "dev-" + fileRef(initrd).SHA256[:12]
	}
	var buf bytes.Buffer
	err := update.Pack(&buf, o.UpdateKey, o.Board.Name, release, map[string][]byte{
		update.PartKernel: vmlinuz, update.PartInitrd: initrd})
	if err != nil {
		return FileRef{}, err
	}
	out := o.Output + UpdateSuffix
	if err := os.WriteFile(out+".tmp", buf.Bytes(), 0o644); err != nil {
		return FileRef{}, fmt.Errorf("image: write update bundle: %w", err)
	}
	if err := os.Rename(out+".tmp", out); err != nil {
		return FileRef{}, fmt.Errorf("image: write update bundle: %w", err)
	}
	ref := fileRef(buf.Bytes())
	ref.Path = out
	return ref, nil
}

// releaseOK reports a release name that would break the entry title.
func releaseOK(r string) error {
	if strings.ContainsAny(r, "\n\r") {
		return fmt.Errorf("image: release %q holds a line break", r)
	}
	return nil
}
