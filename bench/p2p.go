package bench

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"

	"github.com/cairn-node/cairn/accel"
	"github.com/cairn-node/cairn/accel/sha256x"
	"github.com/cairn-node/cairn/node/p2p"
	"github.com/cairn-node/cairn/node/storage/blockexc"
	"github.com/cairn-node/cairn/node/storage/dataset"
	"github.com/cairn-node/cairn/node/storage/pebblestore"
)

// p2pCases measure node-to-node transfer over loopback: B fetches a
// dataset of size bytes from A with the 2026 block-exchange protocol
// (TCP, Noise, Yamux), every block checked against its CID and Merkle
// proof, and commits it; then B deletes it for the next round.
func p2pCases(size int, quick bool) []Case {
	return []Case{{
		Kernel: "p2p-fetch", Params: fmt.Sprintf("%dMiB,64KiB blocks,tcp", size>>20), Unit: "MB/s", Quick: quick,
		Setup: p2pSetup(size),
	}}
}

// benchNode is one side of a p2p case.
type benchNode struct {
	store *pebblestore.Store
	host  *p2p.Host
	ex    *blockexc.Exchange
}

func newBenchNode(ctx context.Context, h accel.SHA256) (*benchNode, error) {
	dir, err := os.MkdirTemp("", "cairn-bench-p2p-")
	if err != nil {
		return nil, err
	}
	atCaseEnd(func() { os.RemoveAll(dir) })
	st, err := pebblestore.Open(ctx, pebblestore.Options{Dir: dir, Hasher: h, QuotaBytes: 1 << 40, MaintenanceInterval: -1})
	if err != nil {
		return nil, err
	}
	atCaseEnd(func() { st.Close() })
	host, err := loopbackHost(ctx)
	if err != nil {
		return nil, err
	}
	ex, err := blockexc.New(host, st, blockexc.WithHasher(h))
	if err != nil {
		return nil, err
	}
	atCaseEnd(func() { ex.Close() })
	return &benchNode{st, host, ex}, nil
}

func p2pSetup(size int) func(accel.Backend) (func() error, float64, error) {
	return func(b accel.Backend) (func() error, float64, error) {
		h, err := sha256x.New(b)
		if err != nil {
			return nil, 0, err
		}
		ctx := context.Background()
		a, err := newBenchNode(ctx, h)
		if err != nil {
			return nil, 0, err
		}
		c, err := newBenchNode(ctx, h)
		if err != nil {
			return nil, 0, err
		}
		base := randBytes(rand.New(rand.NewPCG(12, 12)), 8*shardSize)
		im, err := dataset.Import(ctx, a.store, &uniqueReader{base: base, nonce: 1, size: int64(size)}, dataset.ImportOptions{Options: dataset.Options{Hasher: h}})
		if err != nil {
			return nil, 0, err
		}
		m := im.ManifestCID
		if err := c.host.Connect(ctx, a.host.AddrInfo()); err != nil {
			return nil, 0, err
		}
		return func() error {
			if err := c.ex.Fetch(ctx, a.host.ID(), m); err != nil {
				return err
			}
			return c.store.DeleteDataset(ctx, m)
		}, float64(size), nil
	}
}
