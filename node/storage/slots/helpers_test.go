package slots_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"math/rand/v2"
	"sync/atomic"
	"testing"

	"github.com/ipfs/go-cid"

	"github.com/cairn-node/cairn/accel"
	"github.com/cairn-node/cairn/accel/acceltest"
	"github.com/cairn-node/cairn/accel/poseidon2"
	"github.com/cairn-node/cairn/accel/sha256x"
	"github.com/cairn-node/cairn/node/storage"
	"github.com/cairn-node/cairn/node/storage/dataset"
	"github.com/cairn-node/cairn/node/storage/ec"
	"github.com/cairn-node/cairn/node/storage/pebblestore"
)

// backends returns the Poseidon2 kernels of every CPU backend available
// here (go always, simd where built).
func backends(t testing.TB) []accel.Poseidon2 {
	t.Helper()
	var ps []accel.Poseidon2
	for _, b := range acceltest.CPUBackends() {
		p, err := poseidon2.New(b)
		if err != nil {
			t.Logf("poseidon2 %s: %v", b, err)
			continue
		}
		ps = append(ps, p)
	}
	if len(ps) == 0 {
		t.Fatal("no Poseidon2 backend")
	}
	return ps
}

// frDec parses a decimal field element.
func frDec(t testing.TB, s string) accel.Fr {
	t.Helper()
	v, ok := new(big.Int).SetString(s, 10)
	if !ok {
		t.Fatalf("bad decimal %q", s)
	}
	x, err := poseidon2.FrFromBig(v)
	if err != nil {
		t.Fatal(err)
	}
	return x
}

func hasher(t testing.TB) accel.SHA256 {
	t.Helper()
	h, err := sha256x.New(accel.SIMD)
	if err != nil {
		if h, err = sha256x.New(accel.Go); err != nil {
			t.Fatal(err)
		}
	}
	return h
}

// randomBytes returns n reproducible random bytes.
func randomBytes(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// ecDataset uploads size random bytes with blockSize blocks into a real
// pebblestore in a temporary directory, erasure-codes them with K, M and
// opens the protected dataset.
func ecDataset(t testing.TB, size, blockSize, k, m int) (*ec.Dataset, cid.Cid) {
	d, pc, _ := ecStore(t, size, blockSize, k, m)
	return d, pc
}

// ecStore is ecDataset, also returning the store.
func ecStore(t testing.TB, size, blockSize, k, m int) (*ec.Dataset, cid.Cid, storage.Store) {
	t.Helper()
	ctx := context.Background()
	s, err := pebblestore.Open(ctx, pebblestore.Options{
		Dir: t.TempDir(), Hasher: hasher(t), Layout: pebblestore.LayoutSegments, MaintenanceInterval: -1,
		Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	im, err := dataset.Import(ctx, s, bytes.NewReader(randomBytes(uint64(size), size)), dataset.ImportOptions{
		Options: dataset.Options{Hasher: hasher(t), BlockSize: blockSize}, Filename: "data.bin",
	})
	if err != nil {
		t.Fatal(err)
	}
	opts := ec.Options{Hasher: hasher(t), Logger: slog.New(slog.DiscardHandler)}
	pc, err := ec.Encode(ctx, s, im.ManifestCID, k, m, opts)
	if err != nil {
		t.Fatal(err)
	}
	d, err := ec.Open(ctx, s, pc, opts)
	if err != nil {
		t.Fatal(err)
	}
	return d, pc, s
}

// losingStore reports one block as lost (storage.ErrNotFound) on every
// read, as a store whose disk lost it does; writes go through.
type losingStore struct {
	storage.Store
	lost cid.Cid
	hits *atomic.Int32 // reads of lost
}

func (l losingStore) Get(ctx context.Context, c cid.Cid) ([]byte, error) {
	if c == l.lost {
		l.hits.Add(1)
		return nil, fmt.Errorf("get %s: %w", c, storage.ErrNotFound)
	}
	return l.Store.Get(ctx, c)
}

func (l losingStore) GetMany(ctx context.Context, cs []cid.Cid) ([][]byte, error) {
	out, err := l.Store.GetMany(ctx, cs)
	if err != nil {
		return out, err
	}
	var errs []error
	for i, c := range cs {
		if c == l.lost {
			l.hits.Add(1)
			out[i] = nil
			errs = append(errs, fmt.Errorf("get %s: %w", c, storage.ErrNotFound))
		}
	}
	return out, errors.Join(errs...)
}
