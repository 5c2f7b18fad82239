package pebblestore_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/ipfs/go-cid"

	"github.com/cairn-node/cairn/node/storage"
	"github.com/cairn-node/cairn/node/storage/cids"
	"github.com/cairn-node/cairn/node/storage/pebblestore"
)

// uploader commits datasets in a loop, as an upload would: random blocks
// of 64 KiB, some shared with earlier datasets, and now and then the
// deletion of an old dataset. It reports each step through the callbacks
// once the call returned.
type uploader struct {
	s         *pebblestore.Store
	rng       *rand.Rand
	committed func(m cid.Cid)
	deleting  func(m cid.Cid)
	deleted   func(m cid.Cid)

	recent []storage.NewDataset
	datas  map[cid.Cid][]byte
	// size of new blocks (0: 64 KiB); common blocks go in every dataset.
	size       int
	common     [][]byte
	commonCIDs []cid.Cid
}

func (u *uploader) step(ctx context.Context) error {
	b := u.s.NewBatch()
	defer b.Discard()
	n := 4 + u.rng.IntN(12)
	d := storage.NewDataset{}
	for i, c := range u.commonCIDs {
		if err := b.Put(ctx, c, u.common[i]); err != nil {
			return err
		}
		d.Blocks = append(d.Blocks, c)
	}
	size := u.size
	if size == 0 {
		size = 64 << 10
	}
	for i := 0; i < n; i++ {
		if len(u.recent) > 0 && u.rng.IntN(5) == 0 {
			// Share a block of an earlier dataset, staged again or not.
			old := u.recent[u.rng.IntN(len(u.recent))]
			c := old.Blocks[u.rng.IntN(len(old.Blocks))]
			if p := u.datas[c]; p != nil && u.rng.IntN(2) == 0 {
				if err := b.Put(ctx, c, p); err != nil {
					return err
				}
			}
			d.Blocks = append(d.Blocks, c)
			continue
		}
		p, c := block(u.rng, size)
		if err := b.Put(ctx, c, p); err != nil {
			return err
		}
		u.datas[c] = p
		d.Blocks = append(d.Blocks, c)
	}
	d.ManifestBytes = []byte(fmt.Sprintf("manifest %x", u.rng.Uint64()))
	d.Manifest = cids.Manifest(d.ManifestBytes)
	err := b.CommitDataset(ctx, d)
	if errors.Is(err, storage.ErrNotFound) {
		return nil // a shared block was deleted meanwhile; skip
	}
	if err != nil {
		return err
	}
	u.committed(d.Manifest)
	u.recent = append(u.recent, d)
	if len(u.recent) > 6 {
		old := u.recent[0]
		u.recent = u.recent[1:]
		u.deleting(old.Manifest)
		if err := u.s.DeleteDataset(ctx, old.Manifest); err != nil {
			return err
		}
		for _, c := range old.Blocks {
			delete(u.datas, c) // it may be gone now
		}
		u.deleted(old.Manifest)
	}
	return nil
}

// checkConsistent checks what a crash must never break: every listed
// dataset has its manifest and all its blocks, readable and verified;
// every dataset acknowledged, and not being deleted since, is listed;
// none whose deletion was acknowledged is. With exact (after
// maintenance, which finishes interrupted deletions) it also checks that
// the quota counts only blocks that datasets list: the uploader keeps no
// loose blocks, so nothing of an unfinished upload may remain.
func checkConsistent(t *testing.T, s *pebblestore.Store, committed, deleting, deleted map[string]bool, exact bool) {
	t.Helper()
	ctx := context.Background()
	ds, err := s.Datasets(ctx)
	if err != nil {
		t.Fatalf("Datasets = %v", err)
	}
	listed := map[string]bool{}
	distinct := map[string]uint64{}
	for _, d := range ds {
		listed[d.Manifest.KeyString()] = true
		if deleted[d.Manifest.KeyString()] {
			t.Errorf("dataset %s listed after its deletion returned", cids.String(d.Manifest))
		}
		m, err := s.Get(ctx, d.Manifest)
		if err != nil {
			t.Errorf("dataset %s: manifest: %v", cids.String(d.Manifest), err)
			continue
		}
		distinct[d.Manifest.KeyString()] = uint64(len(m))
		bl, err := s.DatasetBlocks(ctx, d.Manifest, 0, 0)
		if err != nil || len(bl) != d.Blocks {
			t.Errorf("dataset %s: DatasetBlocks = %d CIDs, %v; record says %d", cids.String(d.Manifest), len(bl), err, d.Blocks)
			continue
		}
		bs, err := s.GetMany(ctx, bl)
		if err != nil {
			t.Errorf("dataset %s is listed but incomplete: %v", cids.String(d.Manifest), err)
			continue
		}
		for i, c := range bl {
			distinct[c.KeyString()] = uint64(len(bs[i]))
		}
	}
	for k := range committed {
		if !listed[k] && !deleting[k] {
			c, _ := cid.Cast([]byte(k))
			t.Errorf("dataset %s was committed but is not listed", cids.String(c))
		}
	}
	var bytes uint64
	for _, n := range distinct {
		bytes += n
	}
	sp, _ := s.Space()
	if exact && (sp.TotalBlocks != uint64(len(distinct)) || sp.QuotaUsedBytes != bytes || sp.QuotaReservedBytes != 0) {
		t.Errorf("Space = %+v, want %d blocks of %d bytes: the datasets' own", sp, len(distinct), bytes)
		for k, v := range s.Blocks() {
			if _, ok := distinct[k]; !ok {
				c, _ := cid.Cast([]byte(k))
				t.Logf("extra block %s: %s", cids.String(c), v)
			}
		}
		for _, p := range []byte("zlsx") {
			t.Logf("keys %c: %v", p, s.Keys(p))
		}
	}
	if t.Failed() {
		t.FailNow()
	}
}

const crashEnv = "PEBBLESTORE_CRASH_CHILD"

// TestCrashChild is the process TestKillDuringUpload kills: it uploads
// until it dies, printing what each call acknowledged.
func TestCrashChild(t *testing.T) {
	spec := os.Getenv(crashEnv)
	if spec == "" {
		t.Skip("helper process of TestKillDuringUpload")
	}
	dir, layoutSeed, _ := strings.Cut(spec, ",")
	name, seedS, _ := strings.Cut(layoutSeed, ",")
	l, _ := pebblestore.ParseLayout(name)
	seed, _ := strconv.ParseUint(seedS, 10, 64)
	s := open(t, pebblestore.Options{Dir: dir, Layout: l, SegmentBytes: 4 << 20})
	out := bufio.NewWriter(os.Stdout)
	say := func(verb string) func(cid.Cid) {
		return func(m cid.Cid) {
			fmt.Fprintf(out, "%s %s\n", verb, cids.String(m))
			out.Flush()
		}
	}
	u := &uploader{s: s, rng: rand.New(rand.NewPCG(seed, 1)), datas: map[cid.Cid][]byte{},
		committed: say("committed"), deleting: say("deleting"), deleted: say("deleted")}
	for {
		if err := u.step(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
}

// TestKillDuringUpload kills (SIGKILL) a process in the middle of
// uploads, reopens its store and checks it; several times over the same
// store.
func TestKillDuringUpload(t *testing.T) {
	if os.Getenv(crashEnv) != "" {
		t.Skip("in the helper process")
	}
	forLayouts(t, func(t *testing.T, l pebblestore.Layout) {
		dir := t.TempDir()
		committed, deleting, deleted := map[string]bool{}, map[string]bool{}, map[string]bool{}
		rng := rand.New(rand.NewPCG(42, uint64(l)))
		rounds := 4
		if testing.Short() {
			rounds = 2
		}
		for round := 0; round < rounds; round++ {
			cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$")
			cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%s,%s,%d", crashEnv, dir, l, round))
			cmd.Stderr = os.Stderr
			stdout, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			// Kill after a few commits, at a random moment of the next
			// upload (or deletion).
			killAfter := 3 + rng.IntN(6)
			sc := bufio.NewScanner(stdout)
			n := 0
			var killed sync.Once
			kill := func() { killed.Do(func() { cmd.Process.Kill() }) }
			for sc.Scan() {
				verb, m, _ := strings.Cut(sc.Text(), " ")
				c, err := cids.Parse(m)
				if err != nil {
					continue // test framework output
				}
				switch verb {
				case "committed":
					committed[c.KeyString()] = true
					if n++; n == killAfter {
						time.AfterFunc(time.Duration(rng.IntN(15000))*time.Microsecond, kill)
					}
				case "deleting":
					deleting[c.KeyString()] = true
				case "deleted":
					deleted[c.KeyString()] = true
				}
			}
			kill()
			err = cmd.Wait()
			if n < killAfter {
				t.Fatalf("round %d: the child died after %d commits: %v", round, n, err)
			}
			s := open(t, pebblestore.Options{Dir: dir})
			checkConsistent(t, s, committed, deleting, deleted, false)
			st, err := s.Maintain(context.Background())
			if err != nil {
				t.Fatalf("Maintain after crash = %v", err)
			}
			checkConsistent(t, s, committed, deleting, deleted, true)
			ds, _ := s.Datasets(context.Background())
			t.Logf("round %d: killed after %d commits; %d datasets listed; maintenance %+v", round, n, len(ds), st)
			s.Close()
		}
	})
}

// TestPowerLoss cuts the power (pebble's crashable in-memory FS drops
// what was not synced, or a random part of it) while uploads run, and
// checks the store that comes back.
func TestPowerLoss(t *testing.T) {
	forLayouts(t, func(t *testing.T, l pebblestore.Layout) {
		fs := vfs.NewCrashableMem()
		s := open(t, pebblestore.Options{Dir: "/store", FS: fs, Layout: l, SegmentBytes: 2 << 20})
		var mu sync.Mutex
		committed, deleting, deleted := map[string]bool{}, map[string]bool{}, map[string]bool{}
		mark := func(set map[string]bool) func(cid.Cid) {
			return func(m cid.Cid) { mu.Lock(); set[m.KeyString()] = true; mu.Unlock() }
		}
		u := &uploader{s: s, rng: rand.New(rand.NewPCG(7, uint64(l))), datas: map[cid.Cid][]byte{},
			committed: mark(committed), deleting: mark(deleting), deleted: mark(deleted)}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() {
			for ctx.Err() == nil {
				if err := u.step(ctx); err != nil && ctx.Err() == nil {
					done <- err
					return
				}
			}
			done <- nil
		}()
		rng := rand.New(rand.NewPCG(8, 8))
		type crash struct {
			fs                           *vfs.MemFS
			committed, deleting, deleted map[string]bool
		}
		var crashes []crash
		for i, pct := range []int{0, 30, 70, 100, 0, 50} {
			time.Sleep(time.Duration(20+rng.IntN(60)) * time.Millisecond)
			mu.Lock()
			c := crash{committed: clone(committed), deleting: clone(deleting), deleted: clone(deleted)}
			mu.Unlock()
			// Acknowledged before the clone: must survive.
			c.fs = fs.CrashClone(vfs.CrashCloneCfg{UnsyncedDataPercent: pct, RNG: rand.New(rand.NewPCG(uint64(i), 9))})
			crashes = append(crashes, c)
		}
		cancel()
		if err := <-done; err != nil {
			t.Fatalf("uploader: %v", err)
		}
		s.Close()
		for i, c := range crashes {
			defer func() {
				if t.Failed() {
					t.Logf("crash %d file system:\n%s", i, c.fs)
				}
			}()
			s2 := open(t, pebblestore.Options{Dir: "/store", FS: c.fs})
			t.Logf("crash %d", i)
			checkConsistent(t, s2, c.committed, c.deleting, c.deleted, false)
			if _, err := s2.Maintain(context.Background()); err != nil {
				t.Fatalf("crash %d: Maintain = %v", i, err)
			}
			checkConsistent(t, s2, c.committed, c.deleting, c.deleted, true)
			ds, _ := s2.Datasets(context.Background())
			t.Logf("crash %d: %d acknowledged, %d listed", i, len(c.committed), len(ds))
			s2.Close()
		}
	})
}

func clone(m map[string]bool) map[string]bool {
	out := make(map[string]bool, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
