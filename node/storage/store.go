package storage

import (
	"context"
	"errors"
	"io"
	"time"

	"github.com/ipfs/go-cid"
)

// Sentinel errors of every store. Implementations wrap them with the
// operation and the CID; callers test them with errors.Is.
var (
	// ErrNotFound reports a block or dataset that is not in the store.
	ErrNotFound = errors.New("storage: not found")
	// ErrCorrupt reports a block whose stored bytes do not hash to its CID
	// (or that the underlying files report as damaged). The bad bytes are
	// never returned; Put the block again (from a peer or from parity) to
	// repair it.
	ErrCorrupt = errors.New("storage: block corrupt")
	// ErrQuotaExceeded reports a write that would take the stored bytes,
	// with the bytes reserved by open batches, beyond the quota. Nothing of
	// the refused write is visible.
	ErrQuotaExceeded = errors.New("storage: quota exceeded")
	// ErrClosed reports a call on a store, or a batch of a store, after
	// Close.
	ErrClosed = errors.New("storage: closed")
)

// Space is the quota summary of a store, with the field names of the
// Logos Storage `GET /space` response.
type Space struct {
	// TotalBlocks counts distinct stored blocks, manifests included.
	TotalBlocks uint64 `json:"totalBlocks"`
	// QuotaMaxBytes is the quota: the most block bytes the store keeps.
	QuotaMaxBytes uint64 `json:"quotaMaxBytes"`
	// QuotaUsedBytes is the sum of the sizes of the stored blocks, each
	// counted once however many datasets hold it.
	QuotaUsedBytes uint64 `json:"quotaUsedBytes"`
	// QuotaReservedBytes is held by open batches for blocks they have
	// staged but not committed yet.
	QuotaReservedBytes uint64 `json:"quotaReservedBytes"`
}

// BlockStore keeps content-addressed blocks: the key of a block is its
// CID, a CIDv1 with a sha2-256 multihash of the block's bytes (see package
// cids), and every read checks the bytes against it.
//
// All methods are safe for concurrent use. Methods with a context block on
// disk I/O; they return ctx's error when it ends before the work starts
// (work already under way finishes, so that nothing is left half done).
// After Close every method returns an error wrapping ErrClosed.
type BlockStore interface {
	// Put stores one block and makes it durable before returning: a
	// commit of its own, with its syncs. A block that is already stored is not written again; its
	// expiry is refreshed. The caller must pass the CID of data: the store
	// does not hash on write, so a wrong CID makes the block read back as
	// ErrCorrupt. Errors: ErrQuotaExceeded (nothing written), an error
	// wrapping cids.ErrInvalid for a CID without a sha2-256 multihash.
	// The store does not retain data; the caller may reuse it on return.
	// To store many blocks, use a Batch: Put costs a commit per block.
	Put(ctx context.Context, c cid.Cid, data []byte) error
	// Get returns the bytes of block c after checking that they hash to c.
	// Errors: ErrNotFound, ErrCorrupt. The returned slice is the caller's.
	Get(ctx context.Context, c cid.Cid) ([]byte, error)
	// GetMany returns the blocks cs, in order, hashing them in one batch
	// of the store's hasher. Blocks that are missing or corrupt are nil
	// in the result, and the error then joins one error per such block,
	// wrapping ErrNotFound or ErrCorrupt and naming the CID (errors.Is
	// finds them); any other failure returns a nil slice. The returned
	// slices are the caller's.
	GetMany(ctx context.Context, cs []cid.Cid) ([][]byte, error)
	// Has reports whether block c is stored and not known to be corrupt.
	// It does not read or hash the block.
	Has(ctx context.Context, c cid.Cid) (bool, error)
	// Delete releases the store's own hold on block c (the one Put and
	// Batch.Commit give). The block's bytes are freed when no dataset
	// lists it; a block that datasets still list stays until they are
	// deleted, so that no dataset is left incomplete. Deleting an absent
	// block is not an error. Durable on return.
	Delete(ctx context.Context, c cid.Cid) error
	// NewBatch opens a batch of writes. It does not block.
	NewBatch() Batch
	// Space returns the quota summary. It does not touch the disk.
	Space() (Space, error)
}

// Batch stages many blocks and commits them at once, as loose blocks
// (Commit) or as one dataset (CommitDataset). The syncs that make a commit
// durable (the index's, and with some layouts first those of the files
// holding the bodies) are paid once per commit, never per block. Nothing
// staged is visible to readers before the commit, and a crash before the
// commit returns leaves nothing of the batch visible.
//
// A batch is not safe for concurrent use; different batches of one store
// are. Staged blocks hold quota (Space.QuotaReservedBytes) until the
// batch is committed or discarded. A batch commits once: after a
// successful commit or Discard, Put and the commits return errors; after
// a failed commit, discard it. Always call Discard when done (it is a
// no-op after a successful commit), as in
//
//	b := store.NewBatch()
//	defer b.Discard()
type Batch interface {
	// Put stages block c. The bytes may be written to disk at once (so a
	// large upload does not sit in memory) but stay invisible until the
	// commit. A block already stored, or already staged in this batch, is
	// not written again. Errors: ErrQuotaExceeded (this block is not
	// staged; the earlier ones still are), ErrClosed. The batch does not
	// retain data.
	Put(ctx context.Context, c cid.Cid, data []byte) error
	// Commit makes the staged blocks visible and durable, each as a loose
	// block with a fresh expiry, as if each had been Put.
	Commit(ctx context.Context) error
	// CommitDataset makes d visible and durable in one atomic step: the
	// staged blocks, the manifest (stored as a block under d.Manifest), the
	// dataset's block list and its record. Every CID in d.Blocks must be
	// staged in this batch or already stored; otherwise the commit fails
	// with an error wrapping ErrNotFound and nothing is written. Staged
	// blocks that d does not list become loose blocks. Committing a
	// dataset that is already stored refreshes its expiry. The store does
	// not retain d.
	CommitDataset(ctx context.Context, d NewDataset) error
	// Discard drops what was staged and releases its quota. It may write
	// (to delete bodies written ahead) but takes no context: a discard
	// must not stop halfway. It is safe to call more than once, after a
	// commit and after the store's Close.
	Discard() error
}

// NewDataset is what Batch.CommitDataset stores.
type NewDataset struct {
	// Manifest is the CID of ManifestBytes (codec 0xCD01): the dataset's
	// key in the store.
	Manifest cid.Cid
	// ManifestBytes is the encoded manifest; it is stored as a block and
	// read back with BlockStore.Get(Manifest).
	ManifestBytes []byte
	// Tree is the dataset's tree root CID (codec 0xCD03), kept in the
	// record for listings.
	Tree cid.Cid
	// Blocks are the CIDs of the dataset's blocks in tree-leaf order.
	// A CID may appear more than once.
	Blocks []cid.Cid
}

// DatasetInfo is the record of a stored dataset.
type DatasetInfo struct {
	// Manifest is the dataset's key: the CID of its manifest block.
	Manifest cid.Cid
	// Tree is the tree root CID given at commit.
	Tree cid.Cid
	// Blocks is the length of the block list.
	Blocks int
	// Bytes is the manifest size plus the sizes of the listed blocks,
	// counted once per listing.
	Bytes uint64
	// Created is when the dataset was first committed.
	Created time.Time
	// Expires is when maintenance deletes the dataset unless its expiry
	// is refreshed first.
	Expires time.Time
}

// DatasetStore keeps dataset records: a manifest, the list of the
// dataset's blocks and an expiry. Datasets share blocks; a block is freed
// when no dataset lists it and it has no hold of its own.
//
// INVARIANT: every listed dataset has its manifest and all its blocks
// stored. A commit writes the record in the same atomic step as the
// blocks, and a deletion removes the record before it releases any block.
//
// Methods are safe for concurrent use and block on disk I/O; after Close
// they return an error wrapping ErrClosed.
type DatasetStore interface {
	// Dataset returns the record of the dataset whose manifest is m, or
	// an error wrapping ErrNotFound.
	Dataset(ctx context.Context, m cid.Cid) (DatasetInfo, error)
	// Datasets lists every dataset, ordered by manifest CID bytes. The
	// slice is the caller's.
	Datasets(ctx context.Context) ([]DatasetInfo, error)
	// DatasetBlocks returns up to n CIDs of dataset m's block list,
	// starting at leaf index start (n <= 0: to the end). Errors:
	// ErrNotFound for an unknown dataset.
	DatasetBlocks(ctx context.Context, m cid.Cid, start, n int) ([]cid.Cid, error)
	// DeleteDataset removes the record of dataset m at once (durably) and
	// then frees the blocks that no other dataset lists, in bounded
	// batches; if ctx ends first, maintenance finishes the freeing.
	// Deleting an absent dataset is not an error.
	DeleteDataset(ctx context.Context, m cid.Cid) error
	// SetDatasetExpiry sets when dataset m expires. Errors: ErrNotFound.
	SetDatasetExpiry(ctx context.Context, m cid.Cid, expires time.Time) error
}

// Store is a block store with datasets, as the node uses it. Close
// releases it; it is safe to call twice, and waits for the store's own
// goroutines to return.
type Store interface {
	BlockStore
	DatasetStore
	io.Closer
}
