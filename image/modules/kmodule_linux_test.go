package modules

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/u-root/u-root/pkg/kmodule"
)

// TestDepReadByKmodule feeds the modules.dep WriteDep writes to u-root's
// kmodule prober, the reader on the booted image, in dry-run mode: every
// module must load after its dependencies, and built-in ones not at all.
func TestDepReadByKmodule(t *testing.T) {
	mods, err := closure([]string{"virtio_blk", "virtio_net", "crc32c_generic", "ext4", "virtio_pci"}, map[string]bool{"virtio_pci": true}, lookupFake)
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	const kver = "6.1.0-56-amd64"
	dir := filepath.Join(root, "lib", "modules", kver)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	var dep bytes.Buffer
	if err := WriteDep(&dep, mods); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "modules.dep"), dep.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "modules.builtin"), []byte("kernel/drivers/virtio/virtio_pci.ko\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var (
		mu     sync.Mutex
		loaded []string
	)
	p, err := kmodule.NewProber(kmodule.ProbeOpts{RootDir: root, KVer: kver, IgnoreProcMods: true, DryRunCB: func(path string) {
		mu.Lock()
		defer mu.Unlock()
		loaded = append(loaded, strings.TrimSuffix(filepath.Base(path), ".ko"))
	}})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"virtio-blk", "virtio_net", "crc32c_generic", "ext4", "virtio_pci"} {
		if err := p.Probe(name, ""); err != nil {
			t.Errorf("kmodule Probe(%s) = %v", name, err)
		}
	}
	if len(loaded) != len(mods) {
		t.Errorf("kmodule loaded %q, want the %d modules of the closure", loaded, len(mods))
	}
	for _, m := range mods {
		i := slices.Index(loaded, m.Name)
		if i < 0 {
			t.Errorf("kmodule did not load %s", m.Name)
			continue
		}
		for _, d := range m.Deps {
			if j := slices.Index(loaded, d); j < 0 || j > i {
				t.Errorf("kmodule loaded %s before its dependency %s: %q", m.Name, d, loaded)
			}
		}
	}
	if slices.Contains(loaded, "virtio_pci") {
		t.Error("kmodule loaded the built-in virtio_pci")
	}
}
