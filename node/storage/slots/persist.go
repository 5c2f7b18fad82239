package slots

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/ipfs/go-cid"

	"github.com/cairn-node/cairn/accel"
	"github.com/cairn-node/cairn/accel/poseidon2"
	"github.com/cairn-node/cairn/node/storage/manifest"
)

// Slot file format, version 1 (all integers little-endian):
//
//	magic "cairnslt" | u32 version | u32 slot | u32 numSlots
//	u32 blockSize | u32 cellSize | u32 strategy | u64 blocksCount
//	u16 treeCIDLen | treeCID bytes | [32]root | u64 n | n × [32]digest
//	[32]sha256 of everything before
//
// Digests and root are accel.Fr encodings (canonical, little-endian).
const (
	slotMagic   = "cairnslt"
	slotVersion = 1
	// maxSlotDigests bounds n when decoding: 2^32 blocks of 64 KiB is a
	// 256 TiB slot, far beyond any dataset.
	maxSlotDigests = 1 << 32
)

// slotFile is the decoded content of a slot file.
type slotFile struct {
	slot, numSlots      uint32
	blockSize, cellSize uint32
	strategy            uint32
	blocksCount         uint64
	tree                []byte // the dataset tree CID, binary
	root                accel.Fr
	digests             []accel.Fr
}

// slotFileName is the file of slot index of the dataset whose tree CID is
// tree, in dir.
func slotFileName(dir string, tree cid.Cid, index int) string {
	return filepath.Join(dir, fmt.Sprintf("%s.%d.slot", tree.String(), index))
}

// encodeSlotFile returns the bytes of f.
func encodeSlotFile(f *slotFile) []byte {
	var b bytes.Buffer
	b.WriteString(slotMagic)
	le := binary.LittleEndian
	for _, v := range []uint32{slotVersion, f.slot, f.numSlots, f.blockSize, f.cellSize, f.strategy} {
		b.Write(le.AppendUint32(nil, v))
	}
	b.Write(le.AppendUint64(nil, f.blocksCount))
	b.Write(le.AppendUint16(nil, uint16(len(f.tree))))
	b.Write(f.tree)
	b.Write(f.root[:])
	b.Write(le.AppendUint64(nil, uint64(len(f.digests))))
	for i := range f.digests {
		b.Write(f.digests[i][:])
	}
	sum := sha256.Sum256(b.Bytes())
	b.Write(sum[:])
	return b.Bytes()
}

// decodeSlotFile parses a slot file. Errors wrap ErrCorrupt; it never
// panics and allocates at most in proportion to len(data).
func decodeSlotFile(data []byte) (*slotFile, error) {
	bad := func(what string) (*slotFile, error) {
		return nil, fmt.Errorf("%w: slot file %s; delete it and build the slot again", ErrCorrupt, what)
	}
	const head = len(slotMagic) + 6*4 + 8 + 2
	if len(data) < head+32+8+32 {
		return bad("too short")
	}
	body, sum := data[:len(data)-32], data[len(data)-32:]
	if s := sha256.Sum256(body); !bytes.Equal(s[:], sum) {
		return bad("checksum mismatch")
	}
	if string(body[:len(slotMagic)]) != slotMagic {
		return bad("magic missing")
	}
	le := binary.LittleEndian
	p := body[len(slotMagic):]
	u32 := func() uint32 { v := le.Uint32(p); p = p[4:]; return v }
	if v := u32(); v != slotVersion {
		return bad(fmt.Sprintf("version %d (want %d)", v, slotVersion))
	}
	f := &slotFile{}
	f.slot, f.numSlots, f.blockSize, f.cellSize, f.strategy = u32(), u32(), u32(), u32(), u32()
	f.blocksCount = le.Uint64(p)
	n := int(le.Uint16(p[8:]))
	p = p[10:]
	if len(p) < n+32+8 {
		return bad("truncated header")
	}
	f.tree = append([]byte(nil), p[:n]...)
	p = p[n:]
	copy(f.root[:], p)
	nd := le.Uint64(p[32:])
	p = p[40:]
	if nd == 0 || nd > maxSlotDigests || uint64(len(p)) != nd*32 {
		return bad(fmt.Sprintf("with %d digests in %d bytes", nd, len(p)))
	}
	if poseidon2.CheckCanonical(f.root) != nil {
		return bad("root not a field element")
	}
	f.digests = make([]accel.Fr, nd)
	for i := range f.digests {
		copy(f.digests[i][:], p[32*i:])
		if poseidon2.CheckCanonical(f.digests[i]) != nil {
			return bad(fmt.Sprintf("digest %d not a field element", i))
		}
	}
	return f, nil
}

// check reports whether f is slot index of manifest m with layout l.
func (f *slotFile) check(m *manifest.Manifest, l Layout, index int) error {
	switch {
	case !bytes.Equal(f.tree, m.TreeCID.Bytes()):
		return fmt.Errorf("%w: slot file %d belongs to another dataset; build the slot again", ErrCorrupt, index)
	case int(f.slot) != index || int(f.numSlots) != l.NumSlots || int(f.blockSize) != l.BlockSize ||
		int(f.cellSize) != l.CellSize || manifest.Strategy(f.strategy) != l.Strategy ||
		f.blocksCount != uint64(l.BlocksCount) || len(f.digests) != l.SlotBlocksTotal:
		return fmt.Errorf("%w: slot file %d was built with another layout; build the slot again", ErrCorrupt, index)
	}
	return nil
}

// writeSlotFile stores s atomically (temporary file, fsync, rename).
func writeSlotFile(dir string, tree cid.Cid, s *Slot) error {
	f := &slotFile{
		slot: uint32(s.index), numSlots: uint32(s.l.NumSlots),
		blockSize: uint32(s.l.BlockSize), cellSize: uint32(s.l.CellSize), strategy: uint32(s.l.Strategy),
		blocksCount: uint64(s.l.BlocksCount), tree: tree.Bytes(), root: s.Root(), digests: s.digests,
	}
	name := slotFileName(dir, tree, s.index)
	tmp, err := os.CreateTemp(dir, ".slot-*")
	if err != nil {
		return fmt.Errorf("slots: store slot %d: %w", s.index, err)
	}
	_, err = tmp.Write(encodeSlotFile(f))
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), name)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("slots: store slot %d in %s: %w", s.index, dir, err)
	}
	return nil
}

// readSlotFile reads and decodes the file of slot index.
func readSlotFile(dir string, tree cid.Cid, index int) (*slotFile, error) {
	data, err := os.ReadFile(slotFileName(dir, tree, index))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("slots: slot %d of %s was not built in %s (build it with slots.Build): %w", index, tree, dir, err)
	}
	if err != nil {
		return nil, fmt.Errorf("slots: open slot %d: %w", index, err)
	}
	f, err := decodeSlotFile(data)
	if err != nil {
		return nil, fmt.Errorf("slots: slot %d of %s: %w", index, tree, err)
	}
	return f, nil
}
