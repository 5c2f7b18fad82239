package blockexc_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/ipfs/go-cid"
	"github.com/libp2p/go-libp2p/core/network"

	"github.com/cairn-node/cairn/accel/merkle"
	"github.com/cairn-node/cairn/node/p2p"
	"github.com/cairn-node/cairn/node/storage/blockexc"
	"github.com/cairn-node/cairn/node/storage/blockexc/wire"
	"github.com/cairn-node/cairn/node/storage/cids"
	"github.com/cairn-node/cairn/node/storage/dataset"
)

// rawStream opens a block-exchange (or manifest) stream from b to a and
// gives it a deadline.
func rawStream(t *testing.T, b, a *node, proto string) network.Stream {
	t.Helper()
	id := blockexc.ID
	if proto == "manifest" {
		id = blockexc.ManifestID
	}
	s, err := b.h.NewStream(context.Background(), a.h.ID(), id)
	if err != nil {
		t.Fatalf("NewStream(%s) = %v", id, err)
	}
	t.Cleanup(func() { s.Reset() })
	s.SetDeadline(time.Now().Add(10 * time.Second))
	return s
}

func frame(typ byte, payload []byte) []byte {
	b := binary.LittleEndian.AppendUint32(nil, uint32(1+len(payload)))
	return append(append(b, typ), payload...)
}

func mustMessage(t *testing.T, m *wire.Message) []byte {
	t.Helper()
	p, err := wire.EncodeMessage(m)
	if err != nil {
		t.Fatal(err)
	}
	return frame(wire.TypeControl, p)
}

func readMessage(t *testing.T, s network.Stream) wire.Message {
	t.Helper()
	typ, p, err := wire.NewFrameReader(s).ReadFrame()
	if err != nil {
		t.Fatalf("ReadFrame() = %v", err)
	}
	if typ != wire.TypeControl {
		t.Fatalf("frame type %d, want control", typ)
	}
	m, err := wire.DecodeMessage(p)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func wantHave(tree cid.Cid, index, count uint64, sendDontHave bool) wire.Entry {
	return wire.Entry{Address: wire.Address{TreeCID: tree, Index: index}, Priority: 1, WantType: wire.WantHave,
		SendDontHave: sendDontHave, RangeCount: count, DownloadID: 77}
}

func TestPresence(t *testing.T) {
	a, b := newNode(t, nodeOpts{}), newNode(t, nodeOpts{})
	connect(t, b, a)
	_, res := upload(t, a, randomBytes(40*4096, 4), 4096) // 40 blocks
	unknown := cids.Tree([32]byte{1})
	s := rawStream(t, b, a, "")
	if _, err := s.Write(mustMessage(t, &wire.Message{WantList: wire.WantList{Entries: []wire.Entry{
		wantHave(res.TreeCID, 0, 40, false),  // whole dataset
		wantHave(res.TreeCID, 7, 0, false),   // one block
		wantHave(res.TreeCID, 30, 20, false), // runs past the end
		wantHave(res.TreeCID, 40, 5, true),   // past the end
		wantHave(unknown, 0, 10, true),       // not here, tell me
		wantHave(unknown, 0, 10, false),      // not here, stay silent
	}}})); err != nil {
		t.Fatal(err)
	}
	m := readMessage(t, s)
	want := []wire.BlockPresence{
		{Address: wire.Address{TreeCID: res.TreeCID}, Kind: wire.Complete, DownloadID: 77},
		{Address: wire.Address{TreeCID: res.TreeCID, Index: 7}, Kind: wire.HaveRange, DownloadID: 77, Ranges: []wire.Range{{Start: 7, Count: 1}}},
		{Address: wire.Address{TreeCID: res.TreeCID, Index: 30}, Kind: wire.HaveRange, DownloadID: 77, Ranges: []wire.Range{{Start: 30, Count: 10}}},
		{Address: wire.Address{TreeCID: res.TreeCID, Index: 40}, Kind: wire.DontHave, DownloadID: 77},
		{Address: wire.Address{TreeCID: unknown}, Kind: wire.DontHave, DownloadID: 77},
	}
	if len(m.BlockPresences) != len(want) {
		t.Fatalf("presences = %+v, want %+v", m.BlockPresences, want)
	}
	for i := range want {
		g, w := m.BlockPresences[i], want[i]
		if g.Address != w.Address || g.Kind != w.Kind || g.DownloadID != w.DownloadID || len(g.Ranges) != len(w.Ranges) ||
			(len(w.Ranges) > 0 && g.Ranges[0] != w.Ranges[0]) {
			t.Errorf("presence %d = %+v, want %+v", i, g, w)
		}
	}
}

func TestWantBlocks(t *testing.T) {
	a, b := newNode(t, nodeOpts{}), newNode(t, nodeOpts{})
	connect(t, b, a)
	_, res := upload(t, a, randomBytes(40*4096, 5), 4096)
	s := rawStream(t, b, a, "")
	fr := wire.NewFrameReader(s)
	ask := func(id uint64, tree cid.Cid, ranges ...wire.Range) wire.WantBlocksResponse {
		t.Helper()
		p, err := wire.EncodeWantBlocksRequest(&wire.WantBlocksRequest{RequestID: id, TreeCID: tree, Ranges: ranges})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Write(frame(wire.TypeWantBlocksRequest, p)); err != nil {
			t.Fatal(err)
		}
		typ, payload, err := fr.ReadFrame()
		if err != nil || typ != wire.TypeWantBlocksResponse {
			t.Fatalf("ReadFrame() = %d, %v; want a response", typ, err)
		}
		resp, err := wire.DecodeWantBlocksResponse(payload)
		if err != nil {
			t.Fatal(err)
		}
		if resp.RequestID != id {
			t.Fatalf("request ID %d, want %d", resp.RequestID, id)
		}
		return resp
	}
	resp := ask(1, res.TreeCID, wire.Range{Start: 0, Count: 2}, wire.Range{Start: 5, Count: 1}, wire.Range{Start: 39, Count: 3})
	var idx []uint64
	for _, blk := range resp.Blocks {
		idx = append(idx, blk.Index)
		d := res.Digests[blk.Index]
		if blk.CID != res.BlockCID(int(blk.Index)) || cids.Block(blk.Data) != blk.CID {
			t.Errorf("block %d: wrong CID or data", blk.Index)
		}
		if blk.Proof == nil || blk.Proof.Codec != cids.HashSHA256 || blk.Proof.Index != blk.Index || blk.Proof.Leaves != 40 {
			t.Fatalf("block %d: proof header %+v", blk.Index, blk.Proof)
		}
		path := make([][32]byte, len(blk.Proof.Path))
		for i, n := range blk.Proof.Path {
			path[i] = [32]byte(n)
		}
		ok, err := merkle.Verify(merkle.SHA256(hasher(t)), d, int(blk.Index), 40, path, res.Tree.Root())
		if err != nil || !ok {
			t.Errorf("block %d: proof does not verify (%v)", blk.Index, err)
		}
	}
	if want := []uint64{0, 1, 5, 39}; !equalU64(idx, want) {
		t.Errorf("indices %v, want %v", idx, want)
	}
	for _, tc := range []struct {
		name   string
		tree   cid.Cid
		ranges []wire.Range
	}{
		{"too many blocks", res.TreeCID, []wire.Range{{Start: 0, Count: wire.MaxBlocksPerBatch + 1}}},
		{"empty range", res.TreeCID, []wire.Range{{Start: 3, Count: 0}}},
		{"overflow", res.TreeCID, []wire.Range{{Start: 1<<64 - 1, Count: 2}}},
		{"unknown tree", cids.Tree([32]byte{9}), []wire.Range{{Start: 0, Count: 1}}},
		{"past the end", res.TreeCID, []wire.Range{{Start: 40, Count: 4}}},
	} {
		if r := ask(2, tc.tree, tc.ranges...); len(r.Blocks) != 0 {
			t.Errorf("%s: %d blocks, want none", tc.name, len(r.Blocks))
		}
	}
}

func equalU64(a, b []uint64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestManifestProtocol(t *testing.T) {
	a, b := newNode(t, nodeOpts{}), newNode(t, nodeOpts{})
	connect(t, b, a)
	m, _ := upload(t, a, randomBytes(10000, 6), 4096)
	want, _ := readDataset(t, a.store, m)
	for _, tc := range []struct {
		name   string
		req    []byte
		status wire.ManifestStatus
	}{
		{"found", binary.LittleEndian.AppendUint16(nil, uint16(m.ByteLen())), wire.ManifestFound},
		{"unknown", append(binary.LittleEndian.AppendUint16(nil, 36), cids.Manifest(nil).Bytes()...), wire.ManifestNotFound},
		{"not a manifest CID", append(binary.LittleEndian.AppendUint16(nil, 36), cids.Block(nil).Bytes()...), wire.ManifestNotFound},
		{"zero length", []byte{0, 0}, wire.ManifestNotFound},
		{"too long", []byte{0xff, 0xff}, wire.ManifestNotFound},
		{"bad CID", append([]byte{3, 0}, 0xff, 0xff, 0xff), wire.ManifestNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := tc.req
			if tc.name == "found" {
				req = append(req, m.Bytes()...)
			}
			s := rawStream(t, b, a, "manifest")
			if _, err := s.Write(req); err != nil {
				t.Fatal(err)
			}
			s.CloseWrite()
			status, data, err := wire.ReadManifestResponse(s)
			if err != nil || status != tc.status {
				t.Fatalf("response = %d, %v; want status %d", status, err, tc.status)
			}
			if tc.status == wire.ManifestFound && !bytes.Equal(data, want) {
				t.Errorf("manifest bytes differ")
			}
		})
	}
}

// TestMalformedFrames sends frames that break the protocol on raw streams:
// each stream is reset, and the node goes on serving.
func TestMalformedFrames(t *testing.T) {
	a, b := newNode(t, nodeOpts{}), newNode(t, nodeOpts{})
	connect(t, b, a)
	m, res := upload(t, a, randomBytes(64*4096, 7), 4096)
	le := binary.LittleEndian
	for _, tc := range []struct {
		name  string
		bytes []byte
	}{
		{"zero length", []byte{0, 0, 0, 0}},
		{"unknown type", frame(0x07, []byte{1, 2, 3})},
		{"oversized control", append(le.AppendUint32(nil, wire.MaxControlSize+2), wire.TypeControl)},
		{"oversized request", append(le.AppendUint32(nil, wire.MaxWantBlocksRequestSize+2), wire.TypeWantBlocksRequest)},
		{"oversized response", append(le.AppendUint32(nil, 0xffffffff), wire.TypeWantBlocksResponse)},
		{"bad protobuf", frame(wire.TypeControl, []byte{0xff, 0xff, 0xff})},
		{"control missing fields", frame(wire.TypeControl, []byte{0x0a, 0x00})},
		{"short request", frame(wire.TypeWantBlocksRequest, []byte{1, 2, 3})},
		{"request with bad CID", frame(wire.TypeWantBlocksRequest, append(le.AppendUint16(make([]byte, 8), 4), 1, 2, 3, 4, 0, 0, 0, 0))},
		{"request with trailing bytes", frame(wire.TypeWantBlocksRequest, func() []byte {
			p, _ := wire.EncodeWantBlocksRequest(&wire.WantBlocksRequest{TreeCID: res.TreeCID, Ranges: []wire.Range{{Start: 0, Count: 1}}})
			return append(p, 0)
		}())},
		{"ranges past payload", frame(wire.TypeWantBlocksRequest, func() []byte {
			p, _ := wire.EncodeWantBlocksRequest(&wire.WantBlocksRequest{TreeCID: res.TreeCID})
			le.PutUint32(p[len(p)-4:], 1000)
			return p
		}())},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := rawStream(t, b, a, "")
			if _, err := s.Write(tc.bytes); err != nil {
				t.Fatal(err)
			}
			_, err := io.ReadAll(s)
			if !errors.Is(err, network.ErrReset) {
				t.Fatalf("read after %s = %v, want a stream reset", tc.name, err)
			}
		})
	}

	t.Run("stray response is ignored", func(t *testing.T) {
		s := rawStream(t, b, a, "")
		p, err := wire.EncodeWantBlocksResponse(&wire.WantBlocksResponse{RequestID: 1, TreeCID: res.TreeCID})
		if err != nil {
			t.Fatal(err)
		}
		s.Write(frame(wire.TypeWantBlocksResponse, p))
		s.Write(mustMessage(t, &wire.Message{WantList: wire.WantList{Entries: []wire.Entry{wantHave(res.TreeCID, 0, 64, true)}}}))
		if m := readMessage(t, s); len(m.BlockPresences) != 1 || m.BlockPresences[0].Kind != wire.Complete {
			t.Errorf("presences = %+v, want Complete", m.BlockPresences)
		}
	})
	t.Run("still serving", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		if err := b.x.Fetch(ctx, a.h.ID(), m); err != nil {
			t.Fatalf("Fetch() after malformed frames = %v", err)
		}
	})
}

// evilServer answers block requests with real blocks and proofs, then
// spoils each response with tamper.
func evilServer(t *testing.T, data []byte, mb []byte, res *dataset.Result, tamper func(*wire.WantBlocksResponse)) *p2p.Host {
	t.Helper()
	h, err := p2p.New(context.Background(), p2p.Options{ListenAddrs: []string{"/ip4/127.0.0.1/tcp/0"}, Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	h.SetStreamHandler(blockexc.ManifestID, func(s network.Stream) {
		defer s.Close()
		if _, err := wire.ReadManifestRequest(s); err == nil {
			wire.WriteManifestResponse(s, wire.ManifestFound, mb)
		}
	})
	bs := res.BlockSize
	block := func(i uint64) []byte {
		b := make([]byte, bs)
		copy(b, data[min(int(i)*bs, len(data)):min(int(i+1)*bs, len(data))])
		return b
	}
	h.SetStreamHandler(blockexc.ID, func(s network.Stream) {
		defer s.Reset()
		fr := wire.NewFrameReader(s)
		for {
			typ, p, err := fr.ReadFrame()
			if err != nil {
				return
			}
			switch typ {
			case wire.TypeControl:
				m, _ := wire.DecodeMessage(p)
				var ps []wire.BlockPresence
				for _, e := range m.WantList.Entries {
					ps = append(ps, wire.BlockPresence{Address: e.Address, Kind: wire.Complete, DownloadID: e.DownloadID})
				}
				q, _ := wire.EncodeMessage(&wire.Message{BlockPresences: ps})
				s.Write(frame(wire.TypeControl, q))
			case wire.TypeWantBlocksRequest:
				req, _ := wire.DecodeWantBlocksRequest(p)
				resp := wire.WantBlocksResponse{RequestID: req.RequestID, TreeCID: req.TreeCID}
				for _, r := range req.Ranges {
					for i := r.Start; i < r.Start+r.Count; i++ {
						path, _ := res.Tree.Proof(int(i))
						pr := &wire.Proof{Codec: cids.HashSHA256, Index: i, Leaves: uint64(len(res.Digests))}
						for _, n := range path {
							pr.Path = append(pr.Path, bytes.Clone(n[:]))
						}
						resp.Blocks = append(resp.Blocks, wire.Block{Index: i, CID: res.BlockCID(int(i)), Data: block(i), Proof: pr})
					}
				}
				tamper(&resp)
				q, err := wire.EncodeWantBlocksResponse(&resp)
				if err != nil {
					return
				}
				s.Write(frame(wire.TypeWantBlocksResponse, q))
			}
		}
	})
	return h
}

func TestBadProofs(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	a := newNode(t, nodeOpts{})
	data := randomBytes(20*4096+100, 8)
	m, res := upload(t, a, data, 4096)
	mb, _ := readDataset(t, a.store, m)
	for _, tc := range []struct {
		name   string
		tamper func(*wire.WantBlocksResponse)
	}{
		{"honest", func(*wire.WantBlocksResponse) {}},
		{"flipped proof node", func(r *wire.WantBlocksResponse) { r.Blocks[0].Proof.Path[0][3] ^= 1 }},
		{"proof of another leaf", func(r *wire.WantBlocksResponse) {
			other, _ := res.Tree.Proof(int(r.Blocks[0].Index+1) % 21)
			for i := range other {
				r.Blocks[0].Proof.Path[i] = bytes.Clone(other[i][:])
			}
		}},
		{"proof index", func(r *wire.WantBlocksResponse) { r.Blocks[0].Proof.Index++ }},
		{"proof leaves", func(r *wire.WantBlocksResponse) { r.Blocks[0].Proof.Leaves++ }},
		{"short path", func(r *wire.WantBlocksResponse) { r.Blocks[0].Proof.Path = r.Blocks[0].Proof.Path[1:] }},
		{"no proof", func(r *wire.WantBlocksResponse) { r.Blocks[0].Proof = nil }},
		{"data", func(r *wire.WantBlocksResponse) { r.Blocks[0].Data[0] ^= 1 }},
		{"unrequested block", func(r *wire.WantBlocksResponse) { r.Blocks[0].Index += 100 }},
		{"other tree", func(r *wire.WantBlocksResponse) { r.TreeCID = cids.Tree([32]byte{5}) }},
		{"wrong request ID", func(r *wire.WantBlocksResponse) { r.RequestID += 1000 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			evil := evilServer(t, data, mb, res, tc.tamper)
			b := newNode(t, nodeOpts{})
			if err := b.h.Connect(ctx, evil.AddrInfo()); err != nil {
				t.Fatal(err)
			}
			err := b.x.Fetch(ctx, evil.ID(), m)
			if tc.name == "honest" {
				if err != nil {
					t.Fatalf("Fetch from the honest fake = %v", err)
				}
				checkDataset(t, b.store, m, mb, data)
				return
			}
			if !errors.Is(err, blockexc.ErrInvalidBlock) {
				t.Fatalf("Fetch() = %v, want ErrInvalidBlock", err)
			}
			if _, err := b.store.Dataset(ctx, m); err == nil {
				t.Error("dataset stored after a failed fetch")
			}
		})
	}
}
