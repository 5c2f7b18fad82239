package pebblestore_test

import (
	"bytes"
	"context"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/ipfs/go-cid"

	"github.com/cairn-node/cairn/node/storage"
	"github.com/cairn-node/cairn/node/storage/cids"
	"github.com/cairn-node/cairn/node/storage/pebblestore"
)

// A block stored under a CID that is not its hash reads back as corrupt:
// the check is on read, whatever the layout.
func TestWrongCIDReadsCorrupt(t *testing.T) {
	forLayouts(t, func(t *testing.T, l pebblestore.Layout) {
		ctx := context.Background()
		s := open(t, pebblestore.Options{Dir: t.TempDir(), Layout: l})
		rng := rand.New(rand.NewPCG(1, 1))
		p, _ := block(rng, 64<<10)
		_, other := block(rng, 64<<10)
		if err := s.Put(ctx, other, p); err != nil {
			t.Fatal(err)
		}
		if got, err := s.Get(ctx, other); !errors.Is(err, storage.ErrCorrupt) || got != nil {
			t.Fatalf("Get(block under a wrong CID) = %d bytes, %v; want nil, ErrCorrupt", len(got), err)
		}
		if ok, _ := s.Has(ctx, other); ok {
			t.Error("Has(corrupt) = true")
		}
		// A CID that is not sha2-256 is refused.
		v0, err := cid.Decode("QmdfTbBqBPQ7VNxZEYEj14VmRuZBkqFbiwReogJgS1zR1n")
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Put(ctx, v0, p); !errors.Is(err, cids.ErrInvalid) {
			t.Errorf("Put(CIDv0) = %v, want cids.ErrInvalid", err)
		}
	})
}

// Deleting one of two datasets whose blocks interleave in the segments
// leaves half-empty segments; maintenance rewrites them and removes the
// old files, and every surviving block still reads back.
func TestSegmentCollection(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	// About half of each segment dies; 0.6 has them all collected.
	opts := pebblestore.Options{Dir: dir, Layout: pebblestore.LayoutSegments, SegmentBytes: 1 << 20, SegmentGCRatio: 0.6}
	s := open(t, opts)
	rng := rand.New(rand.NewPCG(2, 2))
	ba, bb := s.NewBatch(), s.NewBatch()
	var da, db storage.NewDataset
	datas := map[cid.Cid][]byte{}
	for i := 0; i < 64; i++ { // 4 MiB each, interleaved
		for _, x := range []struct {
			b storage.Batch
			d *storage.NewDataset
		}{{ba, &da}, {bb, &db}} {
			p, c := block(rng, 64<<10)
			if err := x.b.Put(ctx, c, p); err != nil {
				t.Fatal(err)
			}
			x.d.Blocks = append(x.d.Blocks, c)
			datas[c] = p
		}
	}
	for i, x := range []struct {
		b storage.Batch
		d *storage.NewDataset
	}{{ba, &da}, {bb, &db}} {
		x.d.ManifestBytes = []byte{byte(i)}
		x.d.Manifest = cids.Manifest(x.d.ManifestBytes)
		if err := x.b.CommitDataset(ctx, *x.d); err != nil {
			t.Fatal(err)
		}
	}
	segs := func() int {
		m, _ := filepath.Glob(filepath.Join(dir, "segments", "*.seg"))
		return len(m)
	}
	before := segs()
	if st, err := s.Maintain(ctx); err != nil || st.Segments != 0 {
		t.Fatalf("Maintain with nothing dead = %+v, %v", st, err)
	}
	if err := s.DeleteDataset(ctx, da.Manifest); err != nil {
		t.Fatal(err)
	}
	st, err := s.Maintain(ctx)
	if err != nil {
		t.Fatal(err)
	}
	after := segs()
	t.Logf("segments: %d before, %d after; Maintain = %+v", before, after, st)
	if st.Segments != before-1 || after > before/2+2 {
		t.Errorf("Maintain collected %d of %d segments, %d left; want the half-dead ones rewritten", st.Segments, before, after)
	}
	check := func() {
		t.Helper()
		bs, err := s.GetMany(ctx, db.Blocks)
		if err != nil {
			t.Fatalf("GetMany(survivor) = %v", err)
		}
		for i, c := range db.Blocks {
			if !bytes.Equal(bs[i], datas[c]) {
				t.Fatalf("block %d differs after collection", i)
			}
		}
	}
	check()
	sp, _ := s.Space()
	if sp.TotalBlocks != 65 {
		t.Errorf("Space = %+v, want 65 blocks", sp)
	}
	s.Close()
	s = open(t, opts)
	check()
	if st, err := s.Maintain(ctx); err != nil || st.Segments != 0 {
		t.Errorf("Maintain after reopen = %+v, %v, want nothing to collect", st, err)
	}
	if sp2, _ := s.Space(); sp2 != sp {
		t.Errorf("Space after reopen = %+v, want %+v", sp2, sp)
	}
}

// Uploads, deletions, reads and maintenance from several goroutines, with
// blocks shared by every dataset; then the invariants (run with -race).
func TestConcurrentUse(t *testing.T) {
	forLayouts(t, func(t *testing.T, l pebblestore.Layout) {
		ctx := context.Background()
		s := open(t, pebblestore.Options{Dir: t.TempDir(), Layout: l, SegmentBytes: 1 << 20, MaintenanceBatch: 3})
		rng := rand.New(rand.NewPCG(3, 3))
		var common [][]byte
		var commonCIDs []cid.Cid
		for i := 0; i < 3; i++ {
			p, c := block(rng, 4096)
			common, commonCIDs = append(common, p), append(commonCIDs, c)
		}
		var mu sync.Mutex
		committed, deleting, deleted := map[string]bool{}, map[string]bool{}, map[string]bool{}
		mark := func(set map[string]bool) func(cid.Cid) {
			return func(m cid.Cid) { mu.Lock(); set[m.KeyString()] = true; mu.Unlock() }
		}
		var wg sync.WaitGroup
		steps := 12
		if testing.Short() {
			steps = 4
		}
		for g := 0; g < 4; g++ {
			u := &uploader{s: s, rng: rand.New(rand.NewPCG(uint64(g), 5)), datas: map[cid.Cid][]byte{},
				size: 8 << 10, common: common, commonCIDs: commonCIDs,
				committed: mark(committed), deleting: mark(deleting), deleted: mark(deleted)}
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < steps; i++ {
					if err := u.step(ctx); err != nil {
						t.Error(err)
						return
					}
				}
			}()
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < steps; i++ {
				if _, err := s.Maintain(ctx); err != nil {
					t.Error(err)
				}
				// Absent before the first commit; never corrupt.
				if _, err := s.GetMany(ctx, commonCIDs); err != nil && !errors.Is(err, storage.ErrNotFound) {
					t.Error(err)
				}
			}
		}()
		wg.Wait()
		if _, err := s.Maintain(ctx); err != nil {
			t.Fatal(err)
		}
		checkConsistent(t, s, committed, deleting, deleted, true)
	})
}

func TestOptions(t *testing.T) {
	for _, l := range []pebblestore.Layout{pebblestore.LayoutDefault, pebblestore.LayoutSegments, pebblestore.LayoutBlobs} {
		got, err := pebblestore.ParseLayout(l.String())
		if err != nil || got != l {
			t.Errorf("ParseLayout(%q) = %v, %v, want %v", l.String(), got, err, l)
		}
	}
	if _, err := pebblestore.ParseLayout("inline"); err == nil {
		t.Error("ParseLayout(inline) = nil error")
	}
	var o pebblestore.Options
	o.EnsureDefaults()
	if err := o.Validate(); err == nil {
		t.Error("Validate() without Dir = nil")
	}
	if o.QuotaBytes != 20<<30 || o.TTL != pebblestore.DefaultTTL || o.Hasher == nil || o.Logger == nil {
		t.Errorf("EnsureDefaults() = %+v", o)
	}
	if _, err := pebblestore.Open(context.Background(), pebblestore.Options{Dir: filepath.Join(t.TempDir(), "x"), SegmentBytes: 10}); err == nil {
		t.Error("Open(SegmentBytes: 10) = nil error")
	}
	if _, err := os.Stat(filepath.Join(t.TempDir(), "x")); err == nil {
		t.Error("Open with bad options created the directory")
	}
}
