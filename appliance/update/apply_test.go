package update_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cairn-node/cairn/appliance/update"
)

// fakeESP returns a directory laid out as a fresh image's ESP.
func fakeESP(t *testing.T) (string, update.ESP) {
	t.Helper()
	dir := t.TempDir()
	esp := update.DirESP(dir)
	e := update.NewEntry("Cairn (test)", "console=ttyS0 panic=-1 cairn.trial_deadline=20s")
	for name, data := range map[string][]byte{
		update.LoaderConf:        []byte(update.LoaderConfig),
		update.SlotA.Kernel():    []byte("old kernel"),
		update.SlotA.Initrd():    []byte("old initrd"),
		e.Path():                 e.Marshal(),
		update.EntriesDir + "/x": []byte("not an entry"),
	} {
		if err := esp.WriteFile(name, data); err != nil {
			t.Fatal(err)
		}
	}
	return dir, esp
}

// entryNames lists the entry files in boot order.
func entryNames(t *testing.T, esp update.ESP) []string {
	t.Helper()
	es, err := update.Entries(esp)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.FileName())
	}
	return names
}

// bootOnce does what systemd-boot does to the first entry in boot order
// (decrement its counter) and returns it.
func bootOnce(t *testing.T, dir string, esp update.ESP) update.Entry {
	t.Helper()
	es, _ := update.Entries(esp)
	e := es[0]
	if e.Status() == update.StatusTrial {
		old := e.Path()
		e.TriesLeft--
		e.TriesDone++
		if err := os.Rename(filepath.Join(dir, old), filepath.Join(dir, e.Path())); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

func TestApplyRollbackAndCommit(t *testing.T) {
	dir, esp := fakeESP(t)
	sk, pub := testKey(t, 1)
	opts := update.ApplyOptions{PublicKey: pub, Board: "qemu-x86_64", Running: update.SlotA}

	res, err := update.Apply(esp, bytes.NewReader(testBundle(t, sk, "qemu-x86_64", "r2")), opts)
	if err != nil {
		t.Fatalf("Apply() = %v", err)
	}
	if res.Entry.Slot != update.SlotB || res.Release != "r2" {
		t.Errorf("Apply() = %+v, want slot b, release r2", res)
	}
	if got, _ := esp.ReadFile(update.SlotB.Kernel()); string(got) != "kernel of r2" {
		t.Errorf("slot b kernel = %q", got)
	}
	if got, _ := esp.ReadFile(update.SlotA.Kernel()); string(got) != "old kernel" {
		t.Errorf("Apply touched the running slot: kernel a = %q", got)
	}
	if got, want := entryNames(t, esp), []string{"cairn-b+1.conf", "cairn-a.conf"}; !slices.Equal(got, want) {
		t.Errorf("entries after Apply = %q, want %q", got, want)
	}
	// Applying again before the trial boot replaces the pending update,
	// still in slot b: slot a stays the committed fallback.
	if res, err := update.Apply(esp, bytes.NewReader(testBundle(t, sk, "qemu-x86_64", "r2")), update.ApplyOptions{PublicKey: pub}); err != nil || res.Entry.Slot != update.SlotB {
		t.Errorf("Apply() again, offline = %+v, %v; want slot b", res, err)
	}
	// First boot: the trial; its options say so and keep the old ones.
	e := bootOnce(t, dir, esp)
	if _, err := update.Apply(esp, bytes.NewReader(testBundle(t, sk, "qemu-x86_64", "r9")), update.ApplyOptions{PublicKey: pub, Running: update.SlotB}); !errors.Is(err, update.ErrTrialPending) {
		t.Errorf("Apply() on a node running a trial = %v, want ErrTrialPending", err)
	}
	b, err := update.ParseBoot(e.Options)
	if err != nil || b.Slot != update.SlotB || !b.Trial || b.Deadline != 20*time.Second {
		t.Errorf("trial entry options %q parse to %+v, %v", e.Options, b, err)
	}
	// Not committed: the next boot is slot a again.
	if e := bootOnce(t, dir, esp); e.Slot != update.SlotA {
		t.Errorf("boot after an uncommitted trial = slot %s, want a", e.Slot)
	}
	if got, want := entryNames(t, esp), []string{"cairn-a.conf", "cairn-b+0-1.conf"}; !slices.Equal(got, want) {
		t.Errorf("entries after a failed trial = %q, want %q", got, want)
	}

	// A second update replaces the failed slot b; this one commits.
	if _, err := update.Apply(esp, bytes.NewReader(testBundle(t, sk, "qemu-x86_64", "r3")), opts); err != nil {
		t.Fatalf("Apply(r3) = %v", err)
	}
	if got, want := entryNames(t, esp), []string{"cairn-b+1.conf", "cairn-a.conf"}; !slices.Equal(got, want) {
		t.Errorf("entries after the second Apply = %q, want %q", got, want)
	}
	bootOnce(t, dir, esp)
	c, err := update.Commit(esp, update.SlotB)
	if err != nil {
		t.Fatalf("Commit() = %v", err)
	}
	if strings.Contains(c.Options, update.CmdlineTrial+"=") || c.Generation != 4 {
		t.Errorf("Commit() = %+v, want generation 4 (one above each earlier entry) without %s", c, update.CmdlineTrial)
	}
	if got, want := entryNames(t, esp), []string{"cairn-b.conf", "cairn-a.conf"}; !slices.Equal(got, want) {
		t.Errorf("entries after Commit = %q, want %q", got, want)
	}
	if _, err := update.Commit(esp, update.SlotB); err != nil {
		t.Errorf("Commit() of a committed slot = %v", err)
	}
	// The update after that goes to slot a, with b running.
	res, err = update.Apply(esp, bytes.NewReader(testBundle(t, sk, "qemu-x86_64", "r4")), update.ApplyOptions{PublicKey: pub})
	if err != nil || res.Entry.Slot != update.SlotA {
		t.Fatalf("Apply(r4) = %+v, %v; want slot a", res, err)
	}
	if got, want := entryNames(t, esp), []string{"cairn-a+1.conf", "cairn-b.conf"}; !slices.Equal(got, want) {
		t.Errorf("entries after the third Apply = %q, want %q", got, want)
	}
	if got, _ := esp.ReadFile(update.SlotB.Kernel()); string(got) != "kernel of r3" {
		t.Errorf("Apply touched the running slot b: kernel = %q", got)
	}
}

// TestNonCanonicalEntryName checks that an entry named with an explicit
// zero ("cairn-b+1-0.conf", as another tool may write it) is replaced and
// committed under its real name.
func TestNonCanonicalEntryName(t *testing.T) {
	dir, esp := fakeESP(t)
	e := update.Entry{Slot: update.SlotB, TriesLeft: 1, TriesDone: 0, Generation: 2, Options: "cairn.slot=b cairn.trial=1"}
	if err := os.WriteFile(filepath.Join(dir, update.EntriesDir, "cairn-b+1-0.conf"), e.Marshal(), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := update.Commit(esp, update.SlotB); err != nil {
		t.Fatalf("Commit() = %v", err)
	}
	if got, want := entryNames(t, esp), []string{"cairn-b.conf", "cairn-a.conf"}; !slices.Equal(got, want) {
		t.Errorf("entries after Commit = %q, want %q", got, want)
	}
}

func TestApplyVerifiesBeforeWriting(t *testing.T) {
	dir, esp := fakeESP(t)
	sk, pub := testKey(t, 1)
	_, otherPub := testKey(t, 2)
	before := snapshot(t, dir)
	for _, tc := range []struct {
		name string
		opts update.ApplyOptions
		want error
	}{
		{"wrong key", update.ApplyOptions{PublicKey: otherPub}, update.ErrSignature},
		{"wrong board", update.ApplyOptions{PublicKey: pub, Board: "qemu-arm64"}, update.ErrBoard},
	} {
		_, err := update.Apply(esp, bytes.NewReader(testBundle(t, sk, "qemu-x86_64", "r2")), tc.opts)
		if !errors.Is(err, tc.want) {
			t.Errorf("Apply(%s) = %v, want %v", tc.name, err, tc.want)
		}
	}
	if after := snapshot(t, dir); !slices.Equal(before, after) {
		t.Errorf("a rejected bundle changed the ESP: %q, was %q", after, before)
	}
}

// snapshot lists the files under dir with their contents.
func snapshot(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		out = append(out, rel+"="+string(data))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestTrial(t *testing.T) {
	ctx := context.Background()
	healthyAfter := func(n int) func(context.Context) bool {
		return func(context.Context) bool { n--; return n < 0 }
	}
	committed := 0
	commit := func() error { committed++; return nil }
	if err := update.Trial(ctx, 10*time.Second, healthyAfter(1), commit); err != nil || committed != 1 {
		t.Errorf("Trial(healthy on the 2nd poll) = %v, %d commits; want nil, 1", err, committed)
	}
	if err := update.Trial(ctx, 1500*time.Millisecond, healthyAfter(1000), commit); !errors.Is(err, update.ErrTrialFailed) || committed != 1 {
		t.Errorf("Trial(never healthy) = %v, %d commits; want ErrTrialFailed, 1", err, committed)
	}
}
