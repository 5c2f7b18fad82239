package blockexc_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/cairn-node/cairn/accel"
	"github.com/cairn-node/cairn/accel/sha256x"
	"github.com/cairn-node/cairn/node/p2p"
	"github.com/cairn-node/cairn/node/storage"
	"github.com/cairn-node/cairn/node/storage/blockexc"
	"github.com/cairn-node/cairn/node/storage/dataset"
	"github.com/cairn-node/cairn/node/storage/manifest"
	"github.com/cairn-node/cairn/node/storage/pebblestore"
)

// TestMain fails the run when a goroutine of the Exchange outlives the
// tests (every test closes its nodes in t.Cleanup).
func TestMain(m *testing.M) {
	code := m.Run()
	if code == 0 {
		if leaks := leakedGoroutines(5 * time.Second); leaks != "" {
			fmt.Fprintf(os.Stderr, "leaked blockexc goroutines:\n%s\n", leaks)
			code = 1
		}
	}
	os.Exit(code)
}

// leakedGoroutines returns the stacks of goroutines running code of
// package blockexc (not its tests), waiting up to wait for them to end.
func leakedGoroutines(wait time.Duration) string {
	deadline := time.Now().Add(wait)
	for {
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		var leaks []string
		for _, g := range strings.Split(string(buf), "\n\n") {
			if strings.Contains(g, "cairn/node/storage/blockexc.") {
				leaks = append(leaks, g)
			}
		}
		if len(leaks) == 0 || time.Now().After(deadline) {
			return strings.Join(leaks, "\n\n")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func hasher(tb testing.TB) accel.SHA256 {
	tb.Helper()
	h, err := sha256x.New(accel.SIMD)
	if err != nil {
		if h, err = sha256x.New(accel.Go); err != nil {
			tb.Fatal(err)
		}
	}
	return h
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// node is a real libp2p host on 127.0.0.1 with a pebble store and an
// Exchange serving it (or serving wrap(store) when the test wraps it).
type node struct {
	h     *p2p.Host
	store storage.Store
	x     *blockexc.Exchange
}

type nodeOpts struct {
	dir    string   // store directory; default tb.TempDir()
	listen []string // default TCP on 127.0.0.1
	wrap   func(storage.Store) storage.Store
	log    *slog.Logger
	x      []blockexc.Option
}

func newNode(tb testing.TB, o nodeOpts) *node {
	tb.Helper()
	ctx := context.Background()
	if o.dir == "" {
		o.dir = tb.TempDir()
	}
	st, err := pebblestore.Open(ctx, pebblestore.Options{Dir: o.dir, Hasher: hasher(tb), Logger: quiet(), MaintenanceInterval: -1})
	if err != nil {
		tb.Fatalf("pebblestore.Open: %v", err)
	}
	tb.Cleanup(func() { st.Close() })
	if o.listen == nil {
		o.listen = []string{"/ip4/127.0.0.1/tcp/0"}
	}
	h, err := p2p.New(ctx, p2p.Options{ListenAddrs: o.listen, Logger: quiet()})
	if err != nil {
		tb.Fatalf("p2p.New: %v", err)
	}
	tb.Cleanup(func() { h.Close() })
	var served storage.Store = st
	if o.wrap != nil {
		served = o.wrap(st)
	}
	log := o.log
	if log == nil {
		log = quiet()
	}
	x, err := blockexc.New(h, served, append([]blockexc.Option{blockexc.WithLogger(log), blockexc.WithHasher(hasher(tb))}, o.x...)...)
	if err != nil {
		tb.Fatalf("blockexc.New: %v", err)
	}
	tb.Cleanup(func() { x.Close() })
	return &node{h: h, store: st, x: x}
}

// close closes the node's exchange, host and store (all safe to close
// again in cleanup).
func (n *node) close() {
	n.x.Close()
	n.h.Close()
	n.store.Close()
}

// connect dials a from b on loopback.
func connect(tb testing.TB, b, a *node) {
	tb.Helper()
	if err := b.h.Connect(context.Background(), a.h.AddrInfo()); err != nil {
		tb.Fatalf("connect: %v", err)
	}
}

// upload stores data on n as a dataset, as the REST upload does, and
// returns the manifest CID and the chunker's result.
func upload(tb testing.TB, n *node, data []byte, blockSize int) (cid.Cid, *dataset.Result) {
	tb.Helper()
	ctx := context.Background()
	im, err := dataset.Import(ctx, n.store, bytes.NewReader(data), dataset.ImportOptions{
		Options: dataset.Options{Hasher: hasher(tb), BlockSize: blockSize}, Filename: "random.bin",
	})
	if err != nil {
		tb.Fatalf("Import: %v", err)
	}
	mc, res := im.ManifestCID, im.Result
	return mc, res
}

func randomBytes(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	b := make([]byte, n)
	for i := 0; i < n; i += 8 {
		v := r.Uint64()
		for j := 0; j < 8 && i+j < n; j++ {
			b[i+j] = byte(v >> (8 * j))
		}
	}
	return b
}

// readDataset returns the manifest bytes and the dataset bytes (padding
// cut) of dataset m in store.
func readDataset(tb testing.TB, st storage.Store, m cid.Cid) ([]byte, []byte) {
	tb.Helper()
	ctx := context.Background()
	mb, err := st.Get(ctx, m)
	if err != nil {
		tb.Fatalf("Get(manifest): %v", err)
	}
	man, _, err := manifest.Decode(mb)
	if err != nil {
		tb.Fatal(err)
	}
	cs, err := st.DatasetBlocks(ctx, m, 0, 0)
	if err != nil {
		tb.Fatalf("DatasetBlocks: %v", err)
	}
	var out []byte
	for i := 0; i < len(cs); i += 64 {
		bs, err := st.GetMany(ctx, cs[i:min(i+64, len(cs))])
		if err != nil {
			tb.Fatalf("GetMany: %v", err)
		}
		for _, b := range bs {
			out = append(out, b...)
		}
	}
	return mb, out[:man.DatasetSize]
}

// checkDataset checks that st holds dataset m with the given bytes and
// manifest.
func checkDataset(tb testing.TB, st storage.Store, m cid.Cid, wantManifest, data []byte) {
	tb.Helper()
	mb, got := readDataset(tb, st, m)
	if !bytes.Equal(mb, wantManifest) {
		tb.Errorf("manifest bytes differ")
	}
	if sha256.Sum256(got) != sha256.Sum256(data) {
		tb.Errorf("dataset sha256 = %x, want %x (len %d, want %d)", sha256.Sum256(got), sha256.Sum256(data), len(got), len(data))
	}
}

// logRecorder keeps the messages of the records logged at Warn and above.
type logRecorder struct {
	mu   sync.Mutex
	msgs []string
}

func (l *logRecorder) Enabled(_ context.Context, lv slog.Level) bool { return lv >= slog.LevelWarn }
func (l *logRecorder) Handle(_ context.Context, r slog.Record) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.msgs = append(l.msgs, r.Message)
	return nil
}
func (l *logRecorder) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *logRecorder) WithGroup(string) slog.Handler      { return l }

func (l *logRecorder) has(msg string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, m := range l.msgs {
		if m == msg {
			return true
		}
	}
	return false
}
