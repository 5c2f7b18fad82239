package datadisk_test

import (
	"bytes"
	"testing"

	"github.com/cairn-node/cairn/appliance/datadisk"
)

func TestHasExt4(t *testing.T) {
	img := make([]byte, 4096)
	if datadisk.HasExt4(bytes.NewReader(img)) {
		t.Error("HasExt4(zeros) = true, want false")
	}
	img[1024+0x38], img[1024+0x39] = 0x53, 0xEF
	if !datadisk.HasExt4(bytes.NewReader(img)) {
		t.Error("HasExt4(superblock magic) = false, want true")
	}
	if datadisk.HasExt4(bytes.NewReader(img[:1000])) {
		t.Error("HasExt4(short) = true, want false")
	}
}

func TestNodeDataDir(t *testing.T) {
	if got := (datadisk.Config{}).NodeDataDir(); got != "/data/cairn" {
		t.Errorf("NodeDataDir() = %q, want /data/cairn", got)
	}
}
