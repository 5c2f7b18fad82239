package image

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/cairn-node/cairn/board"
	"github.com/cairn-node/cairn/image/debian"
)

// kernel is a board's Debian kernel, downloaded and extracted.
type kernel struct {
	// version is the ABI version ("6.1.0-56-arm64").
	version string
	// pkgs are the packages it came from: the ABI package first, then,
	// for kernels packaged the forky way, the linux-binary-,
	// linux-modules- and linux-base- packages it depends on.
	pkgs []debian.Package
}

// splitParts are the packages a forky (Debian 14) kernel ABI package
// depends on and leaves its files to: the image, the modules, and the
// device trees with modules.builtin.
var splitParts = []string{"linux-binary-", "linux-modules-", "linux-base-"}

// fetchKernel resolves b's kernel meta package to the current ABI package
// (from b.KernelArchive when set) and fetches it, with its split-out
// parts when the ABI package holds no kernel image itself.
func fetchKernel(ctx context.Context, cacheDir string, b board.Board) (*kernel, error) {
	c := debian.Cache{Dir: filepath.Join(cacheDir, "kernels"), Archive: b.KernelArchive}
	name, err := c.ResolveDepends(ctx, b.KernelMeta, b.DebArch, "linux-image-")
	if err != nil {
		return nil, err
	}
	pkg, err := c.Fetch(ctx, name, b.DebArch)
	if err != nil {
		return nil, err
	}
	k := &kernel{version: strings.TrimPrefix(name, "linux-image-"), pkgs: []debian.Package{pkg}}
	if _, err := k.imagePath(); err == nil {
		return k, nil
	}
	for _, prefix := range splitParts {
		p, err := c.Fetch(ctx, prefix+k.version, b.DebArch)
		if err != nil {
			return nil, fmt.Errorf("image: %s holds no kernel image and its %s%s part could not be fetched: %w", name, prefix, k.version, err)
		}
		k.pkgs = append(k.pkgs, p)
	}
	if _, err := k.imagePath(); err != nil {
		return nil, err
	}
	return k, nil
}

// find returns the first of the slash-separated paths rel that exists in
// one of k's package directories.
func (k *kernel) find(rel ...string) (string, error) {
	for _, p := range k.pkgs {
		for _, r := range rel {
			full := filepath.Join(p.Dir, filepath.FromSlash(r))
			if _, err := os.Stat(full); err == nil {
				return full, nil
			}
		}
	}
	return "", fmt.Errorf("image: kernel %s has none of %s; is the kernel package damaged? delete it from the cache and build again", k.version, strings.Join(rel, ", "))
}

// imagePath returns the path of the kernel image (bookworm:
// boot/vmlinuz-<ver>; forky: usr/lib/modules/<ver>/vmlinuz).
func (k *kernel) imagePath() (string, error) {
	return k.find("boot/vmlinuz-"+k.version, "usr/lib/modules/"+k.version+"/vmlinuz")
}

// image returns the kernel image.
func (k *kernel) image() ([]byte, error) { return k.read(k.imagePath()) }

// read returns the file at p, found by find.
func (k *kernel) read(p string, err error) ([]byte, error) {
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(p)
	if err != nil {
		return nil, fmt.Errorf("image: %w", err)
	}
	return b, nil
}

// dtb returns a device tree from the kernel's broadcom/ directory
// (bookworm: usr/lib/linux-image-<ver>/; forky:
// usr/lib/modules/<ver>/dtb/).
func (k *kernel) dtb(vendor, name string) ([]byte, error) {
	return k.read(k.find(path.Join("usr/lib/linux-image-"+k.version, vendor, name), path.Join("usr/lib/modules", k.version, "dtb", vendor, name)))
}

// modules returns the kernel's lib/modules/<ver> tree, the parts from all
// its packages seen as one.
func (k *kernel) modules() fs.FS {
	var l layers
	for _, p := range k.pkgs {
		for _, d := range []string{"lib/modules/", "usr/lib/modules/"} {
			dir := filepath.Join(p.Dir, filepath.FromSlash(d+k.version))
			if st, err := os.Stat(dir); err == nil && st.IsDir() {
				l = append(l, os.DirFS(dir))
			}
		}
	}
	return l
}

// layers is a file system made of others with disjoint contents: a name
// is opened in the first one that has it.
type layers []fs.FS

// Open implements fs.FS.
func (l layers) Open(name string) (fs.File, error) {
	for _, f := range l {
		file, err := f.Open(name)
		if err == nil || !errors.Is(err, fs.ErrNotExist) {
			return file, err
		}
	}
	return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
}
