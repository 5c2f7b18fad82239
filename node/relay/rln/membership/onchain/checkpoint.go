package onchain

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"os"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	"github.com/ethereum/go-ethereum/common"

	"github.com/cairn-node/cairn/node/atomicfile"
	"github.com/cairn-node/cairn/node/relay/rln"
	"github.com/cairn-node/cairn/node/relay/rln/membership"
)

// ErrCheckpoint is wrapped by [DecodeCheckpoint] errors: the file is
// truncated, corrupt or of another version. A syncer that meets one syncs
// again from the contract's deployment block.
var ErrCheckpoint = errors.New("onchain: bad membership checkpoint")

// checkpointMagic starts every checkpoint file; its last byte is the
// format version.
var checkpointMagic = []byte("CAIRN-RLN-CKPT\x00\x01")

// Checkpoint is the persisted state of a [Syncer]: the membership set as of
// the end of block NextBlock-1, with enough history to undo a reorg.
type Checkpoint struct {
	// ChainID and Contract identify the membership contract; a checkpoint
	// of another contract is refused.
	ChainID  uint64
	Contract common.Address
	// StartBlock is the first block the syncer scans (the contract's
	// deployment block).
	StartBlock uint64
	// NextBlock is the first block not yet scanned; LastHash is the hash
	// of block NextBlock-1 (zero when NextBlock == StartBlock).
	NextBlock uint64
	LastHash  common.Hash
	// Members are the non-empty leaves, in index order.
	Members []membership.Member
	// Roots is the window of accepted roots, oldest first.
	Roots []fr.Element
	// Journal lists the most recent scanned blocks, oldest first: each
	// block's hash and the leaves as they were before the block changed
	// them, so the syncer can roll back to any of them after a reorg.
	Journal []JournalEntry
}

// JournalEntry is one scanned block in a [Checkpoint]'s journal.
type JournalEntry struct {
	Block uint64
	Hash  common.Hash
	// Undo restores the leaves the block changed, applied in order.
	Undo []membership.Change
}

// Encode returns the checkpoint file content: a magic and version, the
// fields big-endian (field elements as 32-byte big-endian, indexes as
// uint32), and a SHA-256 of all that.
func (c *Checkpoint) Encode() []byte {
	var b bytes.Buffer
	u64 := func(v uint64) { b.Write(binary.BigEndian.AppendUint64(nil, v)) }
	u32 := func(v uint32) { b.Write(binary.BigEndian.AppendUint32(nil, v)) }
	fe := func(e fr.Element) { x := e.Bytes(); b.Write(x[:]) }
	leaves := func(ms []membership.Member) {
		u32(uint32(len(ms)))
		for _, m := range ms {
			u32(uint32(m.Index))
			fe(m.RateCommitment)
		}
	}
	b.Write(checkpointMagic)
	u64(c.ChainID)
	b.Write(c.Contract[:])
	u64(c.StartBlock)
	u64(c.NextBlock)
	b.Write(c.LastHash[:])
	u32(uint32(len(c.Roots)))
	for _, r := range c.Roots {
		fe(r)
	}
	leaves(c.Members)
	u32(uint32(len(c.Journal)))
	for _, j := range c.Journal {
		u64(j.Block)
		b.Write(j.Hash[:])
		leaves(j.Undo)
	}
	sum := sha256.Sum256(b.Bytes())
	b.Write(sum[:])
	return b.Bytes()
}

// reader consumes a checkpoint, remembering the first error.
type reader struct {
	b   []byte
	err error
}

func (r *reader) take(n int) []byte {
	if r.err != nil {
		return nil
	}
	if n > len(r.b) {
		r.err = fmt.Errorf("%w: truncated", ErrCheckpoint)
		return nil
	}
	out := r.b[:n]
	r.b = r.b[n:]
	return out
}

func (r *reader) u64() uint64 {
	if b := r.take(8); b != nil {
		return binary.BigEndian.Uint64(b)
	}
	return 0
}

func (r *reader) u32() uint32 {
	if b := r.take(4); b != nil {
		return binary.BigEndian.Uint32(b)
	}
	return 0
}

// count reads a length whose items take at least size bytes each, so a
// corrupt length cannot make the decoder allocate more than the input.
func (r *reader) count(size int) int {
	n := int(r.u32())
	if r.err == nil && n > len(r.b)/size {
		r.err = fmt.Errorf("%w: count %d exceeds the remaining %d bytes", ErrCheckpoint, n, len(r.b))
	}
	if r.err != nil {
		return 0
	}
	return n
}

func (r *reader) fe() fr.Element {
	b := r.take(fr.Bytes)
	if b == nil {
		return fr.Element{}
	}
	e, err := fr.BigEndian.Element((*[fr.Bytes]byte)(b))
	if err != nil && r.err == nil {
		r.err = fmt.Errorf("%w: field element: %w", ErrCheckpoint, err)
	}
	return e
}

func (r *reader) leaves() []membership.Member {
	n := r.count(4 + fr.Bytes)
	var out []membership.Member
	for range n {
		m := membership.Member{Index: uint64(r.u32())}
		m.RateCommitment = r.fe()
		if r.err == nil && m.Index >= rln.Capacity {
			r.err = fmt.Errorf("%w: leaf index %d out of range", ErrCheckpoint, m.Index)
		}
		out = append(out, m)
	}
	return out
}

// DecodeCheckpoint parses what [Checkpoint.Encode] wrote. Every error
// wraps [ErrCheckpoint]. It does not retain b.
func DecodeCheckpoint(b []byte) (*Checkpoint, error) {
	if len(b) < len(checkpointMagic)+sha256.Size || !bytes.Equal(b[:len(checkpointMagic)], checkpointMagic) {
		return nil, fmt.Errorf("%w: not a version-1 checkpoint", ErrCheckpoint)
	}
	body, sum := b[:len(b)-sha256.Size], b[len(b)-sha256.Size:]
	if got := sha256.Sum256(body); !bytes.Equal(got[:], sum) {
		return nil, fmt.Errorf("%w: checksum mismatch", ErrCheckpoint)
	}
	r := &reader{b: body[len(checkpointMagic):]}
	c := &Checkpoint{ChainID: r.u64()}
	copy(c.Contract[:], r.take(common.AddressLength))
	c.StartBlock = r.u64()
	c.NextBlock = r.u64()
	copy(c.LastHash[:], r.take(common.HashLength))
	nRoots := r.count(fr.Bytes)
	for range nRoots {
		c.Roots = append(c.Roots, r.fe())
	}
	c.Members = r.leaves()
	nJournal := r.count(8 + common.HashLength + 4)
	for range nJournal {
		j := JournalEntry{Block: r.u64()}
		copy(j.Hash[:], r.take(common.HashLength))
		j.Undo = r.leaves()
		c.Journal = append(c.Journal, j)
	}
	if r.err != nil {
		return nil, r.err
	}
	if len(r.b) != 0 {
		return nil, fmt.Errorf("%w: %d trailing bytes", ErrCheckpoint, len(r.b))
	}
	if c.NextBlock < c.StartBlock {
		return nil, fmt.Errorf("%w: next block %d before start block %d", ErrCheckpoint, c.NextBlock, c.StartBlock)
	}
	return c, nil
}

// CheckpointFileName is the name a syncer's checkpoint gets in a data
// directory: one file per chain and contract.
func CheckpointFileName(chainID uint64, contract common.Address) string {
	return fmt.Sprintf("rln-membership-%d-%s.ckpt", chainID, contract.Hex())
}

// SaveCheckpoint writes c to path atomically and durably: a temporary file
// in the same directory (mode 0600), fsync, rename over path, fsync of the
// directory. After a crash path holds either the old or the new checkpoint.
func SaveCheckpoint(path string, c *Checkpoint) error {
	if err := atomicfile.Write(path, c.Encode(), 0o600); err != nil {
		return fmt.Errorf("onchain: save checkpoint: %w", err)
	}
	return nil
}

// LoadCheckpoint reads the checkpoint at path. A missing file gives an
// error that matches os.ErrNotExist; a corrupt one wraps [ErrCheckpoint].
func LoadCheckpoint(path string) (*Checkpoint, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("onchain: load checkpoint: %w", err)
	}
	c, err := DecodeCheckpoint(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}
