package disk

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"strings"

	diskfs "github.com/diskfs/go-diskfs"
	"github.com/diskfs/go-diskfs/backend/file"
	"github.com/diskfs/go-diskfs/filesystem"
)

// ESP is the EFI system partition of an image file, opened for changes
// without mounting it: 'cairn update --disk' installs an update into a
// flashed stick or an image this way. It implements package
// appliance/update's ESP interface. Paths are slash-separated, relative
// to the partition's root.
type ESP struct {
	fsys filesystem.FileSystem
}

// OpenESP opens partition 1 of the GPT image in f (opened read-write) as
// FAT32. The caller closes f after the last change.
func OpenESP(f *os.File) (*ESP, error) {
	d, err := diskfs.OpenBackend(file.New(f, false), diskfs.WithOpenMode(diskfs.ReadWrite))
	if err != nil {
		return nil, fmt.Errorf("disk: open %s: %w", f.Name(), err)
	}
	fsys, err := d.GetFilesystem(1)
	if err != nil {
		return nil, fmt.Errorf("disk: %s: no FAT EFI system partition as partition 1 (%w); is it a Cairn image?", f.Name(), err)
	}
	return &ESP{fsys: fsys}, nil
}

// abs spells name for go-diskfs' writing methods (OpenFile, Mkdir,
// Remove, Rename: rooted paths); rel for its fs.FS ones (ReadDir, Stat:
// fs.ValidPath).
func abs(name string) string { return path.Clean("/" + name) }

func rel(name string) string {
	if p := strings.TrimPrefix(path.Clean("/"+name), "/"); p != "" {
		return p
	}
	return "."
}

// Open opens a file for reading (fs.FS).
func (e *ESP) Open(name string) (fs.File, error) { return e.fsys.Open(abs(name)) }

// ReadDir lists a directory (fs.ReadDirFS).
func (e *ESP) ReadDir(name string) ([]fs.DirEntry, error) { return e.fsys.ReadDir(rel(name)) }

// ReadFile reads a file (fs.ReadFileFS).
func (e *ESP) ReadFile(name string) ([]byte, error) { return e.fsys.ReadFile(abs(name)) }

// WriteFile replaces name with data, creating its directories. The image
// file is written through, with no cache to flush.
func (e *ESP) WriteFile(name string, data []byte) error {
	p := abs(name)
	if dir := path.Dir(p); dir != "/" {
		if err := e.fsys.Mkdir(dir); err != nil {
			return fmt.Errorf("disk: ESP mkdir %s: %w", dir, err)
		}
	}
	w, err := e.fsys.OpenFile(p, os.O_CREATE|os.O_RDWR|os.O_TRUNC)
	if err != nil {
		return fmt.Errorf("disk: ESP create %s: %w", p, err)
	}
	_, err = w.Write(data)
	if err = errors.Join(err, w.Close()); err != nil {
		return fmt.Errorf("disk: ESP write %s: %w; is the partition full?", p, err)
	}
	return nil
}

// Rename replaces newname with oldname.
func (e *ESP) Rename(oldname, newname string) error {
	if err := e.Remove(newname); err != nil {
		return err
	}
	if err := e.fsys.Rename(abs(oldname), abs(newname)); err != nil {
		return fmt.Errorf("disk: ESP rename %s: %w", oldname, err)
	}
	return nil
}

// Remove deletes a file; a missing one is not an error.
//
// go-diskfs v1.9.4's Remove drops the directory entry but leaves the
// file's clusters allocated; truncating the file first frees all but its
// first cluster, so an update leaks one cluster per file it replaces
// instead of the file's whole size.
func (e *ESP) Remove(name string) error {
	if _, err := e.fsys.Stat(rel(name)); err != nil {
		return nil // nothing to remove (or an unreadable directory, reported by the write)
	}
	w, err := e.fsys.OpenFile(abs(name), os.O_RDWR|os.O_TRUNC)
	if err == nil {
		err = w.Close()
	}
	if err != nil {
		return fmt.Errorf("disk: ESP truncate %s: %w", name, err)
	}
	if err := e.fsys.Remove(abs(name)); err != nil {
		return fmt.Errorf("disk: ESP remove %s: %w", name, err)
	}
	return nil
}
