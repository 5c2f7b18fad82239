package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cairn-node/cairn/appliance/update"
	"github.com/cairn-node/cairn/cmd/cairn/internal/cli"
	"github.com/cairn-node/cairn/image/disk"
)

// testImage writes a small Cairn disk image with slot a and its manifest.
func testImage(t *testing.T, dir, name, kernel string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	e := update.NewEntry("Cairn (test)", "console=ttyS0")
	err = disk.Write(f, disk.Layout{}, map[string][]byte{
		update.LoaderConf: []byte(update.LoaderConfig), e.Path(): e.Marshal(),
		update.SlotA.Kernel(): []byte(kernel), update.SlotA.Initrd(): []byte("initrd of " + kernel),
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p+".manifest.json", []byte(`{"board": "qemu-x86_64"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestUpdateKeygenPackApply(t *testing.T) {
	dir := t.TempDir()
	key := filepath.Join(dir, "update.key")
	if code, _, stderr := cairn(t, nil, "update", "keygen", "-o", key); code != cli.ExitOK {
		t.Fatalf("cairn update keygen = %d, %s", code, stderr)
	}
	if code, _, stderr := cairn(t, nil, "update", "keygen", "-o", key); code != cli.ExitError || !strings.Contains(stderr, "never overwritten") {
		t.Errorf("cairn update keygen over an existing key = %d, %q; want an error", code, stderr)
	}
	newImg := testImage(t, dir, "new.img", "kernel r2")
	bundle := filepath.Join(dir, "r2.cairnup")
	if code, _, stderr := cairn(t, nil, "update", "pack", "--key", key, "--release", "r2", "-o", bundle, newImg); code != cli.ExitOK {
		t.Fatalf("cairn update pack = %d, %s", code, stderr)
	}
	code, stdout, stderr := cairn(t, nil, "update", "verify", "--pub", key+".pub", "--board", "qemu-x86_64", bundle)
	if code != cli.ExitOK || !strings.Contains(stdout, `valid update for qemu-x86_64, release "r2"`) {
		t.Errorf("cairn update verify = %d, %q, %q", code, stdout, stderr)
	}

	if code, _, stderr := cairn(t, nil, "update", bundle); code != cli.ExitError || !strings.Contains(stderr, "not a Cairn node") {
		t.Errorf("cairn update BUNDLE on a host = %d, %q; want an error that says to pass --esp or --disk", code, stderr)
	}
	node := testImage(t, dir, "node.img", "kernel r1")
	other := filepath.Join(dir, "other.key")
	cairn(t, nil, "update", "keygen", "-o", other)
	if code, _, stderr := cairn(t, nil, "update", "--disk", node, "--pub", other+".pub", bundle); code != cli.ExitError || !strings.Contains(stderr, "bad signature") {
		t.Errorf("cairn update with another key = %d, %q; want a bad signature error", code, stderr)
	}
	if code, _, stderr := cairn(t, nil, "update", "--disk", node, "--pub", key+".pub", "--board", "qemu-arm64", bundle); code != cli.ExitError || !strings.Contains(stderr, "wrong board") {
		t.Errorf("cairn update for another board = %d, %q; want a wrong board error", code, stderr)
	}
	code, stdout, stderr = cairn(t, nil, "update", "--disk", node, "--pub", key+".pub", bundle)
	if code != cli.ExitOK || !strings.Contains(stdout, "slot b: r2 installed, on trial (cairn-b+1.conf)") {
		t.Fatalf("cairn update --disk = %d, %q, %q", code, stdout, stderr)
	}
	f, err := os.Open(node)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	esp, err := disk.OpenESP(f)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := esp.ReadFile(update.SlotB.Kernel()); err != nil || string(got) != "kernel r2" {
		t.Errorf("slot b kernel after cairn update = %q, %v; want %q", got, err, "kernel r2")
	}
}

func TestUpdateUsage(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"update"}, "update takes one bundle file, got 0 arguments"},
		{[]string{"update", "--esp", "x", "--disk", "y", "b"}, "not both"},
		{[]string{"update", "keygen"}, "needs -o FILE"},
		{[]string{"update", "pack", "x.img"}, "needs --key KEY, -o BUNDLE and one image file"},
	} {
		code, _, stderr := cairn(t, nil, tc.args...)
		if code != cli.ExitUsage || !strings.Contains(stderr, tc.want) {
			t.Errorf("cairn %s = %d, %q; want %d and %q", strings.Join(tc.args, " "), code, stderr, cli.ExitUsage, tc.want)
		}
	}
}
