// Package initramfs builds the initial RAM file system of a Cairn image: a
// gzip-compressed newc cpio archive (u-root's pkg/cpio) that the kernel
// unpacks into its root file system before running /init.
//
// # Usage
//
//	a := initramfs.New()
//	a.AddBytes("init", cairnBinary, 0o755)      // the static cairn binary
//	a.AddBytes("etc/modules.list", list, 0o644)
//	err := a.WriteTo(w)                          // gzip(newc), reproducible
//
// New already holds /dev/console and /dev/null: the kernel opens
// /dev/console for init's stdin, stdout and stderr before devtmpfs is
// mounted. Parent directories are added automatically (the kernel does
// not create them). The output does not depend on the order of the Add
// calls, and holds no timestamps or owners of the build host.
package initramfs

import (
	"compress/gzip"
	"fmt"
	"io"
	"path"
	"sort"
	"strings"

	"github.com/u-root/u-root/pkg/cpio"
)

// Archive is an initramfs being assembled. It is not safe for concurrent
// use. Added contents are kept, not copied: do not modify a slice after
// passing it to AddBytes.
type Archive struct {
	recs map[string]cpio.Record
}

// New returns an archive holding /dev/console (c 5,1) and /dev/null
// (c 1,3).
func New() *Archive {
	a := &Archive{recs: map[string]cpio.Record{}}
	a.add(cpio.CharDev("dev/console", 0o600, 5, 1))
	a.add(cpio.CharDev("dev/null", 0o666, 1, 3))
	return a
}

// AddBytes adds a regular file at name (relative, slash-separated) with
// the given permission bits, replacing an earlier entry of that name.
func (a *Archive) AddBytes(name string, data []byte, perm uint64) {
	a.add(cpio.StaticRecord(data, cpio.Info{Name: clean(name), Mode: cpio.S_IFREG | perm&0o7777}))
}

// AddDir adds an empty directory (its parents are added as well).
func (a *Archive) AddDir(name string, perm uint64) {
	a.add(cpio.Directory(clean(name), perm&0o7777))
}

// Len returns the number of entries, directories included.
func (a *Archive) Len() int { return len(a.recs) }

func (a *Archive) add(r cpio.Record) {
	r.Name = clean(r.Name)
	a.recs[r.Name] = r
	for d := path.Dir(r.Name); d != "." && d != "/"; d = path.Dir(d) {
		if _, ok := a.recs[d]; !ok {
			a.recs[d] = cpio.Directory(d, 0o755)
		}
	}
}

func clean(name string) string {
	return strings.TrimPrefix(path.Clean("/"+name), "/")
}

// WriteTo writes the archive as gzip-compressed newc cpio, entries in
// name order (so every directory precedes its contents), and returns the
// compressed size.
func (a *Archive) WriteTo(w io.Writer) (int64, error) {
	cw := &countingWriter{w: w}
	// Level 6: for a 55 MB cairn binary, 0.5% larger than level 9 in a
	// third of the time (4.8 s against 13.8 s with gzip(1) on 2 cores).
	zw, err := gzip.NewWriterLevel(cw, gzip.DefaultCompression)
	if err != nil {
		return 0, err
	}
	names := make([]string, 0, len(a.recs))
	for n := range a.recs {
		names = append(names, n)
	}
	sort.Strings(names)
	rw := cpio.Newc.Writer(zw)
	for i, n := range names {
		r := cpio.MakeReproducible(a.recs[n])
		r.Ino = uint64(i + 1) // distinct inodes: equal ones would read as hard links
		r.NLink = 1
		if err := rw.WriteRecord(r); err != nil {
			return cw.n, fmt.Errorf("initramfs: write %s: %w", n, err)
		}
	}
	if err := cpio.WriteTrailer(rw); err != nil {
		return cw.n, fmt.Errorf("initramfs: write trailer: %w", err)
	}
	if err := zw.Close(); err != nil {
		return cw.n, fmt.Errorf("initramfs: %w", err)
	}
	return cw.n, nil
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
