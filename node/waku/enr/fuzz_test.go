package enr_test

import (
	"slices"
	"testing"

	"github.com/cairn-node/cairn/node/waku/enr"
)

// FuzzDecode feeds RLP records to Decode and every reader: none may panic.
func FuzzDecode(f *testing.F) {
	for _, v := range vectors(f) {
		n, err := enr.Parse(v)
		if err != nil {
			f.Fatal(err)
		}
		raw, _ := enr.Encode(n)
		f.Add(raw)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		n, err := enr.Decode(b)
		if err != nil {
			return
		}
		enr.CapabilitiesOf(n.Record())
		enr.ShardsOf(n.Record())
		enr.MultiaddrsOf(n.Record())
		enr.AddrInfo(n)
	})
}

// FuzzShardFields checks that whatever decodes re-encodes to the same bytes.
func FuzzShardFields(f *testing.F) {
	f.Add([]byte{0, 1, 2, 0, 0, 0, 7})
	f.Add(make([]byte, 130))
	f.Fuzz(func(t *testing.T, b []byte) {
		if rs, err := enr.DecodeIndicesList(b); err == nil {
			if out, err := rs.IndicesList(); err != nil || !slices.Equal(out, b) {
				t.Errorf("IndicesList(DecodeIndicesList(%x)) = %x, %v", b, out, err)
			}
		}
		if rs, err := enr.DecodeBitVector(b); err == nil {
			if out, err := rs.BitVector(); err != nil || !slices.Equal(out, b) {
				t.Errorf("BitVector(DecodeBitVector(%x)) = %x, %v", b, out, err)
			}
		}
	})
}

// FuzzDecodeMultiaddrs checks that decoded addresses re-encode and decode
// to the same list.
func FuzzDecodeMultiaddrs(f *testing.F) {
	f.Add([]byte{0, 8, 4, 1, 2, 3, 4, 6, 1, 187})
	f.Fuzz(func(t *testing.T, b []byte) {
		addrs, err := enr.DecodeMultiaddrs(b)
		if err != nil {
			return
		}
		out, err := enr.EncodeMultiaddrs(addrs)
		if err != nil {
			t.Fatalf("EncodeMultiaddrs(%v) = %v", addrs, err)
		}
		again, err := enr.DecodeMultiaddrs(out)
		if err != nil || len(again) != len(addrs) {
			t.Fatalf("DecodeMultiaddrs(EncodeMultiaddrs) = %v, %v; want %v", again, err, addrs)
		}
		for i := range addrs {
			if !again[i].Equal(addrs[i]) {
				t.Errorf("address %d = %s, want %s", i, again[i], addrs[i])
			}
		}
	})
}
