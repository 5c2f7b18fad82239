package prover_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ipfs/go-cid"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/cairn-node/cairn/accel"
	"github.com/cairn-node/cairn/accel/poseidon2"
	"github.com/cairn-node/cairn/accel/sha256x"
	"github.com/cairn-node/cairn/node/storage"
	"github.com/cairn-node/cairn/node/storage/cids"
	"github.com/cairn-node/cairn/node/storage/dataset"
	"github.com/cairn-node/cairn/node/storage/ec"
	"github.com/cairn-node/cairn/node/storage/manifest"
	"github.com/cairn-node/cairn/node/storage/pebblestore"
	"github.com/cairn-node/cairn/node/storage/proofs"
	"github.com/cairn-node/cairn/node/storage/proofs/circuit"
	"github.com/cairn-node/cairn/node/storage/proofs/prover"
	"github.com/cairn-node/cairn/node/storage/slots"
)

const blockSize = 64 << 10 // 32 cells: the circuit's block tree depth 5

// lossyStore reports the blocks in lost as missing, as a store whose disk
// lost them; hits counts those reads.
type lossyStore struct {
	storage.Store
	lost map[cid.Cid]bool
	hits *atomic.Int32
}

func (l lossyStore) Get(ctx context.Context, c cid.Cid) ([]byte, error) {
	if l.lost[c] {
		l.hits.Add(1)
		return nil, fmt.Errorf("get %s: %w", c, storage.ErrNotFound)
	}
	return l.Store.Get(ctx, c)
}

func (l lossyStore) GetMany(ctx context.Context, cs []cid.Cid) ([][]byte, error) {
	out := make([][]byte, len(cs))
	var errs []error
	for i, c := range cs {
		var err error
		if out[i], err = l.Get(ctx, c); err != nil {
			errs = append(errs, err)
		}
	}
	return out, errors.Join(errs...)
}

// fixture is a 4-block dataset erasure-coded with K=2, M=1 (3 slots of 2
// blocks) in a real pebblestore, and keys for N = 1.
type fixture struct {
	store storage.Store
	pc    cid.Cid
	keys  *proofs.Keys
	ecOpt ec.Options
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	h, err := sha256x.New(accel.Go)
	if err != nil {
		t.Fatal(err)
	}
	s, err := pebblestore.Open(ctx, pebblestore.Options{
		Dir: t.TempDir(), Hasher: h, MaintenanceInterval: -1, Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	data := make([]byte, 4*blockSize)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range data {
		data[i] = byte(rng.Uint32())
	}
	im, err := dataset.Import(ctx, s, bytes.NewReader(data), dataset.ImportOptions{
		Options: dataset.Options{Hasher: h, BlockSize: blockSize}, Filename: "data.bin",
	})
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{store: s, ecOpt: ec.Options{Hasher: h, Logger: slog.New(slog.DiscardHandler)}}
	if f.pc, err = ec.Encode(ctx, s, im.ManifestCID, 2, 1, f.ecOpt); err != nil {
		t.Fatal(err)
	}
	f.keys = keysN1(t)
	return f
}

var (
	keyDir string // shared by the tests of one run
	keysMu sync.Mutex
	keys1  *proofs.Keys
)

func TestMain(m *testing.M) {
	d, err := os.MkdirTemp("", "cairn-prover-keys")
	if err != nil {
		panic(err)
	}
	keyDir = d
	code := m.Run()
	os.RemoveAll(d)
	os.Exit(code)
}

// keysN1 sets up the keys for N = 1 once per test binary, in keyDir.
func keysN1(t *testing.T) *proofs.Keys {
	t.Helper()
	keysMu.Lock()
	defer keysMu.Unlock()
	if keys1 == nil {
		k, err := proofs.Setup(context.Background(), keyDir, circuit.DefaultParams(1))
		if err != nil {
			t.Fatal(err)
		}
		keys1 = k
	}
	return keys1
}

// prove opens the dataset over store and proves slot for entropy.
func (f *fixture) prove(t *testing.T, store storage.Store, dir string, slot int, entropy *big.Int) (*prover.Result, error) {
	t.Helper()
	d, err := ec.Open(context.Background(), store, f.pc, f.ecOpt)
	if err != nil {
		t.Fatal(err)
	}
	return prover.ProveSlot(context.Background(), d, d.Manifest(), slot, entropy, f.keys, slots.Options{Dir: dir})
}

// TestProveSlot proves a slot of a stored dataset, checks the public
// inputs against the slot trees built independently, rejects wrong
// inputs, proves again through parity repair after losing the sampled
// block and fails with an error naming the block when repair is
// impossible.
func TestProveSlot(t *testing.T) {
	f := newFixture(t)
	dir := t.TempDir()
	entropy := big.NewInt(20261125)
	res, err := f.prove(t, f.store, dir, 1, entropy)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("ProveSlot(N=1, trees built): %v", res.Elapsed)
	if entries, err := os.ReadDir(dir); err != nil || len(entries) != 3 {
		t.Errorf("slot trees in %s: %d files (%v), want one per slot", dir, len(entries), err)
	}

	d, err := ec.Open(context.Background(), f.store, f.pc, f.ecOpt)
	if err != nil {
		t.Fatal(err)
	}
	ds, err := slots.BuildDataset(context.Background(), d, d.Manifest(), slots.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := res.Public.DataSetRoot, poseidon2.ToBig(ds.Root()); got.Cmp(want) != 0 || res.Public.SlotIndex != 1 || res.Public.Entropy.Cmp(entropy) != 0 {
		t.Fatalf("public inputs = %+v, want root %v, slot 1, entropy %v", res.Public, want, entropy)
	}
	ent, _ := poseidon2.FrFromBig(entropy)
	p, _ := poseidon2.New(accel.Go)
	cells, err := slots.CellIndices(p, ent, ds.Slot(1).Root(), ds.Slot(1).CellCount(), 1)
	if err != nil || len(res.Cells) != 1 || res.Cells[0] != cells[0] {
		t.Fatalf("sampled cells %v, want %v (%v)", res.Cells, cells, err)
	}
	vk := f.keys.VerifyingKey()
	root := res.Public.DataSetRoot
	if err := prover.VerifySlotProof(vk, res.Proof, entropy, root, 1); err != nil {
		t.Fatalf("VerifySlotProof(valid) = %v", err)
	}
	for name, args := range map[string]struct {
		e, r *big.Int
		slot uint64
	}{
		"slot 0":      {entropy, root, 0},
		"entropy + 1": {new(big.Int).Add(entropy, big.NewInt(1)), root, 1},
		"root + 1":    {entropy, new(big.Int).Add(root, big.NewInt(1)), 1},
	} {
		if err := prover.VerifySlotProof(vk, res.Proof, args.e, args.r, args.slot); !errors.Is(err, proofs.ErrInvalidProof) {
			t.Errorf("VerifySlotProof(%s) = %v, want ErrInvalidProof", name, err)
		}
	}

	// Lose the block holding the sampled cell: the proof repairs it.
	m := d.Manifest()
	leaf := 1 + int(res.Cells[0]/32)*ds.NumSlots() // stepped: slot + pos·NumSlots
	listed, err := f.store.DatasetBlocks(context.Background(), f.pc, leaf, 1)
	if err != nil {
		t.Fatal(err)
	}
	lossy := lossyStore{Store: f.store, lost: map[cid.Cid]bool{listed[0]: true}, hits: new(atomic.Int32)}
	again, err := f.prove(t, lossy, dir, 1, entropy)
	if err != nil {
		t.Fatalf("ProveSlot with leaf %d lost, parity intact = %v", leaf, err)
	}
	if lossy.hits.Load() == 0 {
		t.Error("the lost block was never read")
	}
	if err := prover.VerifySlotProof(vk, again.Proof, entropy, root, 1); err != nil {
		t.Errorf("proof after repair: %v", err)
	}

	// Lose every block: nothing to repair from.
	all, err := f.store.DatasetBlocks(context.Background(), f.pc, 0, int(m.BlocksCount()))
	if err != nil {
		t.Fatal(err)
	}
	gone := lossyStore{Store: f.store, lost: map[cid.Cid]bool{}, hits: new(atomic.Int32)}
	for _, c := range all {
		gone.lost[c] = true
	}
	_, err = f.prove(t, gone, dir, 1, entropy)
	t.Logf("every block lost: %v", err)
	if !errors.Is(err, slots.ErrBlock) || !strings.Contains(err.Error(), fmt.Sprintf("leaf %d", leaf)) {
		t.Errorf("ProveSlot with every block lost = %v, want ErrBlock naming leaf %d", err, leaf)
	}
}

// TestProveSlotBadInput checks the errors of requests that cannot be
// proved.
func TestProveSlotBadInput(t *testing.T) {
	f := newFixture(t)
	dir := t.TempDir()
	for name, c := range map[string]struct {
		slot    int
		entropy *big.Int
	}{
		"slot 3 of 3":   {3, big.NewInt(1)},
		"entropy ≥ r":   {0, poseidon2.Modulus()},
		"nil entropy":   {0, nil},
		"negative slot": {-1, big.NewInt(1)},
	} {
		if _, err := f.prove(t, f.store, dir, c.slot, c.entropy); !errors.Is(err, prover.ErrInput) {
			t.Errorf("%s: %v, want ErrInput", name, err)
		}
	}
	if _, err := prover.ProveSlot(context.Background(), nil, nil, 0, big.NewInt(1), f.keys, slots.Options{Dir: dir}); !errors.Is(err, prover.ErrInput) {
		t.Errorf("nil manifest: %v, want ErrInput", err)
	}
}

// gather returns the value of the named metric with label cid=c (or the
// unlabelled one when c is empty), and whether it exists.
func gather(t *testing.T, reg *prometheus.Registry, name, c string) (float64, bool) {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			if c != "" && (len(m.GetLabel()) != 1 || m.GetLabel()[0].GetValue() != c) {
				continue
			}
			if g := m.GetGauge(); g != nil {
				return g.GetValue(), true
			}
			return m.GetCounter().GetValue(), true
		}
	}
	return 0, false
}

// histCount returns the sample count of the series of histogram name
// whose "prover" label is where.
func histCount(t *testing.T, reg *prometheus.Registry, name, where string) uint64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var n uint64
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "prover" && l.GetValue() == where {
					n += m.GetHistogram().GetSampleCount()
				}
			}
		}
	}
	return n
}

// TestSelfCheck runs the self-check on a stored dataset: it passes (gauge
// 1), then fails once every block is lost (gauge 0, one failure), and the
// gauge goes when the dataset is deleted.
func TestSelfCheck(t *testing.T) {
	f := newFixture(t)
	dir := serviceDir(t, f.keys)
	lossy := lossyStore{Store: f.store, lost: map[cid.Cid]bool{}, hits: new(atomic.Int32)}
	reg := prometheus.NewRegistry()
	svc := prover.NewService(prover.Options{Store: lossy, Dir: dir, EC: f.ecOpt, Registerer: reg, Logger: slog.New(slog.DiscardHandler)})
	defer svc.Close()
	ctx := context.Background()
	pc := cids.String(f.pc)

	c, ok := svc.SelfCheckOnce(ctx)
	if !ok || c.Err != nil || c.CID != f.pc || c.Slot < 0 || c.Slot > 2 {
		t.Fatalf("SelfCheckOnce = %+v, %v; want a passing check of %s", c, ok, pc)
	}
	if v, ok := gather(t, reg, "cairn_storage_proof_selfcheck_ok", pc); !ok || v != 1 {
		t.Errorf("gauge after a pass = %v (present %v), want 1", v, ok)
	}
	if n := histCount(t, reg, "cairn_storage_proof_duration_seconds", "local"); n != 1 {
		t.Errorf("proof durations observed locally = %d, want 1", n)
	}

	all, err := f.store.DatasetBlocks(ctx, f.pc, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range all {
		lossy.lost[b] = true
	}
	c, ok = svc.SelfCheckOnce(ctx)
	if !ok || !errors.Is(c.Err, slots.ErrBlock) {
		t.Fatalf("SelfCheckOnce with every block lost = %+v, %v; want ErrBlock", c, ok)
	}
	if v, _ := gather(t, reg, "cairn_storage_proof_selfcheck_ok", pc); v != 0 {
		t.Errorf("gauge after a failure = %v, want 0", v)
	}
	if v, _ := gather(t, reg, "cairn_storage_proof_selfcheck_failures_total", ""); v != 1 {
		t.Errorf("failures = %v, want 1", v)
	}

	if err := f.store.DeleteDataset(ctx, f.pc); err != nil {
		t.Fatal(err)
	}
	if _, ok := svc.SelfCheckOnce(ctx); ok {
		t.Error("SelfCheckOnce with no dataset reported a check")
	}
	if _, ok := gather(t, reg, "cairn_storage_proof_selfcheck_ok", pc); ok {
		t.Error("the gauge of a deleted dataset is still there")
	}
}

// serviceDir returns a Service directory holding the key file of k (set
// up for this run), so that the service loads instead of generating.
func serviceDir(t *testing.T, k *proofs.Keys) string {
	t.Helper()
	dir := t.TempDir()
	name := proofs.KeyFileName(k.Params(), k.Digest())
	raw, err := os.ReadFile(filepath.Join(keyDir, name))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "keys"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "keys", name), raw, 0o600); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestServiceKeys checks the lazy key setup: a request that does not wait
// long enough gets ErrSetupRunning while the setup goes on, later ones get
// the same keys, and sample counts out of range are ErrInput.
func TestServiceKeys(t *testing.T) {
	dir := serviceDir(t, keysN1(t))
	svc := prover.NewService(prover.Options{Dir: dir, SetupWait: time.Nanosecond, MaxSamples: 10, Logger: slog.New(slog.DiscardHandler)})
	defer svc.Close()
	ctx := context.Background()
	if _, err := svc.Keys(ctx, 1); !errors.Is(err, prover.ErrSetupRunning) {
		t.Fatalf("Keys(1) with a 1 ns wait = %v, want ErrSetupRunning", err)
	}
	if ra := svc.RetryAfter(1); ra < 5*time.Second || ra > time.Minute {
		t.Errorf("RetryAfter(1) = %v, want 5 s..1 min", ra)
	}
	var got *proofs.Keys
	for deadline := time.Now().Add(30 * time.Second); got == nil; {
		k, err := svc.Keys(ctx, 1)
		switch {
		case err == nil:
			got = k
		case !errors.Is(err, prover.ErrSetupRunning) || time.Now().After(deadline):
			t.Fatalf("Keys(1) = %v", err)
		default:
			time.Sleep(10 * time.Millisecond)
		}
	}
	if !got.FromCache() || got.Params() != circuit.DefaultParams(1) {
		t.Errorf("keys: from cache %v, params %v; want the cached N = 1 keys", got.FromCache(), got.Params())
	}
	if again, err := svc.Keys(ctx, 1); err != nil || again != got {
		t.Errorf("second Keys(1) = %p, %v; want the same keys %p", again, err, got)
	}
	for _, n := range []int{0, -1, 11} {
		if _, err := svc.Keys(ctx, n); !errors.Is(err, prover.ErrInput) {
			t.Errorf("Keys(%d) = %v, want ErrInput", n, err)
		}
	}
}

// TestSelfCheckAll proves every slot of the stored dataset, which leaves
// one slot-tree file per slot; once the dataset is deleted, the next round
// deletes its slot trees too.
func TestSelfCheckAll(t *testing.T) {
	f := newFixture(t)
	dir := serviceDir(t, f.keys)
	reg := prometheus.NewRegistry()
	svc := prover.NewService(prover.Options{Store: f.store, Dir: dir, EC: f.ecOpt, Registerer: reg, Logger: slog.New(slog.DiscardHandler)})
	defer svc.Close()
	ctx := context.Background()

	if failed := svc.SelfCheckAll(ctx); len(failed) != 0 {
		t.Fatalf("SelfCheckAll = %+v, want every slot proved", failed)
	}
	if v, ok := gather(t, reg, "cairn_storage_proof_selfcheck_ok", cids.String(f.pc)); !ok || v != 1 {
		t.Errorf("gauge = %v (present %v), want 1", v, ok)
	}
	slotFiles := func() []string {
		entries, err := os.ReadDir(filepath.Join(dir, "slots"))
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		return names
	}
	raw, err := f.store.Get(ctx, f.pc)
	if err != nil {
		t.Fatal(err)
	}
	m, _, err := manifest.Decode(raw)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(slotFiles()), int(m.Erasure.K+m.Erasure.M); got != want {
		t.Errorf("%d slot-tree files after a full round (%v), want one per slot, %d", got, slotFiles(), want)
	}
	if err := f.store.DeleteDataset(ctx, f.pc); err != nil {
		t.Fatal(err)
	}
	if failed := svc.SelfCheckAll(ctx); len(failed) != 0 {
		t.Errorf("SelfCheckAll with no dataset = %+v", failed)
	}
	if names := slotFiles(); len(names) != 0 {
		t.Errorf("slot trees of the deleted dataset are left: %v", names)
	}
}
