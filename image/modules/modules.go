// Package modules picks the kernel modules an image needs out of a Debian
// kernel package: the requested modules plus everything they depend on
// (each .ko's ELF .modinfo "depends=" field), and writes the depmod-format
// modules.dep that u-root's kmodule prober reads at boot. Debian's kernel
// packages ship no modules.dep, and running depmod would need root-owned
// paths, so this is done in Go.
//
// # Usage
//
//	idx, err := modules.Index(os.DirFS("/cache/linux/lib/modules/6.1.0-56-amd64"))
//	mods, err := idx.Closure([]string{"virtio_blk", "crc32c_generic", "ext4"})
//	// mods is in load order; copy each mods[i].Path, then:
//	err = modules.WriteDep(w, mods)
package modules

import (
	"bufio"
	"bytes"
	"debug/elf"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strings"
)

// Module is one kernel module of an image.
type Module struct {
	// Name is the module's name with '-' spelled '_' ("crc32c_generic").
	Name string
	// Path is the .ko file relative to lib/modules/<kver>
	// ("kernel/fs/ext4/ext4.ko"), always uncompressed: [Tree.Read]
	// decompresses a package's .ko.xz.
	Path string
	// Deps are the names of the modules it needs loaded first.
	Deps []string
	// source is the file in the kernel package, Path or Path + ".xz".
	source string
}

// Normalize spells a module name the way the kernel does: '-' becomes '_'.
func Normalize(name string) string { return strings.ReplaceAll(name, "-", "_") }

// Tree is an indexed lib/modules/<kver> directory.
type Tree struct {
	fsys    fs.FS
	paths   map[string]string // name -> path
	builtin map[string]bool   // names built into the kernel
}

// Index walks fsys (a lib/modules/<kver> directory) for .ko and .ko.xz
// files and reads its modules.builtin when present.
func Index(fsys fs.FS) (*Tree, error) {
	t := &Tree{fsys: fsys, paths: map[string]string{}, builtin: map[string]bool{}}
	err := fs.WalkDir(fsys, "kernel", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		if name, ok := moduleName(p); ok {
			t.paths[name] = p
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("modules: index kernel modules: %w", err)
	}
	if len(t.paths) == 0 {
		return nil, fmt.Errorf("modules: no .ko or .ko.xz files under kernel/; is this lib/modules/<kver> of an extracted kernel package?")
	}
	if b, err := fs.ReadFile(fsys, "modules.builtin"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if line = strings.TrimSpace(line); line != "" {
				t.builtin[Normalize(strings.TrimSuffix(path.Base(line), ".ko"))] = true
			}
		}
	}
	return t, nil
}

// Builtin reports whether the kernel has name built in.
func (t *Tree) Builtin(name string) bool { return t.builtin[Normalize(name)] }

// Closure returns the modules named plus their dependencies, each once, in
// an order where every module comes after its dependencies and the
// requested ones keep their relative order. Built-in modules are left out.
// A name that is neither a module nor built in is an error.
func (t *Tree) Closure(names []string) ([]Module, error) {
	return closure(names, t.builtin, func(name string) (Module, error) {
		p, ok := t.paths[name]
		if !ok {
			return Module{}, fmt.Errorf("modules: no module %q in this kernel; check the board's module list", name)
		}
		ko, err := t.read(p)
		if err != nil {
			return Module{}, err
		}
		info, err := readModinfo(bytes.NewReader(ko))
		if err != nil {
			return Module{}, fmt.Errorf("modules: %s: %w", p, err)
		}
		return Module{Name: name, Path: strings.TrimSuffix(p, xzSuffix), Deps: info.deps, source: p}, nil
	})
}

// closure does the depth-first walk; lookup describes one module.
func closure(names []string, builtin map[string]bool, lookup func(string) (Module, error)) ([]Module, error) {
	var out []Module
	state := map[string]int{} // 1: visiting, 2: done
	var visit func(name string, chain []string) error
	visit = func(name string, chain []string) error {
		name = Normalize(name)
		switch {
		case state[name] == 2 || builtin[name]:
			return nil
		case state[name] == 1:
			return fmt.Errorf("modules: dependency cycle %s -> %s", strings.Join(chain, " -> "), name)
		}
		state[name] = 1
		m, err := lookup(name)
		if err != nil {
			return err
		}
		for _, d := range m.Deps {
			if err := visit(d, append(chain, name)); err != nil {
				return err
			}
		}
		state[name] = 2
		out = append(out, m)
		return nil
	}
	for _, n := range names {
		if err := visit(n, nil); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// modinfo is what Closure needs of a module's .modinfo section.
type modinfo struct {
	name string
	deps []string
}

// readModinfo reads the .modinfo section of an ELF kernel module.
func readModinfo(r io.ReaderAt) (modinfo, error) {
	f, err := elf.NewFile(r)
	if err != nil {
		return modinfo{}, fmt.Errorf("not an ELF module (only .ko and .ko.xz files are supported): %w", err)
	}
	s := f.Section(".modinfo")
	if s == nil {
		return modinfo{}, fmt.Errorf("no .modinfo section")
	}
	b, err := s.Data()
	if err != nil {
		return modinfo{}, err
	}
	return parseModinfo(b), nil
}

// parseModinfo reads the NUL-separated key=value strings of a .modinfo
// section.
func parseModinfo(b []byte) modinfo {
	var m modinfo
	for _, kv := range bytes.Split(b, []byte{0}) {
		k, v, ok := strings.Cut(string(kv), "=")
		if !ok {
			continue
		}
		switch k {
		case "name":
			m.name = v
		case "depends":
			for _, d := range strings.Split(v, ",") {
				if d != "" {
					m.deps = append(m.deps, Normalize(d))
				}
			}
		}
	}
	return m
}

// WriteDep writes mods in depmod's modules.dep format: "path: dep dep",
// each dependency as its path, with no space after the colon when a module
// has none (u-root's kmodule would read a lone space as a dependency).
// Every dependency must be in mods or be built in (then it is left out).
func WriteDep(w io.Writer, mods []Module) error {
	paths := map[string]string{}
	for _, m := range mods {
		paths[m.Name] = m.Path
	}
	bw := bufio.NewWriter(w)
	for _, m := range mods {
		bw.WriteString(m.Path + ":")
		for _, d := range m.Deps {
			if p, ok := paths[d]; ok {
				bw.WriteString(" " + p)
			}
		}
		bw.WriteByte('\n')
	}
	return bw.Flush()
}
