package pebblestore

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/ipfs/go-cid"
)

// The key space of the index. Every key starts with one prefix byte; CIDs
// are in binary form, which is self-delimiting (no CID's bytes are a
// proper prefix of another's).
const (
	// prefixBlock ‖ cid → blockMeta: one per stored block.
	prefixBlock = 'b'
	// prefixBody ‖ cid → the block's bytes (LayoutBlobs only; pebble moves
	// them to blob files).
	prefixBody = 'd'
	// prefixDataset ‖ manifest cid → datasetRecord: one per visible dataset.
	prefixDataset = 's'
	// prefixList ‖ len(m) ‖ m ‖ uint32 BE leaf index → block cid: the block
	// list of dataset m. It is what deleting a dataset releases.
	prefixList = 'l'
	// prefixExpiry ‖ uint64 BE unix nanos ‖ kind ‖ cid → "": the TTL index,
	// in expiry order, of datasets (kindDataset) and loose blocks
	// (kindBlock).
	prefixExpiry = 'x'
	// prefixReap ‖ manifest cid → "": a deleted dataset whose block list
	// is still being released (bounded batches, resumed after a crash).
	prefixReap = 'z'
	// prefixStage ‖ uint64 BE batch id ‖ cid → "": a body written ahead of
	// its batch's commit (LayoutBlobs); swept on open.
	prefixStage = 'p'
	// prefixOption ‖ name → value: persistent store options.
	prefixOption = 'o'
)

// Kinds of TTL index entries.
const (
	kindDataset = 'd'
	kindBlock   = 'b'
)

// Flags of a blockMeta.
const (
	// flagLoose: the block has its own hold (Put, Batch.Commit) with an
	// expiry, besides the datasets that list it.
	flagLoose = 1 << iota
	// flagCorrupt: a read found the bytes damaged; Has says false and the
	// next Put rewrites the body.
	flagCorrupt
)

var (
	keyLayout    = []byte{prefixOption, 'l', 'a', 'y', 'o', 'u', 't'}
	errBadRecord = errors.New("pebblestore: undecodable index record")
)

func blockKey(c cid.Cid) []byte   { return append([]byte{prefixBlock}, c.Bytes()...) }
func bodyKey(c cid.Cid) []byte    { return append([]byte{prefixBody}, c.Bytes()...) }
func datasetKey(m cid.Cid) []byte { return append([]byte{prefixDataset}, m.Bytes()...) }
func reapKey(m cid.Cid) []byte    { return append([]byte{prefixReap}, m.Bytes()...) }

// listPrefix is the prefix of dataset m's block list.
func listPrefix(m cid.Cid) []byte {
	b := m.Bytes()
	return append([]byte{prefixList, byte(len(b))}, b...)
}

func listKey(prefix []byte, i int) []byte {
	return binary.BigEndian.AppendUint32(append([]byte(nil), prefix...), uint32(i))
}

func expiryKey(t time.Time, kind byte, c cid.Cid) []byte {
	k := binary.BigEndian.AppendUint64([]byte{prefixExpiry}, unixNanos(t))
	return append(append(k, kind), c.Bytes()...)
}

// expiryBound is the first TTL key of time t: keys below it expired before t.
func expiryBound(t time.Time) []byte {
	return binary.BigEndian.AppendUint64([]byte{prefixExpiry}, unixNanos(t))
}

func parseExpiryKey(k []byte) (at uint64, kind byte, c cid.Cid, err error) {
	if len(k) < 10 || k[0] != prefixExpiry {
		return 0, 0, cid.Undef, errBadRecord
	}
	c, err = cid.Cast(k[10:])
	return binary.BigEndian.Uint64(k[1:9]), k[9], c, err
}

func stageKey(batch uint64, c cid.Cid) []byte {
	k := binary.BigEndian.AppendUint64([]byte{prefixStage}, batch)
	return append(k, c.Bytes()...)
}

func unixNanos(t time.Time) uint64 {
	if t.IsZero() || t.UnixNano() < 0 {
		return 0
	}
	return uint64(t.UnixNano())
}

// prefixEnd returns the first key after every key that starts with p.
func prefixEnd(p []byte) []byte {
	end := append([]byte(nil), p...)
	for i := len(end) - 1; i >= 0; i-- {
		end[i]++
		if end[i] != 0 {
			return end[:i+1]
		}
	}
	return nil // p is all 0xff: no upper bound
}

// location is where a body lives in LayoutSegments.
type location struct {
	seg uint32
	off int64 // of the body, past the record header
}

// blockMeta is the value of a prefixBlock key.
type blockMeta struct {
	flags   byte
	size    uint32
	refs    uint64    // listings in datasets
	expires time.Time // of the loose hold; zero without flagLoose
	loc     location  // LayoutSegments only
}

func (m *blockMeta) loose() bool   { return m.flags&flagLoose != 0 }
func (m *blockMeta) corrupt() bool { return m.flags&flagCorrupt != 0 }

// held reports whether anything keeps the block: a dataset or its own hold.
func (m *blockMeta) held() bool { return m.refs > 0 || m.loose() }

func (m *blockMeta) encode() []byte {
	b := make([]byte, 0, 32)
	b = append(b, m.flags)
	b = binary.AppendUvarint(b, uint64(m.size))
	b = binary.AppendUvarint(b, m.refs)
	b = binary.AppendUvarint(b, unixNanos(m.expires))
	b = binary.AppendUvarint(b, uint64(m.loc.seg))
	b = binary.AppendUvarint(b, uint64(m.loc.off))
	return b
}

func decodeBlockMeta(b []byte) (blockMeta, error) {
	var m blockMeta
	if len(b) < 1 {
		return m, errBadRecord
	}
	m.flags = b[0]
	d := decoder{b: b[1:]}
	size := d.uvarint()
	m.refs = d.uvarint()
	m.expires = fromNanos(d.uvarint())
	seg := d.uvarint()
	m.loc.off = int64(d.uvarint())
	if d.err != nil || size > 1<<31 || seg > 1<<32-1 {
		return m, fmt.Errorf("block meta: %w", errBadRecord)
	}
	m.size, m.loc.seg = uint32(size), uint32(seg)
	return m, nil
}

// datasetRecord is the value of a prefixDataset key.
type datasetRecord struct {
	tree     cid.Cid
	blocks   uint64
	bytes    uint64
	manifest uint32 // manifest size
	created  time.Time
	expires  time.Time
}

const recordVersion = 1

func (r *datasetRecord) encode() []byte {
	tb := r.tree.Bytes()
	b := make([]byte, 0, 64+len(tb))
	b = append(b, recordVersion)
	b = binary.AppendUvarint(b, uint64(len(tb)))
	b = append(b, tb...)
	b = binary.AppendUvarint(b, r.blocks)
	b = binary.AppendUvarint(b, r.bytes)
	b = binary.AppendUvarint(b, uint64(r.manifest))
	b = binary.AppendUvarint(b, unixNanos(r.created))
	b = binary.AppendUvarint(b, unixNanos(r.expires))
	return b
}

func decodeDatasetRecord(b []byte) (datasetRecord, error) {
	var r datasetRecord
	if len(b) < 1 || b[0] != recordVersion {
		return r, fmt.Errorf("dataset record: %w", errBadRecord)
	}
	d := decoder{b: b[1:]}
	n := d.uvarint()
	tb := d.bytes(n)
	r.blocks = d.uvarint()
	r.bytes = d.uvarint()
	ms := d.uvarint()
	r.created = fromNanos(d.uvarint())
	r.expires = fromNanos(d.uvarint())
	if d.err != nil || ms > 1<<32-1 {
		return r, fmt.Errorf("dataset record: %w", errBadRecord)
	}
	r.manifest = uint32(ms)
	if len(tb) > 0 {
		c, err := cid.Cast(tb)
		if err != nil {
			return r, fmt.Errorf("dataset record: tree: %w: %w", errBadRecord, err)
		}
		r.tree = c
	}
	return r, nil
}

func fromNanos(n uint64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, int64(n))
}

// decoder reads uvarints and byte strings, remembering the first error.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.err = errBadRecord
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) bytes(n uint64) []byte {
	if d.err != nil {
		return nil
	}
	if n > uint64(len(d.b)) {
		d.err = errBadRecord
		return nil
	}
	p := d.b[:n]
	d.b = d.b[n:]
	return p
}
