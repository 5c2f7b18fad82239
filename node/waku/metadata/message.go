package metadata

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/cairn-node/cairn/node/internal/minpb"
)

// Field numbers of WakuMetadataRequest / WakuMetadataResponse.
const (
	fieldClusterID      = 1
	fieldShardsUnpacked = 2 // deprecated, still written
	fieldShardsPacked   = 3
)

// Message is a WakuMetadataRequest or WakuMetadataResponse (the two have
// the same fields).
type Message struct {
	// ClusterID is the sender's cluster; meaningful only when
	// HasClusterID is set (nwaku's Option[uint32]).
	ClusterID    uint32
	HasClusterID bool
	// Shards are the sender's relay shards.
	Shards []uint32
}

// Marshal encodes m as nwaku does: cluster_id when set, every shard as
// field 2, then all shards packed in field 3 (written even when empty).
func (m Message) Marshal() []byte {
	var b []byte
	if m.HasClusterID {
		b = minpb.AppendUint(b, fieldClusterID, uint64(m.ClusterID))
	}
	var packed []byte
	for _, s := range m.Shards {
		b = minpb.AppendUint(b, fieldShardsUnpacked, uint64(s))
		packed = binary.AppendUvarint(packed, uint64(s))
	}
	return minpb.AppendBytes(b, fieldShardsPacked, packed)
}

// Unmarshal decodes a metadata message. As in nwaku, the last cluster_id
// wins, fields with an unexpected wire type and unknown fields are
// skipped, and shards come from packed field 3, else packed field 2, else
// unpacked field 2 (the first non-empty one). Unlike nwaku, which truncates, values above 2^32-1
// are an error. b is not retained.
func Unmarshal(b []byte) (Message, error) {
	fs, err := minpb.ParseFields(b)
	if err != nil {
		return Message{}, fmt.Errorf("metadata: decode: %w", err)
	}
	var m Message
	var packed3, packed2, unpacked2 []uint32
	for _, f := range fs {
		switch {
		case f.Num == fieldClusterID && f.Wire == minpb.WireVarint:
			if f.Val > math.MaxUint32 {
				return Message{}, fmt.Errorf("metadata: cluster_id %d above 2^32-1", f.Val)
			}
			m.ClusterID, m.HasClusterID = uint32(f.Val), true
		case f.Num == fieldShardsPacked && f.Wire == minpb.WireBytes:
			if packed3, err = appendPacked(packed3, f.Data); err != nil {
				return Message{}, err
			}
		case f.Num == fieldShardsUnpacked && f.Wire == minpb.WireBytes:
			if packed2, err = appendPacked(packed2, f.Data); err != nil {
				return Message{}, err
			}
		case f.Num == fieldShardsUnpacked && f.Wire == minpb.WireVarint:
			if f.Val > math.MaxUint32 {
				return Message{}, fmt.Errorf("metadata: shard %d above 2^32-1", f.Val)
			}
			unpacked2 = append(unpacked2, uint32(f.Val))
		}
	}
	switch { // minprotobuf's getters report a field found only when non-empty
	case len(packed3) > 0:
		m.Shards = packed3
	case len(packed2) > 0:
		m.Shards = packed2
	default:
		m.Shards = unpacked2
	}
	return m, nil
}

// appendPacked appends the varints of a packed repeated uint32 field.
func appendPacked(out []uint32, b []byte) ([]uint32, error) {
	for len(b) > 0 {
		v, n, err := minpb.ReadUvarint(b)
		if err != nil {
			return nil, fmt.Errorf("metadata: packed shards: %w", err)
		}
		if v > math.MaxUint32 {
			return nil, fmt.Errorf("metadata: shard %d above 2^32-1", v)
		}
		out = append(out, uint32(v))
		b = b[n:]
	}
	return out, nil
}
