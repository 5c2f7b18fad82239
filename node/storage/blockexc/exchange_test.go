package blockexc_test

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ipfs/go-cid"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/cairn-node/cairn/node/storage"
	"github.com/cairn-node/cairn/node/storage/blockexc"
	"github.com/cairn-node/cairn/node/storage/cids"
)

const mib = 1 << 20

func TestFetch(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	a, b, c, d := newNode(t, nodeOpts{}), newNode(t, nodeOpts{}), newNode(t, nodeOpts{}), newNode(t, nodeOpts{})
	data := randomBytes(24*mib+12345, 1) // last block padded
	m, res := upload(t, a, data, 0)
	wantManifest, _ := readDataset(t, a.store, m)
	total := uint64(len(res.Digests))

	t.Run("B from A", func(t *testing.T) {
		connect(t, b, a)
		var calls int
		var last blockexc.Progress
		err := b.x.Fetch(ctx, a.h.ID(), m, blockexc.WithProgress(func(p blockexc.Progress) {
			calls++
			if p.Blocks < last.Blocks || p.Bytes < last.Bytes {
				t.Errorf("progress went back: %+v after %+v", p, last)
			}
			last = p
		}))
		if err != nil {
			t.Fatalf("Fetch() = %v", err)
		}
		checkDataset(t, b.store, m, wantManifest, data)
		if calls == 0 || last.Blocks != total || last.TotalBlocks != total || last.Bytes != total*uint64(res.BlockSize) {
			t.Errorf("last progress %+v after %d calls, want %d blocks of %d bytes", last, calls, total, res.BlockSize)
		}
		info, err := b.store.Dataset(ctx, m)
		if err != nil || info.Tree != res.TreeCID || uint64(info.Blocks) != total {
			t.Errorf("Dataset() = %+v, %v; want tree %s, %d blocks", info, err, cids.String(res.TreeCID), total)
		}
		// Fetching again is a no-op.
		if err := b.x.Fetch(ctx, a.h.ID(), m); err != nil {
			t.Errorf("second Fetch() = %v", err)
		}
	})
	t.Run("C from B", func(t *testing.T) {
		connect(t, c, b) // C knows only B
		if err := c.x.Fetch(ctx, b.h.ID(), m); err != nil {
			t.Fatalf("Fetch() = %v", err)
		}
		checkDataset(t, c.store, m, wantManifest, data)
	})
	t.Run("D from A and B", func(t *testing.T) {
		connect(t, d, a)
		connect(t, d, b)
		if err := d.x.FetchFrom(ctx, m, []peer.ID{a.h.ID(), b.h.ID()}); err != nil {
			t.Fatalf("FetchFrom() = %v", err)
		}
		checkDataset(t, d.store, m, wantManifest, data)
	})
}

func TestFetchErrors(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	a, b := newNode(t, nodeOpts{}), newNode(t, nodeOpts{})
	connect(t, b, a)
	m, _ := upload(t, a, randomBytes(300000, 2), 4096)

	t.Run("unknown manifest", func(t *testing.T) {
		err := b.x.Fetch(ctx, a.h.ID(), cids.Manifest([]byte("nope")))
		if !errors.Is(err, blockexc.ErrNotProvided) {
			t.Errorf("Fetch(unknown) = %v, want ErrNotProvided", err)
		}
	})
	t.Run("not a manifest CID", func(t *testing.T) {
		if err := b.x.Fetch(ctx, a.h.ID(), cids.Block([]byte("x"))); !errors.Is(err, cids.ErrInvalid) {
			t.Errorf("Fetch(block CID) = %v, want cids.ErrInvalid", err)
		}
	})
	t.Run("unreachable peer", func(t *testing.T) {
		other := newNode(t, nodeOpts{}) // never connected, no addresses known
		err := b.x.Fetch(ctx, other.h.ID(), m)
		if err == nil {
			t.Error("Fetch from an unknown peer = nil")
		}
	})
	t.Run("4 KiB blocks", func(t *testing.T) {
		if err := b.x.Fetch(ctx, a.h.ID(), m); err != nil {
			t.Fatalf("Fetch() = %v", err)
		}
		mb, data := readDataset(t, a.store, m)
		checkDataset(t, b.store, m, mb, data)
	})
	t.Run("closed", func(t *testing.T) {
		if err := b.x.Close(); err != nil {
			t.Fatal(err)
		}
		if err := b.x.Fetch(ctx, a.h.ID(), m); !errors.Is(err, blockexc.ErrClosed) {
			t.Errorf("Fetch after Close = %v, want ErrClosed", err)
		}
	})
}

// corruptStore serves the blocks of the store it wraps with one byte
// flipped: every block, or only the block with CID only.
type corruptStore struct {
	storage.Store
	only  cid.Cid
	reads atomic.Int64
}

func (s *corruptStore) flip(c cid.Cid, b []byte) {
	if b != nil && c.Type() == cids.CodecBlock && (!s.only.Defined() || c == s.only) {
		b[len(b)/2] ^= 0x40
	}
}

func (s *corruptStore) Get(ctx context.Context, c cid.Cid) ([]byte, error) {
	b, err := s.Store.Get(ctx, c)
	s.flip(c, b)
	return b, err
}

func (s *corruptStore) GetMany(ctx context.Context, cs []cid.Cid) ([][]byte, error) {
	s.reads.Add(1)
	bs, err := s.Store.GetMany(ctx, cs)
	for i := range bs {
		s.flip(cs[i], bs[i])
	}
	return bs, err
}

// slowStore delays every GetMany, so that a fetch from it and another
// provider is sure to ask the other one too.
type slowStore struct {
	storage.Store
	delay time.Duration
}

func (s *slowStore) GetMany(ctx context.Context, cs []cid.Cid) ([][]byte, error) {
	time.Sleep(s.delay)
	return s.Store.GetMany(ctx, cs)
}

func TestCorruptProvider(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	data := randomBytes(3*mib, 3)

	t.Run("only provider", func(t *testing.T) {
		var bad *corruptStore
		a := newNode(t, nodeOpts{wrap: func(s storage.Store) storage.Store {
			bad = &corruptStore{Store: s}
			return bad
		}})
		b := newNode(t, nodeOpts{})
		connect(t, b, a)
		m, res := upload(t, a, data, 0)
		bad.only = res.BlockCID(17) // one bad block among 48
		err := b.x.Fetch(ctx, a.h.ID(), m)
		if !errors.Is(err, blockexc.ErrInvalidBlock) {
			t.Fatalf("Fetch from a corrupt provider = %v, want ErrInvalidBlock", err)
		}
		if _, err := b.store.Dataset(ctx, m); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("Dataset() after failed fetch = %v, want ErrNotFound", err)
		}
		if sp, _ := b.store.Space(); sp.TotalBlocks != 0 || sp.QuotaUsedBytes != 0 || sp.QuotaReservedBytes != 0 {
			t.Errorf("Space() after failed fetch = %+v, want empty", sp)
		}
	})

	t.Run("retries another provider", func(t *testing.T) {
		rec := &logRecorder{}
		bad := &corruptStore{}
		a := newNode(t, nodeOpts{wrap: func(s storage.Store) storage.Store { bad.Store = s; return bad }})
		// The honest provider is slow, so the corrupt one is always asked
		// for a batch before the honest one has served everything.
		c := newNode(t, nodeOpts{wrap: func(s storage.Store) storage.Store { return &slowStore{Store: s, delay: 300 * time.Millisecond} }})
		// One stream per provider and three 1 MiB batches: while the slow
		// honest provider serves its first batch, the corrupt one must take
		// another.
		b := newNode(t, nodeOpts{log: slog.New(rec), x: []blockexc.Option{blockexc.WithStreams(1)}})
		m, _ := upload(t, a, data, 0)
		mc, _ := upload(t, c, data, 0)
		if m != mc {
			t.Fatal("same data, different manifests")
		}
		connect(t, b, a)
		connect(t, b, c)
		if err := b.x.FetchFrom(ctx, m, []peer.ID{a.h.ID(), c.h.ID()}); err != nil {
			t.Fatalf("FetchFrom(corrupt, honest) = %v", err)
		}
		mb, _ := readDataset(t, c.store, m)
		checkDataset(t, b.store, m, mb, data)
		if bad.reads.Load() == 0 || !rec.has("dropping provider") {
			t.Errorf("the corrupt provider was not asked and dropped (reads %d)", bad.reads.Load())
		}
	})
}

// TestCloseDuringFetch closes the fetching side, then the serving side,
// in the middle of a download: Fetch returns an error, the store holds
// nothing of the dataset, and no goroutine is left (TestMain checks).
func TestCloseDuringFetch(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	a := newNode(t, nodeOpts{})
	m, _ := upload(t, a, randomBytes(16*mib, 9), 4096) // 4096 blocks: many batches

	for _, side := range []string{"fetcher", "server"} {
		t.Run(side, func(t *testing.T) {
			srv := a
			if side == "server" {
				srv = newNode(t, nodeOpts{})
				upload(t, srv, randomBytes(16*mib, 9), 4096)
			}
			b := newNode(t, nodeOpts{x: []blockexc.Option{blockexc.WithTimeouts(2*time.Second, 0, 0, 0)}})
			connect(t, b, srv)
			started := make(chan struct{})
			var once sync.Once
			done := make(chan error, 1)
			go func() {
				done <- b.x.Fetch(ctx, srv.h.ID(), m, blockexc.WithProgress(func(blockexc.Progress) {
					once.Do(func() { close(started) })
				}))
			}()
			select {
			case <-started:
			case err := <-done:
				t.Fatalf("Fetch ended before any progress: %v", err)
			}
			if side == "fetcher" {
				b.x.Close()
			} else {
				srv.x.Close()
			}
			err := <-done
			if err == nil {
				t.Fatal("Fetch() = nil after Close")
			}
			if side == "fetcher" && !errors.Is(err, blockexc.ErrClosed) {
				t.Errorf("Fetch() = %v, want ErrClosed", err)
			}
			t.Logf("Fetch() = %v", err)
			if _, err := b.store.Dataset(ctx, m); !errors.Is(err, storage.ErrNotFound) {
				t.Errorf("Dataset() = %v, want ErrNotFound", err)
			}
		})
	}
}

// TestServesNewDatasets fetches datasets right after their upload: the
// server finds each in the store although it listed the store just before.
func TestServesNewDatasets(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	a, b := newNode(t, nodeOpts{}), newNode(t, nodeOpts{})
	connect(t, b, a)
	for i := range 4 {
		data := randomBytes(50000+i, uint64(100+i))
		m, _ := upload(t, a, data, 4096)
		if err := b.x.Fetch(ctx, a.h.ID(), m); err != nil {
			t.Fatalf("Fetch(dataset %d) = %v", i, err)
		}
		mb, _ := readDataset(t, a.store, m)
		checkDataset(t, b.store, m, mb, data)
	}
}
