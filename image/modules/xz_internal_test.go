package modules

import (
	"bytes"
	"testing"
	"testing/fstest"

	"github.com/ulikunitz/xz"
)

func TestModuleName(t *testing.T) {
	for p, want := range map[string]string{
		"kernel/fs/ext4/ext4.ko":                          "ext4",
		"kernel/drivers/net/ethernet/cadence/macb.ko.xz":  "macb",
		"kernel/drivers/pinctrl/pinctrl-rp1.ko.xz":        "pinctrl_rp1",
		"kernel/drivers/net/ethernet/broadcom/genet.ko":   "genet",
		"kernel/drivers/net/ethernet/broadcom/README.txt": "",
		"kernel/fs/ext4/ext4.ko.zst":                      "",
	} {
		got, ok := moduleName(p)
		if got != want || ok != (want != "") {
			t.Errorf("moduleName(%q) = %q, %v, want %q, %v", p, got, ok, want, want != "")
		}
	}
}

func TestReadDecompresses(t *testing.T) {
	body := bytes.Repeat([]byte("\x7fELF module body "), 100)
	var z bytes.Buffer
	w, err := xz.NewWriter(&z)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(body)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	tree := &Tree{fsys: fstest.MapFS{
		"kernel/a.ko.xz": {Data: z.Bytes()},
		"kernel/b.ko":    {Data: body},
		"kernel/c.ko.xz": {Data: []byte("not xz")},
	}}
	for _, m := range []Module{{Path: "kernel/a.ko", source: "kernel/a.ko.xz"}, {Path: "kernel/b.ko"}} {
		got, err := tree.Read(m)
		if err != nil || !bytes.Equal(got, body) {
			t.Errorf("Read(%s) = %d bytes, %v, want the %d-byte body", m.source+m.Path, len(got), err, len(body))
		}
	}
	if _, err := tree.Read(Module{Path: "kernel/c.ko", source: "kernel/c.ko.xz"}); err == nil {
		t.Error("Read(corrupt .ko.xz) = nil error, want a decompression error")
	}
}
