package image

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"

	"github.com/cairn-node/cairn/board"
	"github.com/cairn-node/cairn/image/debian"
)

// fetchFirmware fetches b's firmware packages and returns their files for
// the initramfs, keyed by their path there ("lib/firmware/rtl_nic/…"),
// with the packages they came from.
func fetchFirmware(ctx context.Context, cacheDir string, b board.Board) (map[string][]byte, []PackageRef, error) {
	files := map[string][]byte{}
	var refs []PackageRef
	for _, fw := range b.Firmware {
		c := debian.Cache{Dir: filepath.Join(cacheDir, "firmware"), Archive: fw.Archive}
		pkg, err := c.Fetch(ctx, fw.Package, b.DebArch)
		if err != nil {
			return nil, nil, err
		}
		refs = append(refs, ref(pkg))
		for _, dir := range fw.Dirs {
			n, err := firmwareDir(pkg, dir, files)
			if err != nil {
				return nil, nil, err
			}
			if n == 0 {
				return nil, nil, fmt.Errorf("image: %s %s has no files in lib/firmware/%s; check the board's Firmware.Dirs", pkg.Name, pkg.Version, dir)
			}
		}
	}
	return files, refs, nil
}

// firmwareDir adds the files of lib/firmware/dir in pkg (bookworm puts
// them in /lib, trixie in /usr/lib) to files and returns how many it
// added. Relative links are followed; an absolute one, which would read
// this host's file, is an error.
func firmwareDir(pkg debian.Package, dir string, files map[string][]byte) (int, error) {
	n := 0
	for _, root := range []string{"lib/firmware", "usr/lib/firmware"} {
		base := filepath.Join(pkg.Dir, filepath.FromSlash(root))
		fsys := os.DirFS(base)
		err := fs.WalkDir(fsys, dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				if errors.Is(err, fs.ErrNotExist) && p == dir {
					return fs.SkipDir
				}
				return err
			}
			if d.IsDir() {
				return nil
			}
			if d.Type()&fs.ModeSymlink != 0 {
				if target, err := os.Readlink(filepath.Join(base, filepath.FromSlash(p))); err != nil || filepath.IsAbs(target) {
					return fmt.Errorf("image: firmware %s in %s links to %q, outside the package; list a directory without such links", p, pkg.Name, target)
				}
			}
			b, err := fs.ReadFile(fsys, p)
			if err != nil {
				return fmt.Errorf("image: firmware %s in %s: %w", p, pkg.Name, err)
			}
			files[path.Join("lib/firmware", p)] = b
			n++
			return nil
		})
		if err != nil {
			return n, err
		}
	}
	return n, nil
}
