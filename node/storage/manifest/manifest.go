package manifest

import (
	"errors"
	"fmt"

	"github.com/ipfs/go-cid"

	"github.com/cairn-node/cairn/node/storage/cids"
)

// Sizes and defaults of Logos Storage manifests.
const (
	// DefaultBlockSize is the block size of nim-codex v0.2 uploads and the
	// default of Logos Storage 2026: 64 KiB.
	DefaultBlockSize = 65536
	// MinBlockSize and MaxBlockSize bound the block sizes Logos Storage 2026
	// accepts (`?blockSize=`, a power of two); Validate enforces them.
	MinBlockSize = 4096
	MaxBlockSize = 524288
	// MaxFilenameLen and MaxMimetypeLen are the 2026 limits, in bytes.
	MaxFilenameLen = 255
	MaxMimetypeLen = 128
	// MaxEncodedSize is the largest encoded manifest: the 2026 manifest
	// protocol (/storage/manifest/1.0.0) refuses larger responses. Encode
	// and Decode refuse larger manifests too.
	MaxEncodedSize = 65536
	// DefaultCellSize is the proof cell size of nim-codex v0.2
	// verifiable manifests.
	DefaultCellSize = 2048

	// wireBlockSizeLimit is the largest block size Decode accepts at all:
	// nim-codex v0.2's MaxBlockSize on the block-exchange wire (100 MiB).
	// Anything above it is treated as corruption, not policy.
	wireBlockSizeLimit = 100 << 20
	// maxShards is Leopard-RS's limit on K+M.
	maxShards = 65536
)

// ErrMalformed is wrapped by every Decode error: the bytes are not a
// manifest this package can read (bad protobuf, missing or repeated fields,
// invalid CIDs, impossible values).
var ErrMalformed = errors.New("manifest: malformed")

// ErrInvalid is wrapped by Validate errors and by Encode errors about the
// manifest's content: the manifest breaks a rule of the format.
var ErrInvalid = errors.New("manifest: invalid")

// ErrLayout is wrapped by Encode errors when the layout is unknown or cannot
// carry the manifest (erasure info in Layout2026).
var ErrLayout = errors.New("manifest: unsupported layout")

// Layout selects the field numbers of the header's optional fields. Fields
// 1–6 are the same in both.
type Layout int

const (
	// Layout2026 is Logos Storage (2026): 7 filename, 8 mimetype; no
	// erasure info. The default for plain datasets.
	Layout2026 Layout = iota
	// LayoutCodex is nim-codex v0.2: 7 ErasureInfo, 8 filename,
	// 9 mimetype. Erasure-coded manifests always use it (see doc.go).
	LayoutCodex
)

// String returns "logos2026" or "codex".
func (l Layout) String() string {
	switch l {
	case Layout2026:
		return "logos2026"
	case LayoutCodex:
		return "codex"
	}
	return fmt.Sprintf("Layout(%d)", int(l))
}

// Strategy is an upstream indexing strategy (StrategyType in nim-codex).
type Strategy uint32

// The indexing strategies.
const (
	StrategyLinear  Strategy = 0
	StrategyStepped Strategy = 1 // what the v0.2 erasure coder uses
)

// String returns "linear", "stepped" or Strategy(n).
func (s Strategy) String() string {
	switch s {
	case StrategyLinear:
		return "linear"
	case StrategyStepped:
		return "stepped"
	}
	return fmt.Sprintf("Strategy(%d)", uint32(s))
}

// Manifest describes a dataset: the root of its block tree and how to read
// it back. The zero value is not a valid manifest; start from New.
type Manifest struct {
	// TreeCID is the dataset tree root, CIDv1(0xCD03, sha2-256).
	TreeCID cid.Cid
	// BlockSize is the size of every block in bytes (the last one is
	// zero-padded). The default is DefaultBlockSize.
	BlockSize uint32
	// DatasetSize is the number of real bytes; for erasure-coded
	// manifests it is BlockSize × BlocksCount (data, padding and parity).
	DatasetSize uint64
	// Codec is the multicodec of the blocks, 0xCD02 (cids.CodecBlock).
	Codec uint64
	// HCodec is the multihash of the blocks, 0x12 (cids.HashSHA256).
	HCodec uint64
	// Version is the CID version of the blocks, always 1. The wire holds
	// 2, the ordinal of CIDv1 in nim-libp2p's CidVersion enum
	// (CIDvIncorrect, CIDv0, CIDv1); Encode and Decode translate.
	Version uint64
	// Filename and Mimetype are optional; "" means absent.
	Filename string
	Mimetype string
	// Erasure is set for erasure-coded ("protected") datasets only.
	Erasure *ErasureInfo
}

// ErasureInfo is the erasure coding of a protected dataset (nim-codex v0.2).
type ErasureInfo struct {
	// K data and M parity blocks per codeword (ecK, ecM).
	K, M uint32
	// OriginalTreeCID and OriginalDatasetSize describe the dataset before
	// erasure coding.
	OriginalTreeCID     cid.Cid
	OriginalDatasetSize uint64
	// Strategy is how codewords interleave; the v0.2 coder uses Stepped.
	Strategy Strategy
	// Verification is set for datasets with storage proofs only.
	Verification *VerificationInfo
}

// VerificationInfo is the storage-proof data of a verifiable dataset
// (nim-codex v0.2 marketplace).
type VerificationInfo struct {
	// VerifyRoot is CIDv1(0xCD05, identity multihash of a Poseidon2 root).
	VerifyRoot cid.Cid
	// SlotRoots holds one CIDv1(0xCD04, identity) per slot, K+M in all.
	SlotRoots []cid.Cid
	// CellSize is the proof cell size in bytes, DefaultCellSize upstream.
	CellSize uint32
	// Strategy indexes blocks into slots, as written by the node that made
	// the manifest. For manifests without verification info,
	// node/storage/slots uses nim-codex's slot-builder default, Stepped
	// (builder.nim @8a79a9b), not the Linear the format notes name.
	Strategy Strategy
}

// New returns a plain (not erasure-coded) manifest with the upstream
// codecs: blocks 0xCD02, sha2-256, CIDv1.
func New(tree cid.Cid, blockSize uint32, datasetSize uint64) *Manifest {
	return &Manifest{
		TreeCID:     tree,
		BlockSize:   blockSize,
		DatasetSize: datasetSize,
		Codec:       cids.CodecBlock,
		HCodec:      cids.HashSHA256,
		Version:     1,
	}
}

// Protected reports whether the dataset is erasure-coded.
func (m *Manifest) Protected() bool { return m.Erasure != nil }

// DefaultLayout returns the layout Cairn writes m in: LayoutCodex for
// erasure-coded manifests, Layout2026 otherwise.
func (m *Manifest) DefaultLayout() Layout {
	if m.Protected() {
		return LayoutCodex
	}
	return Layout2026
}

// BlocksCount returns ceil(DatasetSize / BlockSize), the number of blocks
// in the tree (0 when BlockSize is 0).
func (m *Manifest) BlocksCount() uint64 { return divUp(m.DatasetSize, uint64(m.BlockSize)) }

// OriginalBlocksCount returns ceil(OriginalDatasetSize / BlockSize) for a
// protected manifest, and 0 otherwise.
func (m *Manifest) OriginalBlocksCount() uint64 {
	if !m.Protected() {
		return 0
	}
	return divUp(m.Erasure.OriginalDatasetSize, uint64(m.BlockSize))
}

// Steps returns the number of codewords (columns) of a protected manifest,
// ceil(OriginalBlocksCount / K), and 0 otherwise.
func (m *Manifest) Steps() uint64 {
	if !m.Protected() {
		return 0
	}
	return divUp(m.OriginalBlocksCount(), uint64(m.Erasure.K))
}

func divUp(a, b uint64) uint64 {
	if b == 0 {
		return 0
	}
	q := a / b
	if a%b != 0 {
		q++
	}
	return q
}

// checkStructure holds the rules without which m cannot be encoded or
// decoded faithfully. Encode wraps its error with ErrInvalid, Decode with
// ErrMalformed; Validate adds the policy rules on top.
func (m *Manifest) checkStructure() error {
	if err := cids.Check(m.TreeCID, cids.CodecTree); err != nil {
		return fmt.Errorf("tree CID: %w", err)
	}
	if m.BlockSize == 0 || m.BlockSize > wireBlockSizeLimit {
		return fmt.Errorf("block size %d not in [1, %d]", m.BlockSize, wireBlockSizeLimit)
	}
	if m.Version != 1 {
		return fmt.Errorf("CID version %d, want 1", m.Version)
	}
	if m.Codec > 1<<32-1 || m.HCodec > 1<<32-1 {
		return fmt.Errorf("codec 0x%x / hcodec 0x%x: upstream writes them as uint32", m.Codec, m.HCodec)
	}
	e := m.Erasure
	if e == nil {
		return nil
	}
	if e.K == 0 || uint64(e.K)+uint64(e.M) > maxShards {
		return fmt.Errorf("erasure K=%d M=%d: want K ≥ 1 and K+M ≤ %d", e.K, e.M, maxShards)
	}
	if err := cids.Check(e.OriginalTreeCID, cids.CodecTree); err != nil {
		return fmt.Errorf("original tree CID: %w", err)
	}
	if e.Strategy > StrategyStepped {
		return fmt.Errorf("erasure strategy %d unknown", uint32(e.Strategy))
	}
	v := e.Verification
	if v == nil {
		return nil
	}
	if err := checkV1(v.VerifyRoot); err != nil {
		return fmt.Errorf("verify root: %w", err)
	}
	if len(v.SlotRoots) == 0 {
		return errors.New("verification info without slot roots")
	}
	for i, c := range v.SlotRoots {
		if err := checkV1(c); err != nil {
			return fmt.Errorf("slot root %d: %w", i, err)
		}
	}
	if v.Strategy > StrategyStepped {
		return fmt.Errorf("verification strategy %d unknown", uint32(v.Strategy))
	}
	return nil
}

// checkV1 accepts any defined CIDv1: proof roots use the identity multihash,
// which cids.Check (sha2-256 only) refuses.
func checkV1(c cid.Cid) error {
	if !c.Defined() {
		return fmt.Errorf("%w: empty", cids.ErrInvalid)
	}
	if c.Version() != 1 {
		return fmt.Errorf("%w: CIDv%d, want CIDv1", cids.ErrInvalid, c.Version())
	}
	return nil
}
