// Package dataset turns a byte stream into a Logos Storage dataset: it cuts
// the stream into blocks (the last one zero-padded, as upstream's chunker
// does), hashes them in batches through the accel SHA-256 kernel, hands
// each block to a sink (a store, or nothing for --only-hash), and builds
// the keyed SHA-256 Merkle tree whose root names the dataset.
//
// Memory is constant in the stream length apart from 32 bytes of digest
// per block (plus the tree, about as much again): a 10 GB file holds
// ~10 MB of digests, never the data.
//
//	res, err := dataset.Chunk(ctx, file, dataset.Options{Hasher: h}, func(b dataset.Block) error {
//		return store.Put(ctx, b.CID, b.Data)
//	})
//	fmt.Println(cids.String(res.TreeCID), res.Size, len(res.Digests))
//
// Import does the whole upload into a store: chunk, stage every block in
// one batch, build the manifest and commit the dataset atomically.
package dataset

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/ipfs/go-cid"

	"github.com/cairn-node/cairn/accel"
	"github.com/cairn-node/cairn/accel/merkle"
	"github.com/cairn-node/cairn/node/storage/cids"
)

// Defaults and limits of the chunker.
const (
	// DefaultBlockSize is Logos Storage's block size, 64 KiB.
	DefaultBlockSize = 64 << 10
	// MinBlockSize and MaxBlockSize bound the block sizes the 2026 REST
	// API accepts (powers of two only).
	MinBlockSize = 4 << 10
	MaxBlockSize = 512 << 10
	// DefaultBatchBytes is how much data one hashing batch holds: enough
	// blocks for the SIMD kernel to use every core, small enough to keep
	// memory flat (two batches are in flight: one read, one hashed).
	DefaultBatchBytes = 4 << 20
)

// ErrEmpty is returned for a stream without bytes: Logos Storage cannot
// build a tree over no leaves and refuses such an upload.
var ErrEmpty = errors.New("dataset: empty input; a dataset needs at least one byte")

// Options configures Chunk. The zero value is invalid only for Hasher.
type Options struct {
	// BlockSize is the block length; 0 means DefaultBlockSize. It must be a
	// power of two in [MinBlockSize, MaxBlockSize].
	BlockSize int
	// Hasher computes the block digests and the tree; required.
	Hasher accel.SHA256
	// BatchBytes is the data per hashing batch; 0 means DefaultBatchBytes.
	BatchBytes int
	// Progress, when set, is called after each batch with the bytes read
	// so far. It runs on Chunk's goroutine and must be quick.
	Progress func(bytes uint64)
}

// Block is one block handed to the sink. Data is exactly BlockSize bytes
// (the last block zero-padded); it is only valid during the sink call:
// Chunk reuses the buffer afterwards, so a sink that keeps it must copy.
type Block struct {
	Index  int
	CID    cid.Cid
	Digest [32]byte
	Data   []byte
}

// Result describes a chunked dataset.
type Result struct {
	// Size is the number of bytes read (the dataset size; padding excluded).
	Size uint64
	// BlockSize is the block length used.
	BlockSize int
	// Digests are the blocks' SHA-256 digests, in order (the tree's leaves).
	Digests [][32]byte
	// Tree is the dataset Merkle tree; TreeCID names its root.
	Tree    *merkle.Tree[[32]byte]
	TreeCID cid.Cid
}

// BlockCID returns the CID of block i.
func (r *Result) BlockCID(i int) cid.Cid { return cids.FromDigest(cids.CodecBlock, r.Digests[i]) }

// CheckBlockSize returns nil for a power of two in [MinBlockSize,
// MaxBlockSize], else an error saying what is allowed.
func CheckBlockSize(n int) error {
	if n < MinBlockSize || n > MaxBlockSize || n&(n-1) != 0 {
		return fmt.Errorf("dataset: block size %d: want a power of two from %d to %d", n, MinBlockSize, MaxBlockSize)
	}
	return nil
}

// Chunk reads r to the end, cuts it into blocks, hashes them and calls sink
// (if not nil) for every block in order, then builds the tree. It stops with
// ctx's error when ctx ends, with the sink's error when the sink fails, and
// with ErrEmpty for an empty stream. Reading the next batch overlaps with
// hashing and sinking the current one.
func Chunk(ctx context.Context, r io.Reader, opt Options, sink func(Block) error) (*Result, error) {
	if opt.Hasher == nil {
		return nil, errors.New("dataset: Options.Hasher is required")
	}
	if opt.BlockSize == 0 {
		opt.BlockSize = DefaultBlockSize
	}
	if err := CheckBlockSize(opt.BlockSize); err != nil {
		return nil, err
	}
	if opt.BatchBytes == 0 {
		opt.BatchBytes = DefaultBatchBytes
	}
	perBatch := max(1, opt.BatchBytes/opt.BlockSize)
	res := &Result{BlockSize: opt.BlockSize}

	// Two buffers: the reader fills one while this goroutine hashes and
	// sinks the other.
	type batch struct {
		buf    []byte
		blocks [][]byte
		n      int // bytes read into buf, before padding
		err    error
	}
	free := make(chan *batch, 2)
	full := make(chan *batch, 1)
	for range 2 {
		free <- &batch{buf: make([]byte, perBatch*opt.BlockSize)}
	}
	done := make(chan struct{})
	readerDone := make(chan struct{})
	defer func() {
		close(done)
		<-readerDone
	}()
	go func() {
		defer close(readerDone)
		defer close(full)
		for {
			var b *batch
			select {
			case b = <-free:
			case <-done:
				return
			}
			b.n, b.err = io.ReadFull(r, b.buf)
			if b.err == io.ErrUnexpectedEOF || b.err == io.EOF {
				b.err = io.EOF
			}
			select {
			case full <- b:
			case <-done:
				return
			}
			if b.err != nil {
				return
			}
		}
	}()

	digests := make([][32]byte, perBatch)
	for b := range full {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if b.err != nil && b.err != io.EOF {
			return nil, fmt.Errorf("dataset: read: %w", b.err)
		}
		nBlocks := (b.n + opt.BlockSize - 1) / opt.BlockSize
		clear(b.buf[b.n : nBlocks*opt.BlockSize]) // zero-pad the last block
		b.blocks = b.blocks[:0]
		for i := range nBlocks {
			b.blocks = append(b.blocks, b.buf[i*opt.BlockSize:(i+1)*opt.BlockSize])
		}
		if err := opt.Hasher.SumBlocks(digests[:nBlocks], b.blocks); err != nil {
			return nil, fmt.Errorf("dataset: hash blocks: %w", err)
		}
		for i, data := range b.blocks {
			if sink != nil {
				blk := Block{Index: len(res.Digests), CID: cids.FromDigest(cids.CodecBlock, digests[i]), Digest: digests[i], Data: data}
				if err := sink(blk); err != nil {
					return nil, fmt.Errorf("dataset: block %d: %w", blk.Index, err)
				}
			}
			res.Digests = append(res.Digests, digests[i])
		}
		res.Size += uint64(b.n)
		if opt.Progress != nil {
			opt.Progress(res.Size)
		}
		if b.err == io.EOF {
			break
		}
		free <- b
	}
	if res.Size == 0 {
		return nil, ErrEmpty
	}
	tree, err := merkle.Build(res.Digests, merkle.SHA256(opt.Hasher))
	if err != nil {
		return nil, fmt.Errorf("dataset: tree: %w", err)
	}
	res.Tree, res.TreeCID = tree, cids.Tree(tree.Root())
	return res, nil
}
