package wire_test

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/ipfs/go-cid"

	"github.com/cairn-node/cairn/node/storage/blockexc/wire"
	"github.com/cairn-node/cairn/node/storage/cids"
)

// fixtureCID is the CID of the upstream fixtures: CIDv1, raw codec 0x55,
// sha2-256 of digest bytes 0x00..0x1e then seed.
func fixtureCID(seed byte) cid.Cid {
	var d [32]byte
	for i := range 31 {
		d[i] = byte(i)
	}
	d[31] = seed
	return cids.FromDigest(0x55, d)
}

var (
	cidA = fixtureCID(0xAA)
	cidB = fixtureCID(0xBB)
)

func ent(c cid.Cid, idx uint64, prio int32, cancel, sdh bool, rc, dl uint64) wire.Entry {
	return wire.Entry{Address: wire.Address{TreeCID: c, Index: idx}, Priority: prio, Cancel: cancel,
		WantType: wire.WantHave, SendDontHave: sdh, RangeCount: rc, DownloadID: dl}
}

func pres(c cid.Cid, idx uint64, k wire.PresenceKind, dl uint64, rs ...wire.Range) wire.BlockPresence {
	return wire.BlockPresence{Address: wire.Address{TreeCID: c, Index: idx}, Kind: k, Ranges: rs, DownloadID: dl}
}

// fixtureValues are the Go values of the upstream fixtures, written from
// the messages the upstream test builds (each case's "msg").
var fixtureValues = map[string]wire.Message{
	"emptyMessage":           {},
	"wantListEmptyFullFalse": {},
	"wantListEmptyFullTrue":  {WantList: wire.WantList{Full: true}},
	"wantListSingleEntry":    {WantList: wire.WantList{Entries: []wire.Entry{ent(cidA, 5, 1, false, true, 0, 42)}}},
	"wantListMultipleFullTrue": {WantList: wire.WantList{Full: true, Entries: []wire.Entry{
		ent(cidA, 0, 10, false, false, 5, 1), ent(cidB, 100, 50, true, true, 10, 2)}}},
	"presenceDontHave":  {BlockPresences: []wire.BlockPresence{pres(cidA, 7, wire.DontHave, 100)}},
	"presenceHaveRange": {BlockPresences: []wire.BlockPresence{pres(cidB, 0, wire.HaveRange, 500, wire.Range{Start: 0, Count: 10}, wire.Range{Start: 100, Count: 50})}},
	"presenceComplete":  {BlockPresences: []wire.BlockPresence{pres(cidA, 999, wire.Complete, 9999)}},
	"fullMessage": {
		WantList:       wire.WantList{Entries: []wire.Entry{ent(cidA, 1, 5, false, false, 2, 1)}},
		BlockPresences: []wire.BlockPresence{pres(cidB, 10, wire.HaveRange, 1, wire.Range{Start: 5, Count: 3}), pres(cidA, 20, wire.Complete, 1)},
	},
	"largeVarints":  {WantList: wire.WantList{Entries: []wire.Entry{ent(cidA, 0xFFFFFFFFFF, math.MaxInt32, false, false, 0xCAFEBABEDEADBEEF, math.MaxUint64)}}},
	"allZeroValues": {BlockPresences: []wire.BlockPresence{pres(cidA, 0, wire.DontHave, 0, wire.Range{})}},
	"wantListFullTrueWithPresences": {
		WantList:       wire.WantList{Full: true, Entries: []wire.Entry{ent(cidA, 3, 7, false, true, 4, 11)}},
		BlockPresences: []wire.BlockPresence{pres(cidB, 4, wire.HaveRange, 11, wire.Range{Start: 0, Count: 16})},
	},
	"threeBlockPresences": {BlockPresences: []wire.BlockPresence{
		pres(cidA, 1, wire.HaveRange, 21, wire.Range{Start: 0, Count: 8}), pres(cidB, 2, wire.DontHave, 22), pres(cidA, 3, wire.Complete, 23)}},
	"multipleEntriesCancelTrue": {WantList: wire.WantList{Entries: []wire.Entry{
		ent(cidA, 1, 1, true, false, 1, 31), ent(cidB, 2, 2, true, false, 1, 32)}}},
	"presenceDownloadIdMax": {BlockPresences: []wire.BlockPresence{pres(cidA, 1, wire.DontHave, math.MaxUint64)}},
	"entryRangeCountMax":    {WantList: wire.WantList{Entries: []wire.Entry{ent(cidA, 1, 1, false, false, math.MaxUint64, 1)}}},
	"rangeStartNearMax":     {BlockPresences: []wire.BlockPresence{pres(cidA, 0, wire.HaveRange, 41, wire.Range{Start: math.MaxUint64 - 1, Count: 1})}},
}

type fixture struct {
	Name string `json:"name"`
	Msg  string `json:"msg"`
	Hex  string `json:"hex"`
}

// fixtureFiles: the Cairn shared vectors, and every Expected_* const of the
// upstream wire-format contract test (see testdata/SOURCE).
var fixtureFiles = []string{"testdata/blockexc-wire.json", "testdata/upstream-wireformat.json"}

func loadFixtures(tb testing.TB, path string) []fixture {
	tb.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	var v struct{ Cases []fixture }
	if err := json.Unmarshal(raw, &v); err != nil {
		tb.Fatal(err)
	}
	if len(v.Cases) == 0 {
		tb.Fatalf("%s: no cases", path)
	}
	return v.Cases
}

func mustHex(tb testing.TB, s string) []byte {
	tb.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func TestUpstreamFixtures(t *testing.T) {
	for _, path := range fixtureFiles {
		for _, c := range loadFixtures(t, path) {
			t.Run(filepath.Base(path)+"/"+c.Name, func(t *testing.T) {
				m, ok := fixtureValues[c.Name]
				if !ok {
					t.Fatalf("%s: no Go value for fixture %q (%s)", path, c.Name, c.Msg)
				}
				want := mustHex(t, c.Hex)
				got, err := wire.EncodeMessage(&m)
				if err != nil || !bytes.Equal(got, want) {
					t.Errorf("EncodeMessage(%s) = %x, %v, want %x", c.Msg, got, err, want)
				}
				dec, err := wire.DecodeMessage(want)
				if err != nil || !reflect.DeepEqual(dec, m) {
					t.Errorf("DecodeMessage(%s) = %+v, %v, want %+v", c.Hex, dec, err, m)
				}
				// A frame around it, as upstream frameProtobufMessage builds.
				var buf bytes.Buffer
				if err := wire.WriteFrame(&buf, wire.TypeControl, want); err != nil {
					t.Fatal(err)
				}
				if typ, p, err := wire.NewFrameReader(&buf).ReadFrame(); err != nil || typ != wire.TypeControl || !bytes.Equal(p, want) {
					t.Errorf("ReadFrame(WriteFrame(%x)) = 0x%02x, %x, %v", want, typ, p, err)
				}
			})
		}
	}
}

// Upstream "decode error handling" suite of testwireformat.nim: each input
// must be rejected.
func TestUpstreamDecodeErrors(t *testing.T) {
	presence := mustHex(t, "0a021000222e0a280a2401551220000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1eaa100710002064")
	corrupted := bytes.Clone(presence)
	for i := 10; i <= 45; i++ {
		corrupted[i] = 0xCC
	}
	full := fixtureValues["fullMessage"]
	fullBytes, err := wire.EncodeMessage(&full)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		in   []byte
	}{
		{"empty bytes", nil},
		{"garbage", bytes.Repeat([]byte{0xff}, 16)},
		{"truncated", fullBytes[:8]},
		{"length past end", []byte{0x0a, 0xff, 0x00, 0x00}},
		{"wire type 7", []byte{0x0f, 0x00}},
		{"endless varint", append([]byte{0x08}, bytes.Repeat([]byte{0xff}, 11)...)},
		{"invalid CID", corrupted},
	}
	for _, tc := range tests {
		if got, err := wire.DecodeMessage(tc.in); err == nil {
			t.Errorf("DecodeMessage(%s: %x) = %+v, nil, want an error", tc.name, tc.in, got)
		}
	}
}
