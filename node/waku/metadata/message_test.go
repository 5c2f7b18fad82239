package metadata_test

import (
	"encoding/hex"
	"slices"
	"testing"

	"github.com/cairn-node/cairn/node/waku/metadata"
)

// TestMarshalNwakuBytes checks the bytes nwaku's encode writes for
// cluster 1, shards [0, 5]: field 1, field 2 per shard, packed field 3.
func TestMarshalNwakuBytes(t *testing.T) {
	for _, tc := range []struct {
		name string
		m    metadata.Message
		want string
	}{
		{"cluster and shards", metadata.Message{ClusterID: 1, HasClusterID: true, Shards: []uint32{0, 5}}, "0801" + "1000" + "1005" + "1a020005"},
		{"no shards", metadata.Message{ClusterID: 300, HasClusterID: true}, "08ac02" + "1a00"},
		{"no cluster", metadata.Message{Shards: []uint32{1024}}, "108008" + "1a028008"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := hex.EncodeToString(tc.m.Marshal()); got != tc.want {
				t.Errorf("Marshal(%+v) = %s, want %s", tc.m, got, tc.want)
			}
			back, err := metadata.Unmarshal(tc.m.Marshal())
			if err != nil || back.HasClusterID != tc.m.HasClusterID || back.ClusterID != tc.m.ClusterID || !slices.Equal(back.Shards, tc.m.Shards) {
				t.Errorf("Unmarshal(Marshal(%+v)) = %+v, %v", tc.m, back, err)
			}
		})
	}
}

// TestUnmarshalForms checks nwaku's decode order: packed 3, else packed 2,
// else unpacked 2; the last cluster_id wins; wrong wire types are skipped.
func TestUnmarshalForms(t *testing.T) {
	for _, tc := range []struct {
		name, in   string
		cluster    uint32
		hasCluster bool
		shards     []uint32
	}{
		{"packed 3 wins", "0802" + "1007" + "1a0103", 2, true, []uint32{3}},
		{"packed 2", "0802" + "12020102", 2, true, []uint32{1, 2}},
		{"unpacked 2", "1004" + "1006", 0, false, []uint32{4, 6}},
		{"empty packed 3 falls back", "1a00" + "1009", 0, false, []uint32{9}},
		{"last cluster wins", "0801" + "0803", 3, true, nil},
		{"cluster with wrong wire type skipped", "0a0101", 0, false, nil},
		{"unknown field skipped", "2001" + "0801", 1, true, nil},
		{"empty", "", 0, false, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, _ := hex.DecodeString(tc.in)
			m, err := metadata.Unmarshal(b)
			if err != nil || m.ClusterID != tc.cluster || m.HasClusterID != tc.hasCluster || !slices.Equal(m.Shards, tc.shards) {
				t.Errorf("Unmarshal(%s) = %+v, %v; want cluster %d (%v) shards %v", tc.in, m, err, tc.cluster, tc.hasCluster, tc.shards)
			}
		})
	}
	for name, in := range map[string]string{
		"truncated":          "08",
		"cluster above u32":  "088080808010",
		"bad packed varint":  "1a0180",
		"packed above u32":   "1a058080808010",
		"length beyond data": "1a05",
	} {
		b, _ := hex.DecodeString(in)
		if m, err := metadata.Unmarshal(b); err == nil {
			t.Errorf("Unmarshal(%s) = %+v, want an error", name, m)
		}
	}
}

// FuzzUnmarshal checks that Unmarshal never panics and that what it
// accepts survives Marshal and Unmarshal again.
func FuzzUnmarshal(f *testing.F) {
	f.Add(metadata.Message{ClusterID: 1, HasClusterID: true, Shards: []uint32{0, 1, 2}}.Marshal())
	f.Add([]byte{0x10, 0x04, 0x12, 0x01, 0x05})
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := metadata.Unmarshal(b)
		if err != nil {
			return
		}
		back, err := metadata.Unmarshal(m.Marshal())
		if err != nil || back.ClusterID != m.ClusterID || back.HasClusterID != m.HasClusterID || !slices.Equal(back.Shards, m.Shards) {
			t.Errorf("round trip of %+v = %+v, %v", m, back, err)
		}
	})
}
