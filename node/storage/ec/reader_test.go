package ec_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/cairn-node/cairn/node/storage"
	"github.com/cairn-node/cairn/node/storage/cids"
	"github.com/cairn-node/cairn/node/storage/ec"
	"github.com/cairn-node/cairn/node/storage/manifest"
)

// fixture is a plain dataset and its protected form in a real store,
// reached through a lossyStore so that tests can lose blocks.
type fixture struct {
	disk  *testStore
	store *lossyStore
	data  []byte
	pc    cid.Cid
	g     geometry
	list  []cid.Cid // the protected block list
}

func newFixture(t *testing.T, seed uint64, size, k, m int) *fixture {
	t.Helper()
	ctx := context.Background()
	disk := openStore(t)
	data := randomBytes(seed, size)
	plain, _, blocks := putPlain(t, disk, data)
	pc, err := ec.Encode(ctx, disk, plain, k, m, testOptions(t))
	if err != nil {
		t.Fatal(err)
	}
	list, err := disk.DatasetBlocks(ctx, pc, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{disk: disk, store: newLossy(disk), data: data, pc: pc, g: newGeometry(len(blocks), k, m), list: list}
}

// lose damages the blocks at tree indices idx, alternately corrupting
// them on disk and hiding them (missing), and returns their CIDs.
func (f *fixture) lose(t *testing.T, idx ...int) []cid.Cid {
	t.Helper()
	var cs []cid.Cid
	for n, i := range idx {
		c := f.list[i]
		if n%2 == 0 {
			f.disk.corruptOnDisk(t, c)
		} else {
			f.store.hide(c)
		}
		cs = append(cs, c)
	}
	return cs
}

// nonPadding returns the rows of column s that are not padding.
func (g geometry) nonPadding(s int) []int {
	var rows []int
	for r, i := range g.column(s) {
		if r >= g.k || i < g.b {
			rows = append(rows, r)
		}
	}
	return rows
}

// checkStored fails unless every block cs reads back whole from the
// store.
func checkStored(t *testing.T, s storage.Store, cs []cid.Cid) {
	t.Helper()
	for _, c := range cs {
		b, err := s.Get(context.Background(), c)
		if err != nil || cids.Block(b) != c {
			t.Errorf("block %s after the read: %v; want it repaired", cids.String(c), err)
		}
	}
}

func TestReaderRepairsEveryColumn(t *testing.T) {
	for _, tt := range []struct {
		name       string
		size, k, m int
		batchBytes int
	}{
		{"B=10 K=3 M=2", 10*testBlockSize - 1234, 3, 2, 0},
		{"B=50 K=6 M=3 small read-ahead", 50*testBlockSize - 1, 6, 3, 5 * testBlockSize},
		{"B=9 K=3 M=3", 9 * testBlockSize, 3, 3, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			f := newFixture(t, 11, tt.size, tt.k, tt.m)
			// In every column lose M blocks: one data block first (so that
			// reading the data meets the damage), then a rotation of the
			// others, data and parity.
			var idx []int
			for s := 0; s < f.g.steps; s++ {
				col, rows := f.g.column(s), f.g.nonPadding(s)
				var data []int // non-padding data rows
				for _, r := range rows {
					if r < tt.k {
						data = append(data, r)
					}
				}
				lost := []int{data[s%len(data)]}
				for x := 1; len(lost) < tt.m; x++ {
					r := rows[(s+x)%len(rows)]
					if !slices.Contains(lost, r) {
						lost = append(lost, r)
					}
				}
				for _, r := range lost {
					idx = append(idx, col[r])
				}
			}
			lostCIDs := f.lose(t, idx...)
			t.Logf("lost %d blocks of %d: %v", len(idx), f.g.total, idx)

			opts := testOptions(t)
			opts.BatchBytes = tt.batchBytes
			rd, err := ec.NewReader(ctx, f.store, f.pc, opts)
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(rd)
			if err != nil {
				t.Fatalf("ReadAll = %v", err)
			}
			if len(got) != len(f.data) || sha256.Sum256(got) != sha256.Sum256(f.data) {
				t.Fatalf("read %d bytes (sha256 %x), want the %d original bytes (%x)", len(got), sha256.Sum256(got), len(f.data), sha256.Sum256(f.data))
			}
			checkStored(t, f.store, lostCIDs)
			checkStored(t, f.disk, lostCIDs)
			rep, err := ec.Scrub(ctx, f.store, f.pc, opts)
			if err != nil || rep.Missing+rep.Corrupt+rep.Repaired != 0 {
				t.Errorf("Scrub after the read = %+v, %v; want nothing left to repair", rep, err)
			}
		})
	}
}

func TestReaderTooManyLost(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, 12, 10*testBlockSize-99, 3, 2) // steps 4, rounded 12
	// Column 1: data 1 and 5, parity 13: M+1 = 3 losses.
	f.lose(t, 1, 5, 13)
	d, err := ec.Open(ctx, f.store, f.pc, testOptions(t))
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(d.NewReader(ctx))
	var ce *ec.ColumnError
	if !errors.As(err, &ce) || !errors.Is(err, ec.ErrUnrecoverable) {
		t.Fatalf("ReadAll = %v, want a *ColumnError", err)
	}
	t.Logf("ReadAll error: %v", err)
	if ce.Column != 1 || !slices.Equal(ce.Lost, []int{1, 5, 13}) || ce.K != 3 || ce.M != 2 {
		t.Errorf("ColumnError = %+v, want column 1, lost [1 5 13]", ce)
	}
	if !bytes.Equal(got, f.data[:testBlockSize]) {
		t.Errorf("ReadAll returned %d bytes, want block 0 (%d bytes) and nothing after it", len(got), testBlockSize)
	}
	// Other columns still read: block 2 (column 2) and block 4 (column 0).
	rd := d.NewReader(ctx)
	for _, i := range []int{2, 4} {
		if _, err := rd.Seek(int64(i*testBlockSize), io.SeekStart); err != nil {
			t.Fatal(err)
		}
		blk := make([]byte, testBlockSize)
		if _, err := io.ReadFull(rd, blk); err != nil || !bytes.Equal(blk, f.data[i*testBlockSize:(i+1)*testBlockSize]) {
			t.Errorf("block %d: %v, or wrong bytes", i, err)
		}
	}
	if _, err := d.ReadBlock(ctx, 13); !errors.As(err, &ce) || ce.Column != 1 {
		t.Errorf("ReadBlock(13) = %v, want column 1 unrecoverable", err)
	}
	if b, err := d.ReadBlock(ctx, 9); err != nil || !bytes.Equal(b, dataBlock(f.data, 9)) {
		t.Errorf("ReadBlock(9) = %v, or wrong bytes", err)
	}
}

func TestReadBlock(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, 13, 13*testBlockSize, 4, 3) // steps 4, rounded 16, padding 13..15
	lost := f.lose(t, 2, 16+2, 16+4+1)             // data 2, parity 0 of column 2, parity 1 of column 1
	d, err := ec.Open(ctx, f.store, f.pc, testOptions(t))
	if err != nil {
		t.Fatal(err)
	}
	if d.Geometry().Total != f.g.total || d.Size() != int64(len(f.data)) || d.CID() != f.pc {
		t.Errorf("Open: geometry %+v, size %d", d.Geometry(), d.Size())
	}
	for i := 0; i < f.g.total; i++ {
		b, err := d.ReadBlock(ctx, i)
		switch {
		case err != nil:
			t.Errorf("ReadBlock(%d) = %v", i, err)
		case i < f.g.b && !bytes.Equal(b, dataBlock(f.data, i)):
			t.Errorf("ReadBlock(%d) returned other bytes than data block %d", i, i)
		case i >= f.g.b && i < f.g.rounded && len(b) != 0:
			t.Errorf("ReadBlock(padding %d) = %d bytes, want 0", i, len(b))
		case i >= f.g.rounded && cids.Block(b) != f.list[i]:
			t.Errorf("ReadBlock(parity %d) does not hash to its CID", i)
		}
	}
	checkStored(t, f.disk, lost)
	for _, i := range []int{-1, f.g.total} {
		if _, err := d.ReadBlock(ctx, i); err == nil {
			t.Errorf("ReadBlock(%d) = nil error, want out of range", i)
		}
	}
}

func TestReaderSeekAndRange(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, 14, 20*testBlockSize-321, 4, 2) // steps 5
	f.lose(t, 3, 7, 13)                                // columns 3, 2 and 3 again
	opts := testOptions(t)
	opts.BatchBytes = 3 * testBlockSize
	rd, err := ec.NewReader(ctx, f.store, f.pc, opts)
	if err != nil {
		t.Fatal(err)
	}
	size := int64(len(f.data))
	if rd.Size() != size {
		t.Fatalf("Size() = %d, want %d", rd.Size(), size)
	}
	rnd := rand.New(rand.NewPCG(1, 2))
	for range 40 {
		off := rnd.Int64N(size)
		n := 1 + rnd.Int64N(3*testBlockSize)
		if pos, err := rd.Seek(off, io.SeekStart); err != nil || pos != off {
			t.Fatalf("Seek(%d) = %d, %v", off, pos, err)
		}
		got := make([]byte, n)
		k, err := io.ReadFull(rd, got)
		want := f.data[off:min(size, off+n)]
		if !bytes.Equal(got[:k], want) || (err != nil && int64(k) != size-off) {
			t.Fatalf("read %d bytes at %d = %d bytes, %v; want %d", n, off, k, err, len(want))
		}
	}
	if pos, err := rd.Seek(-10, io.SeekEnd); err != nil || pos != size-10 {
		t.Fatalf("Seek(-10, end) = %d, %v", pos, err)
	}
	if pos, err := rd.Seek(4, io.SeekCurrent); err != nil || pos != size-6 {
		t.Fatalf("Seek(4, current) = %d, %v", pos, err)
	}
	tail, err := io.ReadAll(rd)
	if err != nil || !bytes.Equal(tail, f.data[size-6:]) {
		t.Errorf("tail = %x, %v; want %x", tail, err, f.data[size-6:])
	}
	if _, err := rd.Seek(-1, io.SeekStart); err == nil {
		t.Error("Seek(-1) = nil error")
	}
	if _, err := rd.Seek(size+5, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	if n, err := rd.Read(make([]byte, 8)); n != 0 || err != io.EOF {
		t.Errorf("Read past the end = %d, %v; want 0, EOF", n, err)
	}

	// http.ServeContent turns a Range request into seeks.
	req := httptest.NewRequest(http.MethodGet, "/data", nil)
	req.Header.Set("Range", "bytes=5000-30000")
	w := httptest.NewRecorder()
	http.ServeContent(w, req, "", time.Time{}, rd)
	if w.Code != http.StatusPartialContent || !bytes.Equal(w.Body.Bytes(), f.data[5000:30001]) {
		t.Errorf("Range bytes=5000-30000: status %d, %d bytes; want 206 and %d bytes", w.Code, w.Body.Len(), 30001-5000)
	}
}

// TestInconsistentParity: a column whose parity was not computed from its
// data must not give rebuilt bytes back, nor store them.
func TestInconsistentParity(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, 15, 6*testBlockSize, 3, 2) // steps 2, parity 6..9
	enc, err := f.disk.Get(ctx, f.pc)
	if err != nil {
		t.Fatal(err)
	}
	m, _, err := manifest.Decode(enc)
	if err != nil {
		t.Fatal(err)
	}
	// Parity 0 of column 0 replaced by unrelated bytes, under a new tree.
	bogus := randomBytes(99, testBlockSize)
	list := slices.Clone(f.list)
	list[6] = cids.Block(bogus)
	leaves := make([][32]byte, len(list))
	for i, c := range list {
		leaves[i], _ = cids.Digest(c)
	}
	m.TreeCID = cids.Tree(treeRoot(leaves))
	mc, menc, err := m.CID(manifest.LayoutCodex)
	if err != nil {
		t.Fatal(err)
	}
	b := f.disk.NewBatch()
	defer b.Discard()
	if err := b.Put(ctx, list[6], bogus); err != nil {
		t.Fatal(err)
	}
	if err := b.CommitDataset(ctx, storage.NewDataset{Manifest: mc, ManifestBytes: menc, Tree: m.TreeCID, Blocks: list}); err != nil {
		t.Fatal(err)
	}

	f.store.hide(list[0], list[2]) // data 0 and 2 of column 0
	d, err := ec.Open(ctx, f.store, mc, testOptions(t))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := d.ReadBlock(ctx, 0); !errors.Is(err, ec.ErrInconsistent) || got != nil {
		t.Errorf("ReadBlock(0) = %d bytes, %v; want %v", len(got), err, ec.ErrInconsistent)
	} else {
		t.Logf("ReadBlock(0) = %v", err)
	}
	if _, err := io.ReadAll(d.NewReader(ctx)); !errors.Is(err, ec.ErrInconsistent) {
		t.Errorf("ReadAll = %v, want %v", err, ec.ErrInconsistent)
	}
	if ok, _ := f.store.Has(ctx, list[0]); ok {
		t.Error("block 0 came back from a wrong rebuild")
	}
	// Column 1 is untouched and reads.
	if got, err := d.ReadBlock(ctx, 1); err != nil || !bytes.Equal(got, dataBlock(f.data, 1)) {
		t.Errorf("ReadBlock(1) = %v, or wrong bytes", err)
	}
}
