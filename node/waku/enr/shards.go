package enr

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
)

// ENR keys and limits of relay sharding (nwaku waku_enr/sharding.nim).
const (
	// ShardsListKey is the key of the index-list form.
	ShardsListKey = "rs"
	// ShardsBitVectorKey is the key of the bit-vector form.
	ShardsBitVectorKey = "rsv"
	// MaxShardIndex is the largest shard index a bit vector can hold.
	MaxShardIndex = 1023
	// BitVectorThreshold is the shard count from which nwaku writes the
	// bit vector instead of the index list.
	BitVectorThreshold = 64
	// bitVectorLen is the length of an rsv value: cluster + 1024 bits.
	bitVectorLen = 2 + 128
)

// RelayShards is a cluster and the shards of it a node relays.
type RelayShards struct {
	Cluster uint16
	// Shards are shard indexes, each at most MaxShardIndex when built by
	// this package; decoded lists keep what the record says.
	Shards []uint16
}

// NewRelayShards checks and deduplicates shards as nwaku's
// RelayShards.init does: at least one shard, none above MaxShardIndex;
// the first occurrence of each shard is kept, in order.
func NewRelayShards(cluster uint16, shards ...uint16) (RelayShards, error) {
	if len(shards) == 0 {
		return RelayShards{}, errors.New("enr: relay shards: no shard")
	}
	var out []uint16
	for _, s := range shards {
		if s > MaxShardIndex {
			return RelayShards{}, fmt.Errorf("enr: relay shards: shard %d above %d", s, MaxShardIndex)
		}
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return RelayShards{Cluster: cluster, Shards: out}, nil
}

// Contains reports whether rs is on cluster and lists shard.
func (rs RelayShards) Contains(cluster, shard uint16) bool {
	return rs.Cluster == cluster && slices.Contains(rs.Shards, shard)
}

// IndicesList encodes rs as an "rs" value. It fails for more than 255
// shards (the count is one byte).
func (rs RelayShards) IndicesList() ([]byte, error) {
	if len(rs.Shards) > 255 {
		return nil, fmt.Errorf("enr: rs: %d shards, at most 255 fit an index list", len(rs.Shards))
	}
	b := binary.BigEndian.AppendUint16(make([]byte, 0, 3+2*len(rs.Shards)), rs.Cluster)
	b = append(b, byte(len(rs.Shards)))
	for _, s := range rs.Shards {
		b = binary.BigEndian.AppendUint16(b, s)
	}
	return b, nil
}

// BitVector encodes rs as an "rsv" value. It fails for a shard above
// MaxShardIndex.
func (rs RelayShards) BitVector() ([]byte, error) {
	b := make([]byte, bitVectorLen)
	binary.BigEndian.PutUint16(b, rs.Cluster)
	for _, s := range rs.Shards {
		if s > MaxShardIndex {
			return nil, fmt.Errorf("enr: rsv: shard %d above %d", s, MaxShardIndex)
		}
		b[2+s/8] |= 1 << (s % 8)
	}
	return b, nil
}

// DecodeIndicesList decodes an "rs" value: at least 3 bytes, and exactly
// 3 + 2*count.
func DecodeIndicesList(b []byte) (RelayShards, error) {
	if len(b) < 3 {
		return RelayShards{}, fmt.Errorf("enr: rs: %d bytes, want at least 3", len(b))
	}
	n := int(b[2])
	if len(b) != 3+2*n {
		return RelayShards{}, fmt.Errorf("enr: rs: count %d needs %d bytes, got %d", n, 3+2*n, len(b))
	}
	rs := RelayShards{Cluster: binary.BigEndian.Uint16(b), Shards: make([]uint16, n)}
	for i := range n {
		rs.Shards[i] = binary.BigEndian.Uint16(b[3+2*i:])
	}
	return rs, nil
}

// DecodeBitVector decodes an "rsv" value of exactly 130 bytes; shards come
// out in increasing order.
func DecodeBitVector(b []byte) (RelayShards, error) {
	if len(b) != bitVectorLen {
		return RelayShards{}, fmt.Errorf("enr: rsv: %d bytes, want %d", len(b), bitVectorLen)
	}
	rs := RelayShards{Cluster: binary.BigEndian.Uint16(b)}
	for i, c := range b[2:] {
		for j := range 8 {
			if c&(1<<j) != 0 {
				rs.Shards = append(rs.Shards, uint16(8*i+j))
			}
		}
	}
	return rs, nil
}
