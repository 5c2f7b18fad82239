package pebblestore_test

import (
	"bufio"
	"context"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/ipfs/go-cid"

	"github.com/cairn-node/cairn/node/storage"
	"github.com/cairn-node/cairn/node/storage/cids"
	"github.com/cairn-node/cairn/node/storage/pebblestore"
)

// countingFS counts the bytes written to every file: what write
// amplification divides by the logical bytes.
type countingFS struct {
	vfs.FS
	n     *atomic.Int64
	byExt *sync.Map // file extension → *atomic.Int64
}

func newCountingFS(n *atomic.Int64) countingFS {
	return countingFS{vfs.Default, n, &sync.Map{}}
}

func (c countingFS) wrap(name string, f vfs.File, err error) (vfs.File, error) {
	if err != nil {
		return nil, err
	}
	ext := filepath.Ext(name)
	if strings.HasPrefix(filepath.Base(name), "MANIFEST") {
		ext = "MANIFEST"
	}
	e, _ := c.byExt.LoadOrStore(ext, new(atomic.Int64))
	return countingFile{f, c.n, e.(*atomic.Int64)}, nil
}

func (c countingFS) Create(name string, cat vfs.DiskWriteCategory) (vfs.File, error) {
	f, err := c.FS.Create(name, cat)
	return c.wrap(name, f, err)
}

func (c countingFS) OpenReadWrite(name string, cat vfs.DiskWriteCategory, opts ...vfs.OpenOption) (vfs.File, error) {
	f, err := c.FS.OpenReadWrite(name, cat, opts...)
	return c.wrap(name, f, err)
}

func (c countingFS) ReuseForWrite(oldname, newname string, cat vfs.DiskWriteCategory) (vfs.File, error) {
	f, err := c.FS.ReuseForWrite(oldname, newname, cat)
	return c.wrap(newname, f, err)
}

// String lists the bytes written by file extension.
func (c countingFS) String() string {
	var b strings.Builder
	c.byExt.Range(func(k, v any) bool {
		fmt.Fprintf(&b, "%s=%dMB ", k, v.(*atomic.Int64).Load()>>20)
		return true
	})
	return b.String()
}

type countingFile struct {
	vfs.File
	n, ext *atomic.Int64
}

func (f countingFile) Write(p []byte) (int, error) {
	n, err := f.File.Write(p)
	f.n.Add(int64(n))
	f.ext.Add(int64(n))
	return n, err
}

func (f countingFile) WriteAt(p []byte, off int64) (int, error) {
	n, err := f.File.WriteAt(p, off)
	f.n.Add(int64(n))
	f.ext.Add(int64(n))
	return n, err
}

// procWriteBytes is the write_bytes of /proc/self/io: what this process
// sent to the block device (Linux; 0 elsewhere).
func procWriteBytes() int64 {
	f, err := os.Open("/proc/self/io")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "write_bytes: "); ok {
			n, _ := strconv.ParseInt(v, 10, 64)
			return n
		}
	}
	return 0
}

func dirBytes(dir string) int64 {
	var n int64
	filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if fi, err := d.Info(); err == nil {
				n += fi.Size()
			}
		}
		return nil
	})
	return n
}

// blocksOf returns n random 64 KiB blocks and their CIDs.
func blocksOf(rng *rand.Rand, n int) ([][]byte, []cid.Cid) {
	datas := make([][]byte, n)
	cs := make([]cid.Cid, n)
	for i := range datas {
		datas[i], cs[i] = block(rng, 64<<10)
	}
	return datas, cs
}

func upload(ctx context.Context, s storage.BlockStore, datas [][]byte, cs []cid.Cid, name string) (cid.Cid, error) {
	b := s.NewBatch()
	defer b.Discard()
	for i := range datas {
		if err := b.Put(ctx, cs[i], datas[i]); err != nil {
			return cid.Undef, err
		}
	}
	mb := []byte("manifest " + name)
	d := storage.NewDataset{Manifest: cids.Manifest(mb), ManifestBytes: mb, Blocks: cs}
	return d.Manifest, b.CommitDataset(ctx, d)
}

type layoutFigures struct {
	uploadMBs, uploadWA  float64
	churnWA, spaceAmp    float64
	procWA               float64
	getMBs               float64
	segmentsMoved, files int
}

// measureLayout uploads total bytes as datasets of 64 MiB, then churns:
// two uploads at a time (so their blocks interleave on disk), deleting
// one dataset of each pair, and maintenance. It counts every byte written.
func measureLayout(t *testing.T, l pebblestore.Layout, total int) layoutFigures {
	ctx := context.Background()
	dir := t.TempDir()
	var n atomic.Int64
	cfs := newCountingFS(&n)
	s := open(t, pebblestore.Options{Dir: dir, Layout: l, FS: cfs})
	const per = 64 << 20
	rng := rand.New(rand.NewPCG(1, 1))
	var sets [][][]byte
	var cidsets [][]cid.Cid
	for i := 0; i < total/per; i++ {
		d, c := blocksOf(rng, per/(64<<10))
		sets, cidsets = append(sets, d), append(cidsets, c)
	}
	var f layoutFigures
	proc0 := procWriteBytes()
	n.Store(0)
	start := time.Now()
	for i := range sets {
		if _, err := upload(ctx, s, sets[i], cidsets[i], "u"+strconv.Itoa(i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Settle(); err != nil {
		t.Fatal(err)
	}
	el := time.Since(start)
	if os.Getenv("PEBBLESTORE_METRICS") != "" {
		t.Logf("%s after upload: %s\n%s", l, cfs, s.Metrics())
	}
	f.uploadMBs = float64(total) / 1e6 / el.Seconds()
	f.uploadWA = float64(n.Load()) / float64(total)
	// Read it all back, verified.
	start = time.Now()
	for _, cs := range cidsets {
		for i := 0; i < len(cs); i += 64 {
			if _, err := s.GetMany(ctx, cs[i:min(i+64, len(cs))]); err != nil {
				t.Fatal(err)
			}
		}
	}
	f.getMBs = float64(total) / 1e6 / time.Since(start).Seconds()
	// Churn: new data in pairs of concurrent uploads; drop one of each.
	logical := int64(total)
	for round := 0; round < 2; round++ {
		var ms [2]cid.Cid
		var wg sync.WaitGroup
		for k := 0; k < 2; k++ {
			d, c := blocksOf(rand.New(rand.NewPCG(uint64(round), uint64(k+7))), per/(64<<10)/2)
			wg.Add(1)
			go func() {
				defer wg.Done()
				m, err := upload(ctx, s, d, c, "c"+strconv.Itoa(round)+strconv.Itoa(k))
				if err != nil {
					t.Error(err)
				}
				ms[k] = m
			}()
			logical += per / 2
		}
		wg.Wait()
		if err := s.DeleteDataset(ctx, ms[0]); err != nil {
			t.Fatal(err)
		}
		st, err := s.Maintain(ctx)
		if err != nil {
			t.Fatal(err)
		}
		f.segmentsMoved += st.Segments
	}
	if err := s.Settle(); err != nil {
		t.Fatal(err)
	}
	f.churnWA = float64(n.Load()) / float64(logical)
	f.procWA = float64(procWriteBytes()-proc0) / float64(logical)
	sp, _ := s.Space()
	f.spaceAmp = float64(dirBytes(dir)) / float64(sp.QuotaUsedBytes)
	return f
}

// TestMeasureLayouts prints the figures behind the default layout (see
// the package documentation). It takes a while and a few hundred MiB of
// disk: set PEBBLESTORE_MEASURE=<MiB> (e.g. 256) to run it, and
// PEBBLESTORE_METRICS=1 to see pebble's metrics and the bytes written per
// file type after the upload.
func TestMeasureLayouts(t *testing.T) {
	mib, _ := strconv.Atoi(os.Getenv("PEBBLESTORE_MEASURE"))
	if mib == 0 {
		t.Skip("set PEBBLESTORE_MEASURE=<MiB> to measure the layouts")
	}
	for _, l := range layouts {
		f := measureLayout(t, l, mib<<20)
		t.Logf("%-8s upload %4d MiB: %6.0f MB/s, write amp %.3f | get %6.0f MB/s | after churn: write amp %.3f (device %.3f), space amp %.2f, segments collected %d",
			l, mib, f.uploadMBs, f.uploadWA, f.getMBs, f.churnWA, f.procWA, f.spaceAmp, f.segmentsMoved)
	}
}
