package update

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// ESP is the EFI system partition as Apply and Commit change it. Paths are
// slash-separated and relative to the partition's root. DirESP implements
// it on a mounted partition; image/disk on an image file.
type ESP interface {
	fs.ReadDirFS
	fs.ReadFileFS
	// WriteFile creates or replaces name with data, creating its
	// directories, and returns only once data is on the medium.
	WriteFile(name string, data []byte) error
	// Rename replaces newname with oldname.
	Rename(oldname, newname string) error
	// Remove deletes a file; a missing file is not an error.
	Remove(name string) error
}

// DirESP returns the ESP mounted at dir (vfat on the appliance, any
// directory in tests and for 'cairn update --esp').
func DirESP(dir string) ESP { return dirESP{fsFS: os.DirFS(dir).(fsFS), dir: dir} }

// fsFS is what os.DirFS returns.
type fsFS interface {
	fs.ReadDirFS
	fs.ReadFileFS
}

type dirESP struct {
	fsFS
	dir string
}

func (d dirESP) path(name string) string { return filepath.Join(d.dir, filepath.FromSlash(name)) }

func (d dirESP) WriteFile(name string, data []byte) error {
	p := d.path(name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return espErr(err)
	}
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return espErr(err)
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if err = errors.Join(err, f.Close()); err != nil {
		return espErr(err)
	}
	return syncDir(filepath.Dir(p))
}

func (d dirESP) Rename(oldname, newname string) error {
	if err := os.Rename(d.path(oldname), d.path(newname)); err != nil {
		return espErr(err)
	}
	return syncDir(filepath.Dir(d.path(newname)))
}

func (d dirESP) Remove(name string) error {
	if err := os.Remove(d.path(name)); errors.Is(err, fs.ErrNotExist) {
		return nil
	} else if err != nil {
		return espErr(err)
	}
	return syncDir(filepath.Dir(d.path(name)))
}

// syncDir makes renames and removals in dir durable.
func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return espErr(err)
	}
	defer f.Close()
	if err := f.Sync(); err != nil && !errors.Is(err, syscall.EINVAL) {
		return espErr(err)
	}
	return nil
}

// espErr turns a full partition into ErrNoSpace.
func espErr(err error) error {
	if errors.Is(err, syscall.ENOSPC) {
		return fmt.Errorf("%w (%w); delete stray files from it or rebuild the image with a larger ESP", ErrNoSpace, err)
	}
	return fmt.Errorf("update: ESP: %w", err)
}
