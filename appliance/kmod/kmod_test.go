package kmod_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/cairn-node/cairn/appliance/kmod"
)

func TestParseList(t *testing.T) {
	got, err := kmod.ParseList(strings.NewReader("# storage\ncrc32c_generic\n\n  ext4 \nvirtio-net\n"))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"crc32c_generic", "ext4", "virtio-net"}; !slices.Equal(got, want) {
		t.Errorf("ParseList() = %q, want %q", got, want)
	}
	if _, err := kmod.ParseList(strings.NewReader("kernel/fs/ext4.ko\n")); err == nil {
		t.Error("ParseList(a path) = nil error, want an error")
	}
}
