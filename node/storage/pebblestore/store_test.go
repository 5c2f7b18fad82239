package pebblestore_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/cairn-node/cairn/accel"
	"github.com/cairn-node/cairn/accel/sha256x"
	"github.com/cairn-node/cairn/node/storage"
	"github.com/cairn-node/cairn/node/storage/cids"
	"github.com/cairn-node/cairn/node/storage/pebblestore"
)

var layouts = []pebblestore.Layout{pebblestore.LayoutSegments, pebblestore.LayoutBlobs}

func hasher(t testing.TB) accel.SHA256 {
	h, err := sha256x.New(accel.SIMD)
	if errors.Is(err, accel.ErrUnavailable) {
		h, err = sha256x.New(accel.Go)
	}
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func open(t testing.TB, o pebblestore.Options) *pebblestore.Store {
	t.Helper()
	if o.Hasher == nil {
		o.Hasher = hasher(t)
	}
	if o.MaintenanceInterval == 0 {
		o.MaintenanceInterval = -1
	}
	s, err := pebblestore.Open(context.Background(), o)
	if err != nil {
		t.Fatalf("Open(%s) = %v", o.Dir, err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// block returns n random bytes and their block CID.
func block(rng *rand.Rand, n int) ([]byte, cid.Cid) {
	p := make([]byte, n)
	for i := range p {
		p[i] = byte(rng.Uint32())
	}
	return p, cids.Block(p)
}

// dataset stages n random blocks of size bytes in b and returns the
// dataset to commit with them.
func dataset(t testing.TB, ctx context.Context, b storage.Batch, rng *rand.Rand, n, size int) (storage.NewDataset, [][]byte) {
	t.Helper()
	d := storage.NewDataset{}
	var datas [][]byte
	for i := 0; i < n; i++ {
		p, c := block(rng, size)
		if err := b.Put(ctx, c, p); err != nil {
			t.Fatalf("Batch.Put(block %d) = %v", i, err)
		}
		d.Blocks = append(d.Blocks, c)
		datas = append(datas, p)
	}
	d.ManifestBytes = []byte(fmt.Sprintf("manifest %d blocks %x", n, rng.Uint64()))
	d.Manifest = cids.Manifest(d.ManifestBytes)
	var root [32]byte
	copy(root[:], d.ManifestBytes)
	d.Tree = cids.Tree(root)
	return d, datas
}

func forLayouts(t *testing.T, f func(t *testing.T, l pebblestore.Layout)) {
	for _, l := range layouts {
		t.Run(l.String(), func(t *testing.T) { f(t, l) })
	}
}

func TestPutGetHasDelete(t *testing.T) {
	forLayouts(t, func(t *testing.T, l pebblestore.Layout) {
		ctx := context.Background()
		s := open(t, pebblestore.Options{Dir: t.TempDir(), Layout: l})
		rng := rand.New(rand.NewPCG(1, 2))
		p, c := block(rng, 64<<10)
		if ok, err := s.Has(ctx, c); ok || err != nil {
			t.Fatalf("Has(absent) = %v, %v, want false, nil", ok, err)
		}
		if _, err := s.Get(ctx, c); !errors.Is(err, storage.ErrNotFound) {
			t.Fatalf("Get(absent) = %v, want ErrNotFound", err)
		}
		if err := s.Put(ctx, c, p); err != nil {
			t.Fatalf("Put = %v", err)
		}
		if err := s.Put(ctx, c, p); err != nil {
			t.Fatalf("Put again = %v", err)
		}
		if ok, err := s.Has(ctx, c); !ok || err != nil {
			t.Fatalf("Has = %v, %v, want true, nil", ok, err)
		}
		got, err := s.Get(ctx, c)
		if err != nil || !bytes.Equal(got, p) {
			t.Fatalf("Get = %d bytes, %v; want the %d put", len(got), err, len(p))
		}
		sp, _ := s.Space()
		if sp.TotalBlocks != 1 || sp.QuotaUsedBytes != 64<<10 || sp.QuotaReservedBytes != 0 || sp.QuotaMaxBytes != pebblestore.DefaultQuotaBytes {
			t.Errorf("Space() = %+v, want 1 block of 64 KiB, default quota", sp)
		}
		p2, c2 := block(rng, 100)
		bs, err := s.GetMany(ctx, []cid.Cid{c, c2, c})
		if !errors.Is(err, storage.ErrNotFound) || bs == nil || bs[1] != nil || !bytes.Equal(bs[0], p) || !bytes.Equal(bs[2], p) {
			t.Fatalf("GetMany(c, absent, c) = %v, want blocks 0 and 2 and ErrNotFound", err)
		}
		if err := s.Put(ctx, c2, p2); err != nil {
			t.Fatal(err)
		}
		if err := s.Delete(ctx, c); err != nil {
			t.Fatalf("Delete = %v", err)
		}
		if err := s.Delete(ctx, c); err != nil {
			t.Fatalf("Delete(absent) = %v, want nil", err)
		}
		if ok, _ := s.Has(ctx, c); ok {
			t.Fatal("Has after Delete = true")
		}
		if sp, _ := s.Space(); sp.TotalBlocks != 1 || sp.QuotaUsedBytes != 100 {
			t.Errorf("Space() after Delete = %+v, want 1 block of 100 bytes", sp)
		}
		// Empty block (the erasure padding CID).
		if err := s.Put(ctx, cids.EmptyBlock, nil); err != nil {
			t.Fatal(err)
		}
		if got, err := s.Get(ctx, cids.EmptyBlock); err != nil || len(got) != 0 {
			t.Fatalf("Get(empty) = %v, %v", got, err)
		}
	})
}

func TestDatasetsShareBlocks(t *testing.T) {
	forLayouts(t, func(t *testing.T, l pebblestore.Layout) {
		ctx := context.Background()
		dir := t.TempDir()
		s := open(t, pebblestore.Options{Dir: dir, Layout: l})
		rng := rand.New(rand.NewPCG(3, 4))
		b := s.NewBatch()
		d1, data1 := dataset(t, ctx, b, rng, 5, 8<<10)
		if err := b.CommitDataset(ctx, d1); err != nil {
			t.Fatalf("CommitDataset = %v", err)
		}
		// d2 lists two of d1's blocks (one twice) and a new one.
		b = s.NewBatch()
		pNew, cNew := block(rng, 8<<10)
		if err := b.Put(ctx, d1.Blocks[0], data1[0]); err != nil {
			t.Fatal(err)
		}
		if err := b.Put(ctx, cNew, pNew); err != nil {
			t.Fatal(err)
		}
		d2 := storage.NewDataset{ManifestBytes: []byte("d2"), Blocks: []cid.Cid{d1.Blocks[0], cNew, d1.Blocks[1], d1.Blocks[1]}}
		d2.Manifest = cids.Manifest(d2.ManifestBytes)
		if err := b.CommitDataset(ctx, d2); err != nil {
			t.Fatalf("CommitDataset(d2) = %v", err)
		}
		ds, err := s.Datasets(ctx)
		if err != nil || len(ds) != 2 {
			t.Fatalf("Datasets = %v, %v, want 2", ds, err)
		}
		info, err := s.Dataset(ctx, d2.Manifest)
		if err != nil || info.Blocks != 4 || info.Bytes != 4*8<<10+2 {
			t.Fatalf("Dataset(d2) = %+v, %v", info, err)
		}
		got, err := s.DatasetBlocks(ctx, d2.Manifest, 1, 2)
		if err != nil || len(got) != 2 || !got[0].Equals(cNew) || !got[1].Equals(d1.Blocks[1]) {
			t.Fatalf("DatasetBlocks(d2, 1, 2) = %v, %v", got, err)
		}
		if m, err := s.Get(ctx, d1.Manifest); err != nil || !bytes.Equal(m, d1.ManifestBytes) {
			t.Fatalf("Get(manifest) = %q, %v", m, err)
		}
		// A block of a dataset survives Delete.
		if err := s.Delete(ctx, d1.Blocks[2]); err != nil {
			t.Fatal(err)
		}
		if ok, _ := s.Has(ctx, d1.Blocks[2]); !ok {
			t.Fatal("Delete removed a block that a dataset lists")
		}
		if err := s.DeleteDataset(ctx, d1.Manifest); err != nil {
			t.Fatalf("DeleteDataset = %v", err)
		}
		if _, err := s.Dataset(ctx, d1.Manifest); !errors.Is(err, storage.ErrNotFound) {
			t.Fatalf("Dataset(deleted) = %v, want ErrNotFound", err)
		}
		for i, c := range d1.Blocks {
			ok, _ := s.Has(ctx, c)
			if want := i < 2; ok != want {
				t.Errorf("after deleting d1: Has(block %d) = %v, want %v", i, ok, want)
			}
		}
		if ok, _ := s.Has(ctx, d1.Manifest); ok {
			t.Error("d1's manifest survived its dataset")
		}
		sp, _ := s.Space()
		if want := uint64(3*8<<10 + 2); sp.QuotaUsedBytes != want || sp.TotalBlocks != 4 {
			t.Errorf("Space = %+v, want %d bytes in 4 blocks", sp, want)
		}
		// Counts survive a reopen.
		s.Close()
		s = open(t, pebblestore.Options{Dir: dir})
		if s.Layout() != l {
			t.Errorf("reopened Layout() = %v, want %v", s.Layout(), l)
		}
		if sp2, _ := s.Space(); sp2 != sp {
			t.Errorf("Space after reopen = %+v, want %+v", sp2, sp)
		}
		if err := s.DeleteDataset(ctx, d2.Manifest); err != nil {
			t.Fatal(err)
		}
		if sp, _ := s.Space(); sp.TotalBlocks != 0 || sp.QuotaUsedBytes != 0 {
			t.Errorf("Space after deleting all = %+v, want empty", sp)
		}
	})
}

func TestCommitDatasetMissingBlock(t *testing.T) {
	forLayouts(t, func(t *testing.T, l pebblestore.Layout) {
		ctx := context.Background()
		s := open(t, pebblestore.Options{Dir: t.TempDir(), Layout: l})
		rng := rand.New(rand.NewPCG(5, 6))
		b := s.NewBatch()
		d, _ := dataset(t, ctx, b, rng, 3, 1000)
		_, absent := block(rng, 10)
		d.Blocks = append(d.Blocks, absent)
		if err := b.CommitDataset(ctx, d); !errors.Is(err, storage.ErrNotFound) {
			t.Fatalf("CommitDataset(missing block) = %v, want ErrNotFound", err)
		}
		b.Discard()
		if ds, _ := s.Datasets(ctx); len(ds) != 0 {
			t.Fatalf("Datasets = %v after a failed commit", ds)
		}
		if sp, _ := s.Space(); sp != (storage.Space{QuotaMaxBytes: sp.QuotaMaxBytes}) {
			t.Fatalf("Space = %+v after a failed commit, want empty", sp)
		}
		for _, c := range d.Blocks {
			if ok, _ := s.Has(ctx, c); ok {
				t.Fatalf("Has(%s) after failed commit", cids.String(c))
			}
		}
	})
}

func TestQuotaExceededLeavesNothing(t *testing.T) {
	forLayouts(t, func(t *testing.T, l pebblestore.Layout) {
		ctx := context.Background()
		dir := t.TempDir()
		const bs = 4096
		s := open(t, pebblestore.Options{Dir: dir, Layout: l, QuotaBytes: 10 * bs})
		rng := rand.New(rand.NewPCG(7, 8))
		b := s.NewBatch()
		d, _ := dataset(t, ctx, b, rng, 6, bs)
		d.ManifestBytes = make([]byte, bs) // a block's worth, to keep sums round
		d.Manifest = cids.Manifest(d.ManifestBytes)
		if err := b.CommitDataset(ctx, d); err != nil {
			t.Fatal(err)
		}
		before, _ := s.Space()
		if before.QuotaUsedBytes != 7*bs {
			t.Fatalf("Space = %+v, want 7 blocks used", before)
		}
		b = s.NewBatch()
		var staged []cid.Cid
		var err error
		for i := 0; i < 5 && err == nil; i++ {
			p, c := block(rng, bs)
			if err = b.Put(ctx, c, p); err == nil {
				staged = append(staged, c)
			}
		}
		if !errors.Is(err, storage.ErrQuotaExceeded) || len(staged) != 3 {
			t.Fatalf("Batch.Put beyond quota = %v after %d blocks, want ErrQuotaExceeded after 3", err, len(staged))
		}
		if sp, _ := s.Space(); sp.QuotaReservedBytes != 3*bs {
			t.Errorf("Space = %+v, want 3 blocks reserved", sp)
		}
		p, c := block(rng, bs)
		if err := s.Put(ctx, c, p); !errors.Is(err, storage.ErrQuotaExceeded) {
			t.Fatalf("Put with the quota reserved = %v, want ErrQuotaExceeded", err)
		}
		if err := b.Discard(); err != nil {
			t.Fatal(err)
		}
		if sp, _ := s.Space(); sp != before {
			t.Errorf("Space after Discard = %+v, want %+v", sp, before)
		}
		for _, c := range append(staged, c) {
			if ok, _ := s.Has(ctx, c); ok {
				t.Errorf("Has(%s) = true after a refused write", cids.String(c))
			}
		}
		// A Put that does not fit at all writes nothing either.
		big, cb := block(rng, 4*bs)
		if err := s.Put(ctx, cb, big); !errors.Is(err, storage.ErrQuotaExceeded) {
			t.Fatalf("Put(4 blocks over a 3-block margin) = %v, want ErrQuotaExceeded", err)
		}
		s.Close()
		s = open(t, pebblestore.Options{Dir: dir, QuotaBytes: 10 * bs})
		if sp, _ := s.Space(); sp != before {
			t.Errorf("Space after reopen = %+v, want %+v", sp, before)
		}
		if ok, _ := s.Has(ctx, cb); ok {
			t.Error("refused block visible after reopen")
		}
		if ds, _ := s.Datasets(ctx); len(ds) != 1 {
			t.Errorf("Datasets = %d after reopen, want 1", len(ds))
		}
		// Freed space is usable again.
		if err := s.Put(ctx, c, p); err != nil {
			t.Fatalf("Put within quota = %v", err)
		}
	})
}

func TestExpiry(t *testing.T) {
	forLayouts(t, func(t *testing.T, l pebblestore.Layout) {
		ctx := context.Background()
		now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		clock := func() time.Time { return now }
		s := open(t, pebblestore.Options{Dir: t.TempDir(), Layout: l, Now: clock, MaintenanceBatch: 2})
		rng := rand.New(rand.NewPCG(9, 10))
		b := s.NewBatch()
		dA, _ := dataset(t, ctx, b, rng, 5, 1024)
		if err := b.CommitDataset(ctx, dA); err != nil {
			t.Fatal(err)
		}
		b = s.NewBatch()
		dB := storage.NewDataset{ManifestBytes: []byte("B"), Blocks: dA.Blocks[:2]}
		dB.Manifest = cids.Manifest(dB.ManifestBytes)
		if err := b.CommitDataset(ctx, dB); err != nil {
			t.Fatal(err)
		}
		pl, cl := block(rng, 99)
		if err := s.Put(ctx, cl, pl); err != nil {
			t.Fatal(err)
		}
		info, _ := s.Dataset(ctx, dA.Manifest)
		if want := now.Add(pebblestore.DefaultTTL); !info.Expires.Equal(want) || !info.Created.Equal(now) {
			t.Errorf("Dataset = %+v, want created now, expiring in 30 days", info)
		}
		if err := s.SetDatasetExpiry(ctx, dB.Manifest, now.Add(60*24*time.Hour)); err != nil {
			t.Fatal(err)
		}
		now = now.Add(pebblestore.DefaultTTL - time.Second)
		if st, err := s.Maintain(ctx); err != nil || st != (pebblestore.MaintainStats{}) {
			t.Fatalf("Maintain before expiry = %+v, %v, want nothing done", st, err)
		}
		now = now.Add(2 * time.Second)
		st, err := s.Maintain(ctx)
		if err != nil {
			t.Fatal(err)
		}
		// A (3 own blocks + manifest) and the loose block go; B keeps two.
		if st.Datasets != 1 || st.Blocks != 5 {
			t.Errorf("Maintain = %+v, want 1 dataset and 5 blocks", st)
		}
		if _, err := s.Dataset(ctx, dA.Manifest); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("expired dataset: Dataset = %v", err)
		}
		for i, c := range dA.Blocks {
			if ok, _ := s.Has(ctx, c); ok != (i < 2) {
				t.Errorf("Has(A block %d) = %v after expiry", i, ok)
			}
		}
		if ok, _ := s.Has(ctx, cl); ok {
			t.Error("expired loose block still there")
		}
		if sp, _ := s.Space(); sp.TotalBlocks != 3 {
			t.Errorf("Space = %+v, want 3 blocks (B's two and its manifest)", sp)
		}
		// Rewriting refreshes: a loose block put again lives on.
		if err := s.Put(ctx, cl, pl); err != nil {
			t.Fatal(err)
		}
		now = now.Add(pebblestore.DefaultTTL / 2)
		if err := s.Put(ctx, cl, pl); err != nil {
			t.Fatal(err)
		}
		now = now.Add(pebblestore.DefaultTTL/2 + time.Hour)
		if _, err := s.Maintain(ctx); err != nil {
			t.Fatal(err)
		}
		if ok, _ := s.Has(ctx, cl); !ok {
			t.Error("a refreshed loose block expired on its first expiry")
		}
		if _, err := s.Dataset(ctx, dB.Manifest); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("B past its 60 days: Dataset = %v", err)
		}
	})
}

func TestCloseTwiceAndAfterClose(t *testing.T) {
	forLayouts(t, func(t *testing.T, l pebblestore.Layout) {
		ctx := context.Background()
		s, err := pebblestore.Open(ctx, pebblestore.Options{Dir: t.TempDir(), Layout: l, Hasher: hasher(t), MaintenanceInterval: time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Start(); err != nil {
			t.Fatal(err)
		}
		b := s.NewBatch()
		p, c := block(rand.New(rand.NewPCG(1, 1)), 10)
		if err := b.Put(ctx, c, p); err != nil {
			t.Fatal(err)
		}
		time.Sleep(5 * time.Millisecond) // let maintenance run
		if err := s.Close(); err != nil {
			t.Fatalf("Close = %v", err)
		}
		if err := s.Close(); err != nil {
			t.Fatalf("second Close = %v", err)
		}
		checks := map[string]error{
			"Put":         s.Put(ctx, c, p),
			"Batch.Put":   b.Put(ctx, c, p),
			"Commit":      b.Commit(ctx),
			"Delete":      s.Delete(ctx, c),
			"DeleteDS":    s.DeleteDataset(ctx, c),
			"SetExpiry":   s.SetDatasetExpiry(ctx, c, time.Now()),
			"Start":       s.Start(),
			"NewBatchPut": s.NewBatch().Put(ctx, c, p),
		}
		_, checks["Get"] = s.Get(ctx, c)
		_, checks["Has"] = s.Has(ctx, c)
		_, checks["Space"] = s.Space()
		_, checks["Datasets"] = s.Datasets(ctx)
		_, checks["Maintain"] = s.Maintain(ctx)
		for name, err := range checks {
			if !errors.Is(err, storage.ErrClosed) {
				t.Errorf("%s after Close = %v, want ErrClosed", name, err)
			}
		}
		if err := b.Discard(); err != nil {
			t.Errorf("Discard after Close = %v", err)
		}
	})
}

func TestLayoutIsKept(t *testing.T) {
	dir := t.TempDir()
	s := open(t, pebblestore.Options{Dir: dir})
	if s.Layout() != pebblestore.LayoutSegments {
		t.Fatalf("new store Layout() = %v, want segments", s.Layout())
	}
	s.Close()
	_, err := pebblestore.Open(context.Background(), pebblestore.Options{Dir: dir, Layout: pebblestore.LayoutBlobs, Hasher: hasher(t)})
	if err == nil || !strings.Contains(err.Error(), "layout segments") {
		t.Fatalf("Open(segments store, blobs) = %v, want a layout error", err)
	}
}

// corruptFiles flips one byte of every copy of needle in the store's
// files except pebble's logs (WAL, MANIFEST, OPTIONS), and returns the
// files changed.
func corruptFiles(t *testing.T, dir string, needle []byte) []string {
	t.Helper()
	var changed []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		base := filepath.Base(path)
		if strings.HasSuffix(base, ".log") || strings.HasPrefix(base, "MANIFEST") || strings.HasPrefix(base, "OPTIONS") {
			return nil
		}
		raw, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		hit := false
		for off := 0; ; {
			i := bytes.Index(raw[off:], needle)
			if i < 0 {
				break
			}
			raw[off+i+len(needle)/2] ^= 0x01
			off += i + len(needle)
			hit = true
		}
		if hit {
			changed = append(changed, base)
			return os.WriteFile(path, raw, 0o644)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return changed
}

func TestCorruptBlockOnDisk(t *testing.T) {
	forLayouts(t, func(t *testing.T, l pebblestore.Layout) {
		ctx := context.Background()
		dir := t.TempDir()
		s := open(t, pebblestore.Options{Dir: dir, Layout: l})
		rng := rand.New(rand.NewPCG(11, 12))
		b := s.NewBatch()
		d, datas := dataset(t, ctx, b, rng, 4, 64<<10)
		if err := b.CommitDataset(ctx, d); err != nil {
			t.Fatal(err)
		}
		if err := s.Flush(); err != nil {
			t.Fatal(err)
		}
		s.Close()
		victim := 2
		files := corruptFiles(t, dir, datas[victim][1000:1064])
		if len(files) == 0 {
			t.Fatalf("block bytes not found in any file under %s", dir)
		}
		t.Logf("flipped a byte of block %d in %v", victim, files)
		s = open(t, pebblestore.Options{Dir: dir})
		got, err := s.Get(ctx, d.Blocks[victim])
		if !errors.Is(err, storage.ErrCorrupt) || got != nil {
			t.Fatalf("Get(corrupted block) = %d bytes, %v; want nil, ErrCorrupt", len(got), err)
		}
		t.Logf("Get(corrupted block) = %v", err)
		bs, err := s.GetMany(ctx, d.Blocks)
		if !errors.Is(err, storage.ErrCorrupt) {
			t.Fatalf("GetMany = %v, want ErrCorrupt", err)
		}
		for i := range d.Blocks {
			if (bs[i] == nil) != (i == victim) || (bs[i] != nil && !bytes.Equal(bs[i], datas[i])) {
				t.Errorf("GetMany block %d = %d bytes", i, len(bs[i]))
			}
		}
		if ok, _ := s.Has(ctx, d.Blocks[victim]); ok {
			t.Error("Has(corrupt block) = true, want false once a read found it")
		}
		// Repair: Put the good bytes again.
		if err := s.Put(ctx, d.Blocks[victim], datas[victim]); err != nil {
			t.Fatalf("Put(repair) = %v", err)
		}
		if got, err := s.Get(ctx, d.Blocks[victim]); err != nil || !bytes.Equal(got, datas[victim]) {
			t.Fatalf("Get after repair = %v", err)
		}
		if sp, _ := s.Space(); sp.TotalBlocks != 5 {
			t.Errorf("Space after repair = %+v, want 5 blocks", sp)
		}
	})
}
