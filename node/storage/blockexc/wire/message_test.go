package wire_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/ipfs/go-cid"

	"github.com/cairn-node/cairn/node/storage/blockexc/wire"
	"github.com/cairn-node/cairn/node/storage/cids"
)

// Hand-built protobuf, for inputs upstream never writes.
func tag(f, wt int) []byte { return binary.AppendUvarint(nil, uint64(f)<<3|uint64(wt)) }
func vi(f int, v uint64) []byte {
	return binary.AppendUvarint(tag(f, 0), v)
}
func ld(f int, parts ...[]byte) []byte {
	p := bytes.Join(parts, nil)
	return append(binary.AppendUvarint(tag(f, 2), uint64(len(p))), p...)
}
func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

func addr(c cid.Cid, i uint64) []byte { return cat(ld(1, c.Bytes()), vi(2, i)) }
func entry(c cid.Cid, i uint64) []byte {
	return cat(ld(1, addr(c, i)), vi(2, 1), vi(3, 0), vi(4, 0), vi(5, 0), vi(6, 0), vi(7, 9))
}
func presence(c cid.Cid, i uint64) []byte {
	return cat(ld(1, addr(c, i)), vi(2, 0), vi(4, 3))
}

func TestDecodeMessageTolerates(t *testing.T) {
	one := wire.Entry{Address: wire.Address{TreeCID: cidA, Index: 5}, Priority: 1, DownloadID: 9}
	tests := []struct {
		name string
		in   []byte
		want wire.Message
	}{
		{"unknown fields at every level", cat(
			vi(9, 7), ld(1, ld(1, cat(ld(1, addr(cidA, 5), vi(3, 1)), vi(2, 1), vi(3, 0), vi(4, 0), vi(5, 0), vi(6, 0), vi(7, 9), ld(15, []byte("x")))),
				vi(2, 0), tag(3, 1), make([]byte, 8), tag(4, 5), make([]byte, 4)), ld(100, nil)),
			wire.Message{WantList: wire.WantList{Entries: []wire.Entry{one}}}},
		{"fields out of order", cat(ld(4, presence(cidB, 1)), ld(1, vi(2, 1))),
			wire.Message{WantList: wire.WantList{Full: true}, BlockPresences: []wire.BlockPresence{{Address: wire.Address{TreeCID: cidB, Index: 1}, DownloadID: 3}}}},
		{"repeated wantList merges", cat(ld(1, ld(1, entry(cidA, 5)), vi(2, 1)), ld(1, ld(1, entry(cidA, 5)), vi(2, 0))),
			wire.Message{WantList: wire.WantList{Entries: []wire.Entry{one, one}, Full: false}}},
		{"last scalar wins", ld(1, vi(2, 1), vi(2, 0)), wire.Message{}},
		{"bool 2 is true", ld(1, vi(2, 2)), wire.Message{WantList: wire.WantList{Full: true}}},
		{"int32 keeps low 32 bits", ld(1, ld(1, cat(ld(1, addr(cidA, 5)), vi(2, 1<<32|1), vi(3, 0), vi(4, 1<<32), vi(5, 0), vi(6, 0), vi(7, 9))), vi(2, 0)),
			wire.Message{WantList: wire.WantList{Entries: []wire.Entry{one}}}},
		{"non-minimal varint", ld(1, tag(2, 0), []byte{0x81, 0x00}), wire.Message{WantList: wire.WantList{Full: true}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := wire.DecodeMessage(tc.in)
			if err != nil || !reflect.DeepEqual(got, tc.want) {
				t.Errorf("DecodeMessage(%x) = %+v, %v, want %+v", tc.in, got, err, tc.want)
			}
		})
	}
}

func TestDecodeMessageMalformed(t *testing.T) {
	full := vi(2, 0)
	many := func(n int, item func() []byte) []byte {
		var b []byte
		for range n {
			b = append(b, item()...)
		}
		return b
	}
	tests := []struct {
		name string
		in   []byte
		want error
	}{
		{"empty: no wantList", nil, wire.ErrMalformed},
		{"wantList without full", ld(1), wire.ErrMalformed},
		{"truncated length", []byte{0x0a}, wire.ErrMalformed},
		{"length past end", []byte{0x0a, 0x05, 0x10, 0x00}, wire.ErrMalformed},
		{"truncated varint", []byte{0x0a, 0x02, 0x10, 0x80}, wire.ErrMalformed},
		{"varint over 64 bits", ld(1, tag(2, 0), bytes.Repeat([]byte{0xff}, 10), []byte{0x01}), wire.ErrMalformed},
		{"header over 5 bytes", cat([]byte{0x8a, 0x80, 0x80, 0x80, 0x80, 0x00}, ld(0x7f)), wire.ErrMalformed},
		{"group wire type", cat(ld(1, full), tag(5, 3)), wire.ErrMalformed},
		{"wire type 6", cat(ld(1, full), tag(5, 6)), wire.ErrMalformed},
		{"field 0", cat(ld(1, full), []byte{0x00, 0x00}), wire.ErrMalformed},
		{"reserved field 19000", cat(ld(1, full), vi(19000, 1)), wire.ErrMalformed},
		{"wantList as varint", vi(1, 0), wire.ErrMalformed},
		{"full as bytes", ld(1, ld(2, []byte{1})), wire.ErrMalformed},
		{"truncated fixed64", cat(ld(1, full), tag(3, 1), []byte{1, 2}), wire.ErrMalformed},
		{"truncated fixed32", cat(ld(1, full), tag(3, 5), []byte{1}), wire.ErrMalformed},
		{"entry missing downloadId", ld(1, ld(1, cat(ld(1, addr(cidA, 5)), vi(2, 1), vi(3, 0), vi(4, 0), vi(5, 0), vi(6, 0))), full), wire.ErrMalformed},
		{"address missing index", ld(1, ld(1, cat(ld(1, ld(1, cidA.Bytes())), vi(2, 1), vi(3, 0), vi(4, 0), vi(5, 0), vi(6, 0), vi(7, 0))), full), wire.ErrMalformed},
		{"invalid tree CID", ld(1, ld(1, cat(ld(1, ld(1, []byte{0x01, 0x55}), vi(2, 0)), vi(2, 1), vi(3, 0), vi(4, 0), vi(5, 0), vi(6, 0), vi(7, 0))), full), wire.ErrMalformed},
		{"empty tree CID", cat(ld(1, full), ld(4, ld(1, ld(1), vi(2, 0)), vi(2, 0), vi(4, 0))), wire.ErrMalformed},
		{"unknown want type", ld(1, ld(1, cat(ld(1, addr(cidA, 5)), vi(2, 1), vi(3, 0), vi(4, 1), vi(5, 0), vi(6, 0), vi(7, 0))), full), wire.ErrMalformed},
		{"unknown presence kind", cat(ld(1, full), ld(4, ld(1, addr(cidA, 1)), vi(2, 3), vi(4, 0))), wire.ErrMalformed},
		{"negative presence kind", cat(ld(1, full), ld(4, ld(1, addr(cidA, 1)), vi(2, 1<<64-1), vi(4, 0))), wire.ErrMalformed},
		{"presence missing kind", cat(ld(1, full), ld(4, ld(1, addr(cidA, 1)), vi(4, 0))), wire.ErrMalformed},
		{"range missing count", cat(ld(1, full), ld(4, ld(1, addr(cidA, 1)), vi(2, 1), ld(3, vi(1, 0)), vi(4, 0))), wire.ErrMalformed},
		{"1025 entries", ld(1, many(1025, func() []byte { return ld(1, entry(cidA, 1)) }), full), wire.ErrTooLarge},
		{"1025 entries over two wantLists", cat(ld(1, many(1000, func() []byte { return ld(1, entry(cidA, 1)) }), full),
			ld(1, many(25, func() []byte { return ld(1, entry(cidA, 1)) }), full)), wire.ErrTooLarge},
		{"1025 presences", cat(ld(1, full), many(1025, func() []byte { return ld(4, presence(cidA, 1)) })), wire.ErrTooLarge},
		{"over 16 MiB", cat(ld(1, full), ld(5, make([]byte, wire.MaxControlSize))), wire.ErrTooLarge},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := wire.DecodeMessage(tc.in)
			if !errors.Is(err, tc.want) {
				t.Errorf("DecodeMessage(%.40x…) = %+v, %v, want %v", tc.in, got, err, tc.want)
			}
		})
	}
	// Exactly at the limits is fine.
	ok := cat(ld(1, many(1024, func() []byte { return ld(1, entry(cidA, 1)) }), full),
		many(1024, func() []byte { return ld(4, presence(cidA, 1)) }))
	if m, err := wire.DecodeMessage(ok); err != nil || len(m.WantList.Entries) != 1024 || len(m.BlockPresences) != 1024 {
		t.Errorf("DecodeMessage(1024 entries, 1024 presences) = %d, %d, %v, want 1024, 1024, nil",
			len(m.WantList.Entries), len(m.BlockPresences), err)
	}
}

func TestEncodeMessageRejects(t *testing.T) {
	e := wire.Entry{Address: wire.Address{TreeCID: cidA}}
	p := wire.BlockPresence{Address: wire.Address{TreeCID: cidA}}
	tests := []struct {
		name string
		m    wire.Message
		want error
	}{
		{"undefined entry CID", wire.Message{WantList: wire.WantList{Entries: []wire.Entry{{}}}}, wire.ErrMalformed},
		{"undefined presence CID", wire.Message{BlockPresences: []wire.BlockPresence{{}}}, wire.ErrMalformed},
		{"want type 1", wire.Message{WantList: wire.WantList{Entries: []wire.Entry{{Address: e.Address, WantType: 1}}}}, wire.ErrMalformed},
		{"kind 3", wire.Message{BlockPresences: []wire.BlockPresence{{Address: p.Address, Kind: 3}}}, wire.ErrMalformed},
		{"kind -1", wire.Message{BlockPresences: []wire.BlockPresence{{Address: p.Address, Kind: -1}}}, wire.ErrMalformed},
		{"1025 entries", wire.Message{WantList: wire.WantList{Entries: make([]wire.Entry, 1025)}}, wire.ErrTooLarge},
		{"1025 presences", wire.Message{BlockPresences: make([]wire.BlockPresence, 1025)}, wire.ErrTooLarge},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got, err := wire.EncodeMessage(&tc.m); !errors.Is(err, tc.want) {
				t.Errorf("EncodeMessage(%s) = %x, %v, want %v", tc.name, got, err, tc.want)
			}
		})
	}
}

func randCID(r *rand.Rand) cid.Cid {
	var d [32]byte
	for i := range d {
		d[i] = byte(r.Uint32())
	}
	codecs := []uint64{cids.CodecBlock, cids.CodecTree, cids.CodecManifest, 0x55}
	return cids.FromDigest(codecs[r.IntN(len(codecs))], d)
}

func randMessage(r *rand.Rand) wire.Message {
	var m wire.Message
	m.WantList.Full = r.IntN(2) == 1
	for range r.IntN(5) {
		m.WantList.Entries = append(m.WantList.Entries, wire.Entry{
			Address:  wire.Address{TreeCID: randCID(r), Index: r.Uint64() >> r.IntN(64)},
			Priority: int32(r.Uint32()), Cancel: r.IntN(2) == 1, SendDontHave: r.IntN(2) == 1,
			RangeCount: r.Uint64() >> r.IntN(64), DownloadID: r.Uint64(),
		})
	}
	for range r.IntN(5) {
		p := wire.BlockPresence{
			Address: wire.Address{TreeCID: randCID(r), Index: r.Uint64() >> r.IntN(64)},
			Kind:    wire.PresenceKind(r.IntN(3)), DownloadID: r.Uint64() >> r.IntN(64),
		}
		for range r.IntN(4) {
			p.Ranges = append(p.Ranges, wire.Range{Start: r.Uint64() >> r.IntN(64), Count: r.Uint64() >> r.IntN(64)})
		}
		m.BlockPresences = append(m.BlockPresences, p)
	}
	return m
}

func TestMessageRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 500 {
		m := randMessage(r)
		b, err := wire.EncodeMessage(&m)
		if err != nil {
			t.Fatalf("case %d: EncodeMessage(%+v) = %v, want nil", i, m, err)
		}
		got, err := wire.DecodeMessage(b)
		if err != nil || !reflect.DeepEqual(got, m) {
			t.Fatalf("case %d: DecodeMessage(EncodeMessage(%+v)) = %+v, %v", i, m, got, err)
		}
	}
}

func TestEncodeMessageNegativePriority(t *testing.T) {
	m := wire.Message{WantList: wire.WantList{Entries: []wire.Entry{{Address: wire.Address{TreeCID: cidA}, Priority: -1}}}}
	b, err := wire.EncodeMessage(&m)
	if err != nil {
		t.Fatal(err)
	}
	// int32 -1 is sign-extended: 10 varint bytes, as nim-protobuf-serialization writes it.
	if want := []byte{0x10, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}; !bytes.Contains(b, want) {
		t.Errorf("EncodeMessage(priority -1) = %x, want it to contain %x", b, want)
	}
	if got, err := wire.DecodeMessage(b); err != nil || got.WantList.Entries[0].Priority != -1 {
		t.Errorf("DecodeMessage(%x) = %+v, %v, want priority -1", b, got, err)
	}
}
