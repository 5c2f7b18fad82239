package integration

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cairn-node/cairn/appliance/update"
	"github.com/cairn-node/cairn/board"
	"github.com/cairn-node/cairn/image"
	"github.com/cairn-node/cairn/image/disk"
	"github.com/cairn-node/cairn/image/qemu"
)

// trialDeadline is cairn.trial_deadline in the test image: long enough
// for a healthy boot under TCG on a loaded 2-core box (about 12 s from
// PID 1's start), short enough to keep the failing trial quick.
const trialDeadline = 30 * time.Second

// Console lines of package update (slog text, with a subsys between msg
// and the slot).
var (
	trialFail = regexp.MustCompile(`msg="trial boot failed" .*slot=b`)
	bootedA   = regexp.MustCompile(`msg="booted slot" .*slot=a trial=false`)
)

// trialOf and committed match the console lines of a trial boot of slot
// s and of its commit.
func trialOf(s update.Slot) *regexp.Regexp {
	return regexp.MustCompile(`msg="booted slot" .*slot=` + string(s) + ` trial=true`)
}

func committed(s update.Slot) *regexp.Regexp {
	return regexp.MustCompile(`msg="update committed" .*slot=` + string(s))
}

// TestUpdateRollback installs an update whose node never becomes healthy
// and checks that the machine comes back on the old slot by itself; then
// installs a good update and checks that it commits.
//
// The failing update is honest, not a flag: its initramfs is built
// without the virtio disk drivers, so the kernel and PID 1 start but the
// data partition never appears and the node never starts, as with an
// update built for the wrong hardware. PID 1 reboots at the trial
// deadline; systemd-boot, having counted the try, boots slot a again.
func TestUpdateRollback(t *testing.T) {
	if os.Getenv("CAIRN_BOOT_TEST") != "1" {
		t.Skip("boot test skipped: set CAIRN_BOOT_TEST=1 to build images and boot them in qemu (about two minutes)")
	}
	b := board.QEMUx86_64
	requireTools(t, b)
	dir := t.TempDir()
	ctx := context.Background()
	start := time.Now()
	key, cmdline := updateKey(t), updateCmdline(t)
	// One cairn binary for both images, so that they differ only in
	// their module lists.
	bin := buildCairn(t, b, dir)
	img := filepath.Join(dir, "cairn.img")
	m := buildUpdateImage(t, b, img, bin, key, cmdline)
	broken := b
	broken.Modules = slices.DeleteFunc(slices.Clone(b.Modules), func(m string) bool { return strings.HasPrefix(m, "virtio_") && m != "virtio_net" && m != "virtio_pci" })
	bm, err := image.Build(ctx, image.Options{Board: broken, Output: filepath.Join(dir, "broken.img"), Binary: bin, Cmdline: cmdline, UpdateKey: key, Release: "r-no-disk-driver"})
	if err != nil {
		t.Fatalf("image.Build(no disk driver) = %v", err)
	}
	t.Logf("built the image and a broken update in %.1f s", time.Since(start).Seconds())
	vars := filepath.Join(dir, "vars.fd")
	if err := qemu.CopyVars(b, vars); err != nil {
		t.Fatal(err)
	}

	// The failing update: trial boot, deadline, reboot, slot a.
	apply(t, img, bm.Update.Path, key)
	wantEntries(t, img, "cairn-b+1.conf", "cairn-a.conf")
	vm := bootWith(t, b, qemu.Options{Disk: img, Vars: vars, AllowReboot: true}, "update-broken")
	log := vm.console.String()
	failedAt, backAt := trialFail.FindStringIndex(log), bootedA.FindAllStringIndex(log, -1)
	if !trialOf(update.SlotB).MatchString(log) || failedAt == nil || len(backAt) == 0 || backAt[len(backAt)-1][0] < failedAt[0] {
		vm.fail(t, "want a trial boot of slot b that fails, then a boot of slot a")
	}
	t.Logf("failed update: power-on to healthy on the old slot %.1f s (trial deadline %s)", vm.healthyAfter.Seconds(), trialDeadline)
	vm.shutdown(t, "system_powerdown")
	wantEntries(t, img, "cairn-a.conf", "cairn-b+0-1.conf")

	// A good update (the image's own kernel and initramfs): it commits.
	goodUpdate(t, b, img, vars, m.Update.Path, key, update.SlotB)
	entries := wantEntries(t, img, "cairn-b.conf", "cairn-a.conf")
	if _, trial := update.CmdlineValue(entries[0].Options, update.CmdlineTrial); trial || entries[0].Generation != 3 {
		t.Errorf("committed entry = %+v, want generation 3 without %s", entries[0], update.CmdlineTrial)
	}
	// The next one goes to slot a: systemd-boot must order by version
	// (cairn-a+1.conf, version 4, before cairn-b.conf, version 3), not
	// by file name.
	goodUpdate(t, b, img, vars, m.Update.Path, key, update.SlotA)
	wantEntries(t, img, "cairn-a.conf", "cairn-b.conf")
}

// updateKey returns a fresh update signing key.
func updateKey(t *testing.T) ed25519.PrivateKey {
	t.Helper()
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return key
}

// updateCmdline returns the kernel command line of the update tests'
// images: the clock from a test SNTP server, cairn.trial_deadline
// trialDeadline.
func updateCmdline(t *testing.T) []string {
	t.Helper()
	ntpPort := sntpServer(t, 0)
	return []string{fmt.Sprintf("cairn.ntp=10.0.2.2:%d", ntpPort), fmt.Sprintf("%s=%s", update.CmdlineDeadline, trialDeadline)}
}

// buildCairn builds the cairn binary for b into dir and returns its path.
func buildCairn(t *testing.T, b board.Board, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "cairn")
	build := exec.CommandContext(t.Context(), "go", "build", "-trimpath", "-ldflags=-s -w", "-o", bin, "../../cmd/cairn")
	build.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+b.GOARCH)
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/cairn: %v\n%s", err, out)
	}
	return bin
}

// buildUpdateImage builds b's image at img from bin, release r1, trusting
// key's updates; its manifest's Update is a good bundle of the same
// release, signed by key.
func buildUpdateImage(t *testing.T, b board.Board, img, bin string, key ed25519.PrivateKey, cmdline []string) *image.Manifest {
	t.Helper()
	m, err := image.Build(t.Context(), image.Options{Board: b, Output: img, Log: testWriter{t}, Binary: bin, Cmdline: cmdline, UpdateKey: key, Release: "r1"})
	if err != nil {
		t.Fatalf("image.Build(%s) = %v", b.Name, err)
	}
	return m
}

// goodUpdate installs a bundle whose node is healthy, boots it and waits
// until PID 1 commits slot want.
func goodUpdate(t *testing.T, b board.Board, img, vars, bundle string, key ed25519.PrivateKey, want update.Slot) {
	t.Helper()
	apply(t, img, bundle, key)
	vm := bootWith(t, b, qemu.Options{Disk: img, Vars: vars, AllowReboot: true}, "update-good-"+string(want))
	vm.waitConsole(t, committed(want), trialDeadline, "slot %s was healthy but not committed", want)
	if !trialOf(want).MatchString(vm.console.String()) {
		vm.fail(t, "the update did not boot slot %s on trial", want)
	}
	t.Logf("good update into slot %s: power-on to healthy %.1f s", want, vm.healthyAfter.Seconds())
	vm.shutdown(t, "system_powerdown")
}

// apply installs bundle into the image's ESP, as 'cairn update --disk'
// does.
func apply(t *testing.T, img, bundle string, key ed25519.PrivateKey) {
	t.Helper()
	data, err := os.ReadFile(bundle)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(img, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	esp, err := disk.OpenESP(f)
	if err != nil {
		t.Fatal(err)
	}
	res, err := update.Apply(esp, bytes.NewReader(data), update.ApplyOptions{PublicKey: key.Public().(ed25519.PublicKey), Board: board.QEMUx86_64.Name})
	if err != nil {
		t.Fatalf("update.Apply(%s) = %v", filepath.Base(bundle), err)
	}
	t.Logf("installed %s into slot %s (%s)", res.Release, res.Entry.Slot, res.Entry.FileName())
}

// wantEntries checks the image's loader entries, in boot order, and
// returns them.
func wantEntries(t *testing.T, img string, want ...string) []update.Entry {
	t.Helper()
	f, err := os.Open(img)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	esp, err := disk.OpenESP(f)
	if err != nil {
		t.Fatal(err)
	}
	es, err := update.Entries(esp)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range es {
		got = append(got, e.FileName())
	}
	if !slices.Equal(got, want) {
		t.Fatalf("loader entries = %q, want %q", got, want)
	}
	return es
}
