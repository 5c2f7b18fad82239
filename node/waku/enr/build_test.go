package enr_test

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net"
	"slices"
	"testing"

	gethcrypto "github.com/ethereum/go-ethereum/crypto"
	gethenr "github.com/ethereum/go-ethereum/p2p/enr"
	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"
	ma "github.com/multiformats/go-multiaddr"

	"github.com/cairn-node/cairn/node/waku/enr"
)

func TestBuildRoundTrip(t *testing.T) {
	key, err := gethcrypto.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	ws := ma.StringCast("/ip4/203.0.113.7/tcp/8000/ws/p2p/16Uiu2HAmPLe7Mzm8TsYUubgCAW1aJoeFScxrLj8ppHFivPo97bUZ")
	all := make([]uint16, 0, 70)
	for i := range uint16(70) {
		all = append(all, i*10)
	}
	for _, tc := range []struct {
		name, key string
		shards    []uint16
		extra     []ma.Multiaddr // a 130-byte rsv leaves no room in 300 bytes
		want      []string
	}{
		{"index list", enr.ShardsListKey, []uint16{0, 1, 2, 3, 4, 5, 6, 7}, []ma.Multiaddr{ws},
			[]string{"/ip4/203.0.113.7/tcp/60000", "/ip4/203.0.113.7/tcp/8000/ws"}},
		{"bit vector", enr.ShardsBitVectorKey, all, nil, []string{"/ip4/203.0.113.7/tcp/60000"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rs, err := enr.NewRelayShards(1, tc.shards...)
			if err != nil {
				t.Fatal(err)
			}
			n, err := enr.Build(key, enr.Fields{
				IP: net.IPv4(203, 0, 113, 7), TCP: 60000, UDP: 9000,
				Capabilities: enr.Relay | enr.Filter | enr.Lightpush,
				Shards:       &rs,
				Multiaddrs:   tc.extra,
			})
			if err != nil {
				t.Fatalf("Build = %v", err)
			}
			p, err := enr.Parse(n.String())
			if err != nil {
				t.Fatalf("Parse(Build) = %v", err)
			}
			var raw []byte
			if err := p.Record().Load(gethenr.WithEntry(tc.key, &raw)); err != nil {
				t.Errorf("record has no %q field: %v", tc.key, err)
			}
			if caps, err := enr.CapabilitiesOf(p.Record()); err != nil || caps != enr.Relay|enr.Filter|enr.Lightpush {
				t.Errorf("CapabilitiesOf = %v, %v; want relay|filter|lightpush", caps, err)
			}
			got, err := enr.ShardsOf(p.Record())
			if err != nil || got.Cluster != 1 || !slices.Equal(got.Shards, tc.shards) {
				t.Errorf("ShardsOf = %v, %v; want cluster 1 shards %v", got, err, tc.shards)
			}
			if got := addrStrings(t, p); !slices.Equal(got, tc.want) {
				t.Errorf("AddrInfo addrs = %q, want %q (/p2p stripped)", got, tc.want)
			}
			if p.UDP() != 9000 {
				t.Errorf("UDP() = %d, want 9000", p.UDP())
			}
		})
	}
}

// TestWaku2IsAByteString checks that caps 0 encodes as the byte string
// 0x00, as nwaku's @[caps.uint8], not as RLP integer 0 (0x80).
func TestWaku2IsAByteString(t *testing.T) {
	var r gethenr.Record
	es, err := enr.Fields{Capabilities: enr.Store}.Entries()
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range es {
		r.Set(e)
	}
	r.Set(gethenr.WithEntry(enr.CapabilitiesKey, []byte{0}))
	if c, err := enr.CapabilitiesOf(&r); err != nil || c != 0 || c.Defined() {
		t.Errorf("CapabilitiesOf(00) = %v, %v; want none", c, err)
	}
	r.Set(gethenr.WithEntry(enr.CapabilitiesKey, []byte{1, 2}))
	if _, err := enr.CapabilitiesOf(&r); err == nil {
		t.Error("CapabilitiesOf(two bytes): no error")
	}
	if s := (enr.Relay | enr.Sync | enr.Mix).String(); s != "relay|sync|mix" {
		t.Errorf("String = %q, want relay|sync|mix", s)
	}
}

func TestShardCodecs(t *testing.T) {
	rs := enr.RelayShards{Cluster: 0x0102, Shards: []uint16{0, 9, 1023}}
	il, err := rs.IndicesList()
	if err != nil {
		t.Fatal(err)
	}
	if want, _ := hex.DecodeString("010203" + "0000" + "0009" + "03ff"); !bytes.Equal(il, want) {
		t.Errorf("IndicesList = %x, want %x", il, want)
	}
	bv, err := rs.BitVector()
	if err != nil {
		t.Fatal(err)
	}
	if len(bv) != 130 || bv[0] != 1 || bv[1] != 2 || bv[2] != 0x01 || bv[3] != 0x02 || bv[129] != 0x80 {
		t.Errorf("BitVector = %x", bv)
	}
	back, err := enr.DecodeBitVector(bv)
	if err != nil || !slices.Equal(back.Shards, rs.Shards) {
		t.Errorf("DecodeBitVector = %v, %v", back, err)
	}
	for name, b := range map[string][]byte{"short": {0, 1}, "count too big": {0, 1, 2, 0, 0}, "trailing": {0, 1, 0, 7}} {
		if _, err := enr.DecodeIndicesList(b); err == nil {
			t.Errorf("DecodeIndicesList(%s) no error", name)
		}
	}
	if _, err := enr.DecodeBitVector(make([]byte, 129)); err == nil {
		t.Error("DecodeBitVector(129 bytes) no error")
	}
	if _, err := enr.NewRelayShards(1); err == nil {
		t.Error("NewRelayShards(no shard) no error")
	}
	if _, err := enr.NewRelayShards(1, 1024); err == nil {
		t.Error("NewRelayShards(1024) no error")
	}
	if got, _ := enr.NewRelayShards(1, 3, 1, 3); !slices.Equal(got.Shards, []uint16{3, 1}) {
		t.Errorf("NewRelayShards(3,1,3) = %v, want [3 1]", got.Shards)
	}
}

// TestShardsFallback checks nwaku's order: a malformed rs falls back to rsv.
func TestShardsFallback(t *testing.T) {
	var r gethenr.Record
	if _, err := enr.ShardsOf(&r); !errors.Is(err, enr.ErrNoField) {
		t.Errorf("ShardsOf(empty) = %v, want ErrNoField", err)
	}
	r.Set(gethenr.WithEntry(enr.ShardsListKey, []byte{0, 1}))
	if _, err := enr.ShardsOf(&r); err == nil || errors.Is(err, enr.ErrNoField) {
		t.Errorf("ShardsOf(bad rs) = %v, want a decode error", err)
	}
	bv, _ := enr.RelayShards{Cluster: 5, Shards: []uint16{4}}.BitVector()
	r.Set(gethenr.WithEntry(enr.ShardsBitVectorKey, bv))
	if rs, err := enr.ShardsOf(&r); err != nil || !rs.Contains(5, 4) {
		t.Errorf("ShardsOf(bad rs, good rsv) = %v, %v; want cluster 5 shard 4", rs, err)
	}
}

func TestDecodeMultiaddrs(t *testing.T) {
	good := ma.StringCast("/ip4/1.2.3.4/tcp/443/wss").Bytes()
	field := append([]byte{0, byte(len(good))}, good...)
	field = append(field, 0, 2, 0xff, 0xff) // not a multiaddr: skipped
	got, err := enr.DecodeMultiaddrs(field)
	if err != nil || len(got) != 1 || got[0].String() != "/ip4/1.2.3.4/tcp/443/wss" {
		t.Errorf("DecodeMultiaddrs = %v, %v", got, err)
	}
	for name, b := range map[string][]byte{"zero length": {0, 0}, "truncated length": {0}, "beyond": {0, 9, 1}} {
		if _, err := enr.DecodeMultiaddrs(b); err == nil {
			t.Errorf("DecodeMultiaddrs(%s) no error", name)
		}
	}
}

// TestECDSAKey checks that a libp2p identity and the ENR it signs name
// the same peer.
func TestECDSAKey(t *testing.T) {
	lk, _, err := crypto.GenerateSecp256k1Key(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := peer.IDFromPrivateKey(lk)
	ek, err := enr.ECDSAKey(lk)
	if err != nil {
		t.Fatal(err)
	}
	n, err := enr.Build(ek, enr.Fields{IP: net.IPv4(127, 0, 0, 1), TCP: 1})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := enr.PeerID(n); err != nil || got != want {
		t.Errorf("PeerID(Build(ECDSAKey(k))) = %s, %v; want %s", got, err, want)
	}
	edk, _, _ := crypto.GenerateEd25519Key(rand.Reader)
	if _, err := enr.ECDSAKey(edk); err == nil {
		t.Error("ECDSAKey(ed25519) no error")
	}
}
