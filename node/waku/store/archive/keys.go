package archive

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Key prefixes (see the package doc).
const (
	prefixMsg   = 'm'
	prefixHash  = 'h'
	prefixTopic = 't'
)

var keyStats = []byte{'s'}

// HashSize is the size of a deterministic message hash.
const HashSize = 32

// sortKeySize is the size of ts ‖ hash, the suffix that orders entries.
const sortKeySize = 8 + HashSize

// recordVersion is the first byte of every record; a record of another
// version is reported as corrupt.
const recordVersion = 1

// ErrCorrupt is wrapped by errors about stored data that cannot be read.
var ErrCorrupt = errors.New("archive: corrupt entry")

// sortKey is ts ‖ hash: the order of entries.
type sortKey [sortKeySize]byte

func makeSortKey(ts int64, hash [HashSize]byte) sortKey {
	var k sortKey
	binary.BigEndian.PutUint64(k[:8], uint64(ts)^1<<63)
	copy(k[8:], hash[:])
	return k
}

func (k sortKey) ts() int64 { return int64(binary.BigEndian.Uint64(k[:8]) ^ 1<<63) }

func (k sortKey) hash() (h [HashSize]byte) {
	copy(h[:], k[8:])
	return h
}

func msgKey(k sortKey) []byte { return append([]byte{prefixMsg}, k[:]...) }

func hashKey(h [HashSize]byte) []byte { return append([]byte{prefixHash}, h[:]...) }

// topicPrefix is 't' ‖ uvarint(len(topic)) ‖ topic; the length keeps one
// topic's keys from interleaving with those of a longer topic it prefixes.
func topicPrefix(topic string) []byte {
	b := binary.AppendUvarint([]byte{prefixTopic}, uint64(len(topic)))
	return append(b, topic...)
}

func topicKey(topic string, k sortKey) []byte { return append(topicPrefix(topic), k[:]...) }

// tsBytes is the 8-byte ordered form of ts, the value of a hash key.
func tsBytes(ts int64) []byte {
	return binary.BigEndian.AppendUint64(nil, uint64(ts)^1<<63)
}

func parseTS(b []byte) (int64, error) {
	if len(b) != 8 {
		return 0, fmt.Errorf("%w: hash index value of %d bytes, want 8", ErrCorrupt, len(b))
	}
	return int64(binary.BigEndian.Uint64(b) ^ 1<<63), nil
}

// record is the value of a message key.
type record struct {
	pubsubTopic  string
	contentTopic string
	receivedAt   int64 // ns since the Unix epoch
	msg          []byte
}

func (r record) encode() []byte {
	b := make([]byte, 0, 1+2*binary.MaxVarintLen64+len(r.pubsubTopic)+len(r.contentTopic)+8+len(r.msg))
	b = append(b, recordVersion)
	b = binary.AppendUvarint(b, uint64(len(r.pubsubTopic)))
	b = append(b, r.pubsubTopic...)
	b = binary.AppendUvarint(b, uint64(len(r.contentTopic)))
	b = append(b, r.contentTopic...)
	b = binary.BigEndian.AppendUint64(b, uint64(r.receivedAt))
	return append(b, r.msg...)
}

// decodeRecord parses b; msg aliases b.
func decodeRecord(b []byte) (record, error) {
	var r record
	if len(b) == 0 || b[0] != recordVersion {
		return r, fmt.Errorf("%w: record version byte missing or unknown", ErrCorrupt)
	}
	b = b[1:]
	var err error
	if r.pubsubTopic, b, err = readString(b); err != nil {
		return r, err
	}
	if r.contentTopic, b, err = readString(b); err != nil {
		return r, err
	}
	if len(b) < 8 {
		return r, fmt.Errorf("%w: record truncated", ErrCorrupt)
	}
	r.receivedAt = int64(binary.BigEndian.Uint64(b))
	r.msg = b[8:]
	return r, nil
}

func readString(b []byte) (string, []byte, error) {
	n, w := binary.Uvarint(b)
	if w <= 0 || n > uint64(len(b)-w) {
		return "", nil, fmt.Errorf("%w: record string truncated", ErrCorrupt)
	}
	return string(b[w : w+int(n)]), b[w+int(n):], nil
}

// entrySize is the logical size of an entry: all its keys and values.
func entrySize(pubsubTopic string, recLen int) uint64 {
	return uint64(1+sortKeySize+recLen) + // message key and record
		uint64(1+HashSize+8) + // hash key and ts
		uint64(len(topicPrefix(pubsubTopic))+sortKeySize) // topic key
}

// stats is the value of keyStats.
type stats struct{ count, bytes uint64 }

func (s stats) encode() []byte {
	return binary.AppendUvarint(binary.AppendUvarint(nil, s.count), s.bytes)
}

func decodeStats(b []byte) (stats, error) {
	c, n := binary.Uvarint(b)
	if n <= 0 {
		return stats{}, fmt.Errorf("%w: stats", ErrCorrupt)
	}
	by, m := binary.Uvarint(b[n:])
	if m <= 0 || n+m != len(b) {
		return stats{}, fmt.Errorf("%w: stats", ErrCorrupt)
	}
	return stats{c, by}, nil
}
