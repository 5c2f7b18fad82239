package modules

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strings"

	"github.com/ulikunitz/xz"
)

// xzSuffix marks a module compressed with xz, as Debian ships them since
// trixie (Linux 6.12).
const xzSuffix = ".xz"

// moduleName returns the normalized name of a module file path, .ko or
// .ko.xz, and whether p is one.
func moduleName(p string) (string, bool) {
	base, ok := strings.CutSuffix(path.Base(strings.TrimSuffix(p, xzSuffix)), ".ko")
	if !ok {
		return "", false
	}
	return Normalize(base), true
}

// Read returns the uncompressed contents of module m, which must come
// from t's Closure. The image stores modules uncompressed (the initramfs
// is compressed as a whole), so the kernel needs no module decompressor.
func (t *Tree) Read(m Module) ([]byte, error) {
	src := m.source
	if src == "" {
		src = m.Path
	}
	return t.read(src)
}

// read returns the uncompressed contents of the module file p.
func (t *Tree) read(p string) ([]byte, error) {
	b, err := fs.ReadFile(t.fsys, p)
	if err != nil {
		return nil, fmt.Errorf("modules: %w", err)
	}
	if !strings.HasSuffix(p, xzSuffix) {
		return b, nil
	}
	r, err := xz.NewReader(bytes.NewReader(b))
	if err == nil {
		b, err = io.ReadAll(r)
	}
	if err != nil {
		return nil, fmt.Errorf("modules: decompress %s: %w; the kernel package may be damaged, delete it from the cache", p, err)
	}
	return b, nil
}
