package ec_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/ipfs/go-cid"

	"github.com/cairn-node/cairn/accel"
	"github.com/cairn-node/cairn/accel/sha256x"
	"github.com/cairn-node/cairn/node/storage"
	"github.com/cairn-node/cairn/node/storage/cids"
	"github.com/cairn-node/cairn/node/storage/dataset"
	"github.com/cairn-node/cairn/node/storage/ec"
	"github.com/cairn-node/cairn/node/storage/manifest"
	"github.com/cairn-node/cairn/node/storage/pebblestore"
)

// testBlockSize keeps the tests fast: the smallest block size upstream
// accepts.
const testBlockSize = 4096

func hasher(t testing.TB) accel.SHA256 {
	t.Helper()
	h, err := sha256x.New(accel.SIMD)
	if err != nil {
		t.Logf("no SIMD hasher (%v); using go", err)
		if h, err = sha256x.New(accel.Go); err != nil {
			t.Fatal(err)
		}
	}
	return h
}

// testOptions are the options of the tests: the test hasher, no logs.
func testOptions(t testing.TB) ec.Options {
	return ec.Options{Hasher: hasher(t), Logger: slog.New(slog.DiscardHandler)}
}

// testStore is a real pebblestore in a temporary directory, with segment
// files so that tests can damage block bodies on disk.
type testStore struct {
	*pebblestore.Store
	dir string
}

func openStore(t testing.TB) *testStore {
	t.Helper()
	dir := t.TempDir()
	s, err := pebblestore.Open(context.Background(), pebblestore.Options{
		Dir: dir, Hasher: hasher(t), Layout: pebblestore.LayoutSegments, MaintenanceInterval: -1,
		Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return &testStore{Store: s, dir: dir}
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

// putPlain stores data as a plain dataset, as an upload does, and returns
// its manifest CID and block CIDs.
func putPlain(t testing.TB, s storage.Store, data []byte) (cid.Cid, *manifest.Manifest, []cid.Cid) {
	t.Helper()
	ctx := context.Background()
	im, err := dataset.Import(ctx, s, bytes.NewReader(data), dataset.ImportOptions{
		Options:  dataset.Options{Hasher: hasher(t), BlockSize: testBlockSize},
		Filename: "data.bin", Mimetype: "application/octet-stream",
	})
	if err != nil {
		t.Fatal(err)
	}
	mc, m := im.ManifestCID, im.Manifest
	blocks := make([]cid.Cid, len(im.Digests))
	for i := range blocks {
		blocks[i] = im.BlockCID(i)
	}
	return mc, m, blocks
}

// geometry recomputes §6 independently of package ec.
type geometry struct{ b, k, m, rounded, steps, total int }

func newGeometry(b, k, m int) geometry {
	rounded := (b + k - 1) / k * k
	steps := rounded / k
	return geometry{b, k, m, rounded, steps, rounded + steps*m}
}

// column returns the tree indices of column s: K data indices
// s, s+steps, …, then the M parity indices rounded + s + j·steps.
func (g geometry) column(s int) []int {
	var idx []int
	for r := 0; r < g.k; r++ {
		idx = append(idx, s+r*g.steps)
	}
	for j := 0; j < g.m; j++ {
		idx = append(idx, g.rounded+s+j*g.steps)
	}
	return idx
}

// dataBlock returns block i of data, zero-padded to the block size, or
// blockSize zeros for padding indices.
func dataBlock(data []byte, i int) []byte {
	blk := make([]byte, testBlockSize)
	if lo := i * testBlockSize; lo < len(data) {
		copy(blk, data[lo:min(len(data), lo+testBlockSize)])
	}
	return blk
}

// treeRoot is the §3 SHA-256 tree, written from the spec with
// crypto/sha256 to check accel/merkle independently.
func treeRoot(leaves [][32]byte) [32]byte {
	layer := leaves
	for bottom := true; bottom || len(layer) > 1; bottom = false {
		var next [][32]byte
		for i := 0; i < len(layer); i += 2 {
			var buf [65]byte
			copy(buf[:32], layer[i][:])
			odd := i+1 == len(layer)
			if !odd {
				copy(buf[32:64], layer[i+1][:])
			}
			switch {
			case bottom && odd:
				buf[64] = 3
			case odd:
				buf[64] = 2
			case bottom:
				buf[64] = 1
			}
			next = append(next, sha256.Sum256(buf[:]))
		}
		layer = next
	}
	return layer[0]
}

// corruptOnDisk flips a byte in the middle of every stored body of block
// c in the store's segment files (record: u32 LE length, u8 CID length,
// CID, body), as a damaged disk would. The store then reads the block as
// storage.ErrCorrupt.
func (s *testStore) corruptOnDisk(t testing.TB, c cid.Cid) {
	t.Helper()
	key := c.Bytes()
	files, err := filepath.Glob(filepath.Join(s.dir, "segments", "*.seg"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no segment files in %s: %v", s.dir, err)
	}
	found := false
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for off := 0; ; {
			i := bytes.Index(b[off:], key)
			if i < 0 {
				break
			}
			pos := off + i
			off = pos + 1
			if pos < 5 || int(b[pos-1]) != len(key) {
				continue
			}
			n := int(binary.LittleEndian.Uint32(b[pos-5:]))
			body := pos + len(key)
			if n == 0 || body+n > len(b) {
				continue
			}
			at := body + n/2
			fh, err := os.OpenFile(f, os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := fh.WriteAt([]byte{b[at] ^ 0x5a}, int64(at)); err != nil {
				t.Fatal(err)
			}
			if err := fh.Close(); err != nil {
				t.Fatal(err)
			}
			found = true
		}
	}
	if !found {
		t.Fatalf("block %s not found in the segment files", cids.String(c))
	}
}

// lossyStore wraps a store and hides blocks, as if they were lost: reads
// report storage.ErrNotFound until the block is Put again (directly or by
// a committed batch).
type lossyStore struct {
	storage.Store
	mu     sync.Mutex
	hidden map[cid.Cid]bool
}

func newLossy(s storage.Store) *lossyStore { return &lossyStore{Store: s, hidden: map[cid.Cid]bool{}} }

func (l *lossyStore) hide(cs ...cid.Cid) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, c := range cs {
		l.hidden[c] = true
	}
}

func (l *lossyStore) isHidden(c cid.Cid) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.hidden[c]
}

func (l *lossyStore) reveal(cs ...cid.Cid) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, c := range cs {
		delete(l.hidden, c)
	}
}

func (l *lossyStore) Get(ctx context.Context, c cid.Cid) ([]byte, error) {
	if l.isHidden(c) {
		return nil, fmt.Errorf("get %s: %w", cids.String(c), storage.ErrNotFound)
	}
	return l.Store.Get(ctx, c)
}

func (l *lossyStore) GetMany(ctx context.Context, cs []cid.Cid) ([][]byte, error) {
	var visible []cid.Cid
	var at []int
	var errs []error
	for i, c := range cs {
		if l.isHidden(c) {
			errs = append(errs, fmt.Errorf("get %s: %w", cids.String(c), storage.ErrNotFound))
			continue
		}
		visible = append(visible, c)
		at = append(at, i)
	}
	got, err := l.Store.GetMany(ctx, visible)
	if got == nil && err != nil {
		return nil, err
	}
	out := make([][]byte, len(cs))
	for x, i := range at {
		out[i] = got[x]
	}
	return out, errors.Join(append(errs, err)...)
}

func (l *lossyStore) Has(ctx context.Context, c cid.Cid) (bool, error) {
	if l.isHidden(c) {
		return false, nil
	}
	return l.Store.Has(ctx, c)
}

func (l *lossyStore) Put(ctx context.Context, c cid.Cid, data []byte) error {
	if err := l.Store.Put(ctx, c, data); err != nil {
		return err
	}
	l.reveal(c)
	return nil
}

func (l *lossyStore) NewBatch() storage.Batch { return &lossyBatch{Batch: l.Store.NewBatch(), l: l} }

type lossyBatch struct {
	storage.Batch
	l      *lossyStore
	staged []cid.Cid
}

func (b *lossyBatch) Put(ctx context.Context, c cid.Cid, data []byte) error {
	if err := b.Batch.Put(ctx, c, data); err != nil {
		return err
	}
	b.staged = append(b.staged, c)
	return nil
}

func (b *lossyBatch) Commit(ctx context.Context) error {
	if err := b.Batch.Commit(ctx); err != nil {
		return err
	}
	b.l.reveal(b.staged...)
	return nil
}

func (b *lossyBatch) CommitDataset(ctx context.Context, d storage.NewDataset) error {
	if err := b.Batch.CommitDataset(ctx, d); err != nil {
		return err
	}
	b.l.reveal(b.staged...)
	return nil
}
