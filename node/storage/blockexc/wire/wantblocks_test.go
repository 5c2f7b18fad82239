package wire_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/cairn-node/cairn/node/storage/blockexc/wire"
	"github.com/cairn-node/cairn/node/storage/cids"
)

var le = binary.LittleEndian

func u16(v uint16) []byte { return le.AppendUint16(nil, v) }
func u32(v uint32) []byte { return le.AppendUint32(nil, v) }
func u64(v uint64) []byte { return le.AppendUint64(nil, v) }

func TestWantBlocksRequestLayout(t *testing.T) {
	req := wire.WantBlocksRequest{RequestID: 0x0102030405060708, TreeCID: cidA,
		Ranges: []wire.Range{{Start: 0, Count: 10}, {Start: 100, Count: 50}}}
	want := cat(u64(0x0102030405060708), u16(36), cidA.Bytes(), u32(2), u64(0), u64(10), u64(100), u64(50))
	got, err := wire.EncodeWantBlocksRequest(&req)
	if err != nil || !bytes.Equal(got, want) {
		t.Errorf("EncodeWantBlocksRequest(%+v) = %x, %v, want %x", req, got, err, want)
	}
	dec, err := wire.DecodeWantBlocksRequest(want)
	if err != nil || !reflect.DeepEqual(dec, req) {
		t.Errorf("DecodeWantBlocksRequest(%x) = %+v, %v, want %+v", want, dec, err, req)
	}
}

func TestWantBlocksRequestRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for i := range 200 {
		req := wire.WantBlocksRequest{RequestID: r.Uint64(), TreeCID: randCID(r)}
		for range r.IntN(17) {
			req.Ranges = append(req.Ranges, wire.Range{Start: r.Uint64(), Count: r.Uint64() >> r.IntN(64)})
		}
		b, err := wire.EncodeWantBlocksRequest(&req)
		if err != nil {
			t.Fatalf("case %d: EncodeWantBlocksRequest(%+v) = %v, want nil", i, req, err)
		}
		got, err := wire.DecodeWantBlocksRequest(b)
		if err != nil || !reflect.DeepEqual(got, req) {
			t.Fatalf("case %d: DecodeWantBlocksRequest(%x) = %+v, %v, want %+v", i, b, got, err, req)
		}
	}
}

func TestWantBlocksRequestErrors(t *testing.T) {
	c := cidA.Bytes()
	tests := []struct {
		name string
		in   []byte
		want error
	}{
		{"empty", nil, wire.ErrMalformed},
		{"13 bytes", make([]byte, 13), wire.ErrMalformed},
		{"CID length 0", cat(u64(1), u16(0), u32(0)), wire.ErrMalformed},
		{"CID past end", cat(u64(1), u16(200), c, u32(0)), wire.ErrMalformed},
		{"invalid CID", cat(u64(1), u16(3), []byte{1, 0x55, 0x12}, u32(0)), wire.ErrMalformed},
		{"no range count", cat(u64(1), u16(36), c), wire.ErrMalformed},
		{"ranges past end", cat(u64(1), u16(36), c, u32(2), u64(0), u64(1)), wire.ErrMalformed},
		{"huge range count", cat(u64(1), u16(36), c, u32(0xffffffff)), wire.ErrMalformed},
		{"trailing byte", cat(u64(1), u16(36), c, u32(0), []byte{0}), wire.ErrMalformed},
		{"over 1280 bytes", cat(u64(1), u16(36), c, u32(78), make([]byte, 78*16)), wire.ErrTooLarge},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got, err := wire.DecodeWantBlocksRequest(tc.in); !errors.Is(err, tc.want) {
				t.Errorf("DecodeWantBlocksRequest(%x) = %+v, %v, want %v", tc.in, got, err, tc.want)
			}
		})
	}
	enc := []struct {
		name string
		req  wire.WantBlocksRequest
		want error
	}{
		{"undefined CID", wire.WantBlocksRequest{}, wire.ErrMalformed},
		{"78 ranges", wire.WantBlocksRequest{TreeCID: cidA, Ranges: make([]wire.Range, 78)}, wire.ErrTooLarge},
	}
	for _, tc := range enc {
		if got, err := wire.EncodeWantBlocksRequest(&tc.req); !errors.Is(err, tc.want) {
			t.Errorf("EncodeWantBlocksRequest(%s) = %x, %v, want %v", tc.name, got, err, tc.want)
		}
	}
}

func sampleProof() *wire.Proof {
	return &wire.Proof{Codec: 0x12, Index: 1, Leaves: 3,
		Path: [][]byte{bytes.Repeat([]byte{0xaa}, 32), bytes.Repeat([]byte{0xbb}, 32)}}
}

func TestWantBlocksResponseLayout(t *testing.T) {
	d0, d1 := bytes.Repeat([]byte{1}, 4096), bytes.Repeat([]byte{2}, 100)
	c0, c1 := cids.Block(d0), cids.Block(d1)
	resp := wire.WantBlocksResponse{RequestID: 7, TreeCID: cidB, Blocks: []wire.Block{
		{Index: 1, CID: c0, Data: d0, Proof: sampleProof()},
		{Index: 2, CID: c1, Data: d1},
	}}
	proof := cat(u64(0x12), u64(1), u64(3), u32(2), u16(32), bytes.Repeat([]byte{0xaa}, 32), u16(32), bytes.Repeat([]byte{0xbb}, 32))
	meta := cat(u64(7), u16(36), cidB.Bytes(), u32(2),
		u64(1), u16(uint16(len(c0.Bytes()))), c0.Bytes(), u32(4096), u16(uint16(len(proof))), proof,
		u64(2), u16(uint16(len(c1.Bytes()))), c1.Bytes(), u32(100), u16(0))
	want := cat(u32(uint32(len(meta))), meta, d0, d1)
	got, err := wire.EncodeWantBlocksResponse(&resp)
	if err != nil || !bytes.Equal(got, want) {
		t.Errorf("EncodeWantBlocksResponse(%+v) = %x, %v, want %x", resp, got, err, want)
	}
	dec, err := wire.DecodeWantBlocksResponse(want)
	if err != nil || !reflect.DeepEqual(dec, resp) {
		t.Errorf("DecodeWantBlocksResponse(%x) = %+v, %v, want %+v", want, dec, err, resp)
	}
}

func TestWantBlocksResponseRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for i := range 100 {
		resp := wire.WantBlocksResponse{RequestID: r.Uint64(), TreeCID: randCID(r)}
		for range r.IntN(wire.MaxBlocksPerBatch + 1) {
			data := make([]byte, r.IntN(5000))
			blk := wire.Block{Index: r.Uint64(), CID: cids.Block(data), Data: data}
			if r.IntN(3) > 0 {
				blk.Proof = &wire.Proof{Codec: 0x12, Index: r.Uint64(), Leaves: r.Uint64()}
				for range 1 + r.IntN(wire.MaxProofDepth) {
					blk.Proof.Path = append(blk.Proof.Path, bytes.Repeat([]byte{byte(r.Uint32())}, r.IntN(40)))
				}
			}
			resp.Blocks = append(resp.Blocks, blk)
		}
		b, err := wire.EncodeWantBlocksResponse(&resp)
		if err != nil {
			t.Fatalf("case %d: EncodeWantBlocksResponse = %v, want nil", i, err)
		}
		got, err := wire.DecodeWantBlocksResponse(b)
		if err != nil || !reflect.DeepEqual(got, resp) {
			t.Fatalf("case %d: DecodeWantBlocksResponse(EncodeWantBlocksResponse(%+v)) = %+v, %v", i, resp, got, err)
		}
	}
}

func TestWantBlocksResponseErrors(t *testing.T) {
	c := cidA.Bytes()
	cl := u16(uint16(len(c)))
	resp := func(meta []byte, data ...byte) []byte { return cat(u32(uint32(len(meta))), meta, data) }
	block := func(dataLen uint32, proof []byte) []byte {
		return cat(u64(0), cl, c, u32(dataLen), u16(uint16(len(proof))), proof)
	}
	proofHdr := func(n uint32) []byte { return cat(u64(0x12), u64(0), u64(1), u32(n)) }
	node := cat(u16(2), []byte{9, 9})
	tests := []struct {
		name string
		in   []byte
		want error
	}{
		{"empty", nil, wire.ErrMalformed},
		{"3 bytes", []byte{0, 0, 0}, wire.ErrMalformed},
		{"metadata over 4 MiB", u32(wire.MaxMetadataSize + 1), wire.ErrTooLarge},
		{"metadata past end", cat(u32(100), make([]byte, 50)), wire.ErrMalformed},
		{"metadata too short", resp(make([]byte, 13)), wire.ErrMalformed},
		{"tree CID length 0", resp(cat(u64(1), u16(0), u32(0))), wire.ErrMalformed},
		{"tree CID invalid", resp(cat(u64(1), u16(2), []byte{1, 2}, u32(0))), wire.ErrMalformed},
		{"33 blocks", resp(cat(u64(1), cl, c, u32(33))), wire.ErrTooLarge},
		{"block truncated", resp(cat(u64(1), cl, c, u32(1), u64(0), cl)), wire.ErrMalformed},
		{"block CID length 0", resp(cat(u64(1), cl, c, u32(1), u64(0), u16(0), u32(0), u16(0))), wire.ErrMalformed},
		{"block over 512 KiB", resp(cat(u64(1), cl, c, u32(1), block(wire.MaxBlockSize+1, nil))), wire.ErrTooLarge},
		{"data short", resp(cat(u64(1), cl, c, u32(1), block(3, nil)), 1, 2), wire.ErrMalformed},
		{"data long", resp(cat(u64(1), cl, c, u32(1), block(1, nil)), 1, 2), wire.ErrMalformed},
		{"metadata trailing byte", resp(cat(u64(1), cl, c, u32(0), []byte{0})), wire.ErrMalformed},
		{"proof past end", resp(cat(u64(1), cl, c, u32(1), u64(0), cl, c, u32(0), u16(100), proofHdr(1))), wire.ErrMalformed},
		{"proof header short", resp(cat(u64(1), cl, c, u32(1), block(0, make([]byte, 27)))), wire.ErrMalformed},
		{"proof path 65", resp(cat(u64(1), cl, c, u32(1), block(0, proofHdr(65)))), wire.ErrTooLarge},
		{"proof path empty", resp(cat(u64(1), cl, c, u32(1), block(0, proofHdr(0)))), wire.ErrMalformed},
		{"proof node truncated", resp(cat(u64(1), cl, c, u32(1), block(0, cat(proofHdr(2), node, u16(5), []byte{1})))), wire.ErrMalformed},
		{"proof trailing byte", resp(cat(u64(1), cl, c, u32(1), block(0, cat(proofHdr(1), node, []byte{0})))), wire.ErrMalformed},
		{"payload over limit", make([]byte, wire.MaxWantBlocksResponseSize+1), wire.ErrTooLarge},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got, err := wire.DecodeWantBlocksResponse(tc.in); !errors.Is(err, tc.want) {
				t.Errorf("DecodeWantBlocksResponse(%.60x…) = %+v, %v, want %v", tc.in, got, err, tc.want)
			}
		})
	}
	// The error table's good twin decodes.
	ok := resp(cat(u64(1), cl, c, u32(1), block(2, cat(proofHdr(1), node))), 1, 2)
	if got, err := wire.DecodeWantBlocksResponse(ok); err != nil || len(got.Blocks) != 1 {
		t.Errorf("DecodeWantBlocksResponse(%x) = %+v, %v, want 1 block", ok, got, err)
	}
}

func TestEncodeWantBlocksResponseRejects(t *testing.T) {
	blk := wire.Block{CID: cidA}
	tests := []struct {
		name string
		resp wire.WantBlocksResponse
		want error
	}{
		{"undefined tree CID", wire.WantBlocksResponse{}, wire.ErrMalformed},
		{"undefined block CID", wire.WantBlocksResponse{TreeCID: cidA, Blocks: []wire.Block{{}}}, wire.ErrMalformed},
		{"33 blocks", wire.WantBlocksResponse{TreeCID: cidA, Blocks: make([]wire.Block, 33)}, wire.ErrTooLarge},
		{"block over 512 KiB", wire.WantBlocksResponse{TreeCID: cidA, Blocks: []wire.Block{{CID: cidA, Data: make([]byte, wire.MaxBlockSize+1)}}}, wire.ErrTooLarge},
		{"data over limit", wire.WantBlocksResponse{TreeCID: cidA, Blocks: []wire.Block{
			{CID: cidA, Data: make([]byte, wire.MaxBlockSize)}, {CID: cidA, Data: make([]byte, wire.MaxBlockSize)},
			{CID: cidA, Data: make([]byte, wire.MaxBlockSize)}, {CID: cidA, Data: make([]byte, wire.MaxBlockSize)},
			{CID: cidA, Data: make([]byte, wire.MaxBlockSize)}, {CID: cidA, Data: make([]byte, wire.MaxBlockSize)},
			{CID: cidA, Data: make([]byte, wire.MaxBlockSize)}, {CID: cidA, Data: make([]byte, wire.MaxBlockSize)},
			{CID: cidA, Data: make([]byte, wire.MaxBlockSize)}}}, wire.ErrTooLarge},
		{"empty proof path", wire.WantBlocksResponse{TreeCID: cidA, Blocks: []wire.Block{{CID: blk.CID, Proof: &wire.Proof{}}}}, wire.ErrMalformed},
		{"proof path 65", wire.WantBlocksResponse{TreeCID: cidA, Blocks: []wire.Block{{CID: blk.CID, Proof: &wire.Proof{Path: make([][]byte, 65)}}}}, wire.ErrTooLarge},
		{"proof over 64 KiB", wire.WantBlocksResponse{TreeCID: cidA, Blocks: []wire.Block{{CID: blk.CID, Proof: &wire.Proof{Path: [][]byte{make([]byte, 40000), make([]byte, 40000)}}}}}, wire.ErrTooLarge},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := wire.EncodeWantBlocksResponse(&tc.resp); !errors.Is(err, tc.want) {
				t.Errorf("EncodeWantBlocksResponse(%s) = %v, want %v", tc.name, err, tc.want)
			}
		})
	}
}
