package initramfs_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"testing"

	"github.com/u-root/u-root/pkg/cpio"

	"github.com/cairn-node/cairn/image/initramfs"
)

func TestArchiveRoundTrip(t *testing.T) {
	a := initramfs.New()
	a.AddBytes("/lib/modules/6.1.0-56-amd64/modules.dep", []byte("kernel/fs/ext4/ext4.ko:\n"), 0o644)
	a.AddBytes("init", []byte("\x7fELF binary"), 0o755)
	a.AddDir("data", 0o755)
	var buf bytes.Buffer
	if _, err := a.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := cpio.ReadAllRecords(cpio.Newc.Reader(bytes.NewReader(raw)))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]cpio.Record{}
	var order []string
	for _, r := range recs {
		got[r.Name] = r
		order = append(order, r.Name)
	}
	want := []string{"data", "dev", "dev/console", "dev/null", "init", "lib", "lib/modules", "lib/modules/6.1.0-56-amd64", "lib/modules/6.1.0-56-amd64/modules.dep"}
	if len(order) != len(want) {
		t.Fatalf("records = %q, want %q", order, want)
	}
	for i := range want {
		if order[i] != want[i] {
			t.Fatalf("records = %q, want %q", order, want)
		}
	}
	if c := got["dev/console"]; c.Mode != cpio.S_IFCHR|0o600 || c.Rmajor != 5 || c.Rminor != 1 {
		t.Errorf("dev/console = mode %o %d,%d, want char 5,1", c.Mode, c.Rmajor, c.Rminor)
	}
	if i := got["init"]; i.Mode != cpio.S_IFREG|0o755 || i.MTime != 0 {
		t.Errorf("init mode %o mtime %d, want regular 0755 at mtime 0", i.Mode, i.MTime)
	}
	b, err := io.ReadAll(io.NewSectionReader(got["init"], 0, int64(got["init"].FileSize)))
	if err != nil || string(b) != "\x7fELF binary" {
		t.Errorf("init contents = %q, %v, want the added bytes", b, err)
	}

	// The same contents added in another order give the same bytes.
	b2 := initramfs.New()
	b2.AddDir("data", 0o755)
	b2.AddBytes("init", []byte("\x7fELF binary"), 0o755)
	b2.AddBytes("lib/modules/6.1.0-56-amd64/modules.dep", []byte("kernel/fs/ext4/ext4.ko:\n"), 0o644)
	var buf1, buf2 bytes.Buffer
	a.WriteTo(&buf1)
	b2.WriteTo(&buf2)
	if !bytes.Equal(buf1.Bytes(), buf2.Bytes()) {
		t.Error("archives with equal contents added in another order differ")
	}
}
