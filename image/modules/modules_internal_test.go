package modules

import (
	"bytes"
	"slices"
	"strings"
	"testing"
)

func TestParseModinfo(t *testing.T) {
	sec := []byte("license=GPL\x00depends=mbcache,jbd2,crc16\x00name=ext4\x00\x00vermagic=6.1.0-56-amd64 SMP\x00")
	m := parseModinfo(sec)
	if m.name != "ext4" || !slices.Equal(m.deps, []string{"mbcache", "jbd2", "crc16"}) {
		t.Errorf("parseModinfo() = %+v, want ext4 needing mbcache, jbd2, crc16", m)
	}
	if m := parseModinfo([]byte("depends=\x00name=crc16\x00")); len(m.deps) != 0 {
		t.Errorf("parseModinfo(empty depends) deps = %q, want none", m.deps)
	}
}

// fakeTree mimics Debian 6.1's ext4 and virtio modules.
var fakeTree = map[string]Module{
	"ext4":           {Name: "ext4", Path: "kernel/fs/ext4/ext4.ko", Deps: []string{"mbcache", "jbd2", "crc16"}},
	"jbd2":           {Name: "jbd2", Path: "kernel/fs/jbd2/jbd2.ko"},
	"mbcache":        {Name: "mbcache", Path: "kernel/fs/mbcache.ko"},
	"crc16":          {Name: "crc16", Path: "kernel/lib/crc16.ko"},
	"crc32c_generic": {Name: "crc32c_generic", Path: "kernel/crypto/crc32c_generic.ko"},
	"virtio_blk":     {Name: "virtio_blk", Path: "kernel/drivers/block/virtio_blk.ko", Deps: []string{"virtio", "virtio_ring"}},
	"virtio_net":     {Name: "virtio_net", Path: "kernel/drivers/net/virtio_net.ko", Deps: []string{"net_failover", "virtio", "virtio_ring"}},
	"net_failover":   {Name: "net_failover", Path: "kernel/drivers/net/net_failover.ko", Deps: []string{"failover"}},
	"failover":       {Name: "failover", Path: "kernel/net/core/failover.ko"},
	"virtio":         {Name: "virtio", Path: "kernel/drivers/virtio/virtio.ko"},
	"virtio_ring":    {Name: "virtio_ring", Path: "kernel/drivers/virtio/virtio_ring.ko", Deps: []string{"virtio"}},
}

func lookupFake(name string) (Module, error) {
	m, ok := fakeTree[name]
	if !ok {
		return Module{}, errNotFound(name)
	}
	return m, nil
}

type errNotFound string

func (e errNotFound) Error() string { return "no module " + string(e) }

func TestClosureOrder(t *testing.T) {
	mods, err := closure([]string{"virtio-blk", "virtio_net", "crc32c_generic", "ext4", "virtio_pci"}, map[string]bool{"virtio_pci": true}, lookupFake)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, m := range mods {
		names = append(names, m.Name)
	}
	want := []string{"virtio", "virtio_ring", "virtio_blk", "failover", "net_failover", "virtio_net", "crc32c_generic", "mbcache", "jbd2", "crc16", "ext4"}
	if !slices.Equal(names, want) {
		t.Errorf("closure() = %q, want %q", names, want)
	}
	var buf bytes.Buffer
	if err := WriteDep(&buf, mods); err != nil {
		t.Fatal(err)
	}
	dep := buf.String()
	for _, line := range []string{
		"kernel/drivers/virtio/virtio.ko:\n",
		"kernel/drivers/block/virtio_blk.ko: kernel/drivers/virtio/virtio.ko kernel/drivers/virtio/virtio_ring.ko\n",
		"kernel/fs/ext4/ext4.ko: kernel/fs/mbcache.ko kernel/fs/jbd2/jbd2.ko kernel/lib/crc16.ko\n",
	} {
		if !strings.Contains(dep, line) {
			t.Errorf("modules.dep lacks %q:\n%s", line, dep)
		}
	}
	if strings.Contains(dep, ": \n") {
		t.Errorf("modules.dep has a space after a colon with no dependencies:\n%s", dep)
	}
}

func TestClosureErrors(t *testing.T) {
	if _, err := closure([]string{"nope"}, nil, lookupFake); err == nil {
		t.Error("closure(unknown) = nil error, want an error")
	}
	cyc := func(name string) (Module, error) {
		return Module{Name: name, Path: name + ".ko", Deps: []string{map[string]string{"a": "b", "b": "a"}[name]}}, nil
	}
	if _, err := closure([]string{"a"}, nil, cyc); err == nil || !strings.Contains(err.Error(), "cycle a -> b -> a") {
		t.Errorf("closure(cycle) = %v, want a cycle error", err)
	}
}
