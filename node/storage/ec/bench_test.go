package ec_test

import (
	"bytes"
	"context"
	"io"
	"testing"

	"github.com/ipfs/go-cid"

	"github.com/cairn-node/cairn/node/storage"
	"github.com/cairn-node/cairn/node/storage/dataset"
	"github.com/cairn-node/cairn/node/storage/ec"
	"github.com/cairn-node/cairn/node/storage/manifest"
)

// benchSize is the dataset of the benchmarks: 32 MiB of 64 KiB blocks.
const benchSize = 32 << 20

func putPlain64K(b *testing.B, s storage.Store, data []byte) cid.Cid {
	ctx := context.Background()
	batch := s.NewBatch()
	defer batch.Discard()
	res, err := dataset.Chunk(ctx, bytes.NewReader(data), dataset.Options{Hasher: hasher(b)}, func(blk dataset.Block) error {
		return batch.Put(ctx, blk.CID, blk.Data)
	})
	if err != nil {
		b.Fatal(err)
	}
	blocks := make([]cid.Cid, len(res.Digests))
	for i := range blocks {
		blocks[i] = res.BlockCID(i)
	}
	m := manifest.New(res.TreeCID, uint32(res.BlockSize), res.Size)
	mc, enc, err := m.CID(m.DefaultLayout())
	if err != nil {
		b.Fatal(err)
	}
	if err := batch.CommitDataset(ctx, storage.NewDataset{Manifest: mc, ManifestBytes: enc, Tree: res.TreeCID, Blocks: blocks}); err != nil {
		b.Fatal(err)
	}
	return mc
}

// BenchmarkEncode erasure-codes 32 MiB with (10,4) into a real store. After
// the first round the parity is stored already, so later rounds measure
// reading, coding and hashing without the parity writes.
func BenchmarkEncode(b *testing.B) {
	s := openStore(b)
	plain := putPlain64K(b, s, randomBytes(1, benchSize))
	b.SetBytes(benchSize)
	for b.Loop() {
		if _, err := ec.Encode(context.Background(), s, plain, 10, 4, testOptions(b)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRead reads the original 32 MiB of a (10,4) dataset back.
func BenchmarkRead(b *testing.B) {
	ctx := context.Background()
	s := openStore(b)
	plain := putPlain64K(b, s, randomBytes(2, benchSize))
	pc, err := ec.Encode(ctx, s, plain, 10, 4, testOptions(b))
	if err != nil {
		b.Fatal(err)
	}
	d, err := ec.Open(ctx, s, pc, testOptions(b))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(benchSize)
	for b.Loop() {
		if _, err := io.Copy(io.Discard, d.NewReader(ctx)); err != nil {
			b.Fatal(err)
		}
	}
}
