package blockexc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"time"

	"github.com/ipfs/go-cid"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/cairn-node/cairn/node/storage"
	"github.com/cairn-node/cairn/node/storage/blockexc/wire"
	"github.com/cairn-node/cairn/node/storage/cids"
)

// hashCodecSHA256 is the multicodec of the dataset tree's hash, written in
// every proof (upstream StorageMerkleProof.mcodec).
const hashCodecSHA256 = cids.HashSHA256

// handleBlockExchange serves one incoming block-exchange stream until the
// peer closes it, a frame breaks the protocol (the stream is reset) or
// Close.
func (e *Exchange) handleBlockExchange(s network.Stream) {
	if !e.track(s) {
		return
	}
	defer e.untrack(s)
	e.serve(newConn(s, e.cfg.writeTimeout))
}

// serve reads and handles c's frames until the stream ends; it closes the
// stream after a clean end and resets it after an error.
func (e *Exchange) serve(c *conn) {
	for {
		typ, payload, err := c.read()
		if err == nil {
			err = e.handleFrame(c, typ, payload)
		}
		if err != nil {
			if errors.Is(err, io.EOF) {
				c.s.Close()
				return
			}
			if e.ctx.Err() == nil {
				e.log.Debug("block-exchange stream ended", "peer", c.peer, "err", err)
			}
			c.s.Reset()
			return
		}
	}
}

// handleFrame handles one frame that is not the answer to a request of
// ours. An error means the stream must be reset.
func (e *Exchange) handleFrame(c *conn, typ byte, payload []byte) error {
	switch typ {
	case wire.TypeControl:
		m, err := wire.DecodeMessage(payload)
		if err != nil {
			return err
		}
		if len(m.BlockPresences) > 0 {
			e.subs.deliver(c.peer, m.BlockPresences)
		}
		if len(m.WantList.Entries) == 0 {
			return nil
		}
		ps := e.presences(e.ctx, m.WantList.Entries)
		if len(ps) == 0 {
			return nil
		}
		return c.writeMessage(&wire.Message{BlockPresences: ps})
	case wire.TypeWantBlocksRequest:
		req, err := wire.DecodeWantBlocksRequest(payload)
		if err != nil {
			return err
		}
		resp := e.serveBlocks(e.ctx, c.peer, &req)
		for _, b := range resp.Blocks {
			e.met.servedBlocks.Inc()
			e.met.servedBytes.Add(float64(len(b.Data)))
		}
		p, err := wire.EncodeWantBlocksResponse(resp)
		if err != nil {
			return fmt.Errorf("blockexc: BUG: encode response: %w", err)
		}
		return c.write(wire.TypeWantBlocksResponse, p)
	case wire.TypeWantBlocksResponse:
		// Only the stream that carried our request carries its answer;
		// like upstream, drop a stray one.
		e.log.Debug("unsolicited WantBlocks response", "peer", c.peer)
		return nil
	}
	return fmt.Errorf("blockexc: BUG: frame type 0x%02x passed the reader", typ)
}

// presences answers want-have entries for the datasets this node holds
// whole: Complete for a range inside the dataset, HaveRange for the part
// of a range that is, DontHave (when asked for) otherwise. Like upstream
// it ignores cancels and ranges over MaxPresenceWindow.
func (e *Exchange) presences(ctx context.Context, entries []wire.Entry) []wire.BlockPresence {
	var out []wire.BlockPresence
	for _, en := range entries {
		if en.Cancel || en.RangeCount > MaxPresenceWindow {
			continue
		}
		dontHave := wire.BlockPresence{Address: en.Address, Kind: wire.DontHave, DownloadID: en.DownloadID}
		t, err := e.servedTree(ctx, en.Address.TreeCID)
		if err != nil {
			if en.SendDontHave {
				out = append(out, dontHave)
			}
			continue
		}
		n := t.leaves()
		start, count := en.Address.Index, max(en.RangeCount, 1)
		switch {
		case start >= n:
			if en.SendDontHave {
				out = append(out, dontHave)
			}
		case count <= n-start && en.RangeCount > 0:
			out = append(out, wire.BlockPresence{Address: en.Address, Kind: wire.Complete, DownloadID: en.DownloadID})
		default:
			out = append(out, wire.BlockPresence{Address: en.Address, Kind: wire.HaveRange, DownloadID: en.DownloadID,
				Ranges: []wire.Range{{Start: start, Count: min(count, n-start)}}})
		}
	}
	return out
}

// servedTree returns the tree of a dataset that is stored now.
func (e *Exchange) servedTree(ctx context.Context, tree cid.Cid) (*servedTree, error) {
	t, err := e.trees.get(ctx, tree)
	if err != nil {
		return nil, err
	}
	if _, err := e.store.Dataset(ctx, t.manifest); err != nil {
		if errors.Is(err, storage.ErrNotFound) {
			e.trees.forget(tree)
		}
		return nil, err
	}
	return t, nil
}

// serveBlocks answers a WantBlocks request with the blocks it has and
// their proofs. Like upstream it answers with no blocks when a range is
// empty or overflows, when the ranges ask for more than
// wire.MaxBlocksPerBatch blocks, or when the tree is not served; blocks
// that are missing or corrupt in the store are left out, and so are the
// blocks that would take the response over wire.MaxWantBlocksResponseSize
// (upstream drops the whole response then). The requester asks again for
// what it lacks.
func (e *Exchange) serveBlocks(ctx context.Context, p peer.ID, req *wire.WantBlocksRequest) *wire.WantBlocksResponse {
	resp := &wire.WantBlocksResponse{RequestID: req.RequestID, TreeCID: req.TreeCID}
	var total uint64
	for _, r := range req.Ranges {
		if r.Count == 0 || r.Start > math.MaxUint64-r.Count {
			e.log.Debug("WantBlocks: invalid range", "peer", p, "start", r.Start, "count", r.Count)
			return resp
		}
		if total += r.Count; total > wire.MaxBlocksPerBatch {
			e.log.Debug("WantBlocks: too many blocks", "peer", p, "total", total)
			return resp
		}
	}
	t, err := e.servedTree(ctx, req.TreeCID)
	if err != nil {
		e.log.Debug("WantBlocks: tree not served", "peer", p, "tree", cids.String(req.TreeCID), "err", err)
		return resp
	}
	// Take the blocks that fit a response at the dataset's block size,
	// before reading any.
	n := t.leaves()
	per := blockFixedSize + maxCIDSize + proofHeaderSize + t.tree.Depth()*proofNodeSize + int(t.blockSize)
	room := max(1, (wire.MaxWantBlocksResponseSize-4-metaFixedSize-req.TreeCID.ByteLen())/per)
	var idx []uint64
	for _, r := range req.Ranges {
		for i := r.Start; i < r.Start+r.Count && i < n && len(idx) < room; i++ {
			idx = append(idx, i)
		}
	}
	if len(idx) == 0 {
		return resp
	}
	cs := make([]cid.Cid, len(idx))
	for j, i := range idx {
		cs[j] = t.blocks[i]
	}
	data, err := e.store.GetMany(ctx, cs)
	if data == nil {
		e.log.Warn("WantBlocks: read blocks", "tree", cids.String(req.TreeCID), "err", err)
		return resp
	}
	if err != nil {
		e.log.Warn("WantBlocks: blocks missing or corrupt in the store", "tree", cids.String(req.TreeCID), "err", err)
	}
	size := 4 + metaFixedSize + req.TreeCID.ByteLen()
	for j, i := range idx {
		if data[j] == nil {
			continue
		}
		path, err := t.tree.Proof(int(i))
		if err != nil {
			continue // cannot happen: i < n
		}
		pr := &wire.Proof{Codec: hashCodecSHA256, Index: i, Leaves: n, Path: make([][]byte, len(path))}
		nodes := make([]byte, 32*len(path))
		for k := range path {
			pr.Path[k] = nodes[32*k : 32*k+32 : 32*k+32]
			copy(pr.Path[k], path[k][:])
		}
		bs := blockMetaSize(cs[j], len(path)) + len(data[j])
		if size+bs > wire.MaxWantBlocksResponseSize {
			break
		}
		size += bs
		resp.Blocks = append(resp.Blocks, wire.Block{Index: i, CID: cs[j], Data: data[j], Proof: pr})
	}
	return resp
}

// Sizes of the response metadata (wire.WantBlocksResponse layout).
const (
	metaFixedSize   = 8 + 2 + 4     // requestId, cidLen, blockCount
	blockFixedSize  = 8 + 2 + 4 + 2 // index, cidLen, dataLen, proofLen
	proofHeaderSize = 8 + 8 + 8 + 4 // mcodec, index, nleaves, pathCount
	proofNodeSize   = 2 + 32        // u16 length, SHA-256 node
	// maxCIDSize bounds the block CIDs Cairn serves (CIDv1, 0xCD02,
	// sha2-256: 39 bytes) when sizing a batch before reading it.
	maxCIDSize = 64
)

// blockMetaSize is the metadata one block takes in a response.
func blockMetaSize(c cid.Cid, depth int) int {
	return blockFixedSize + c.ByteLen() + proofHeaderSize + depth*proofNodeSize
}

// handleManifest answers one manifest request. As upstream does, a
// request it cannot read as a CID is answered NotFound; a stream that
// breaks or stalls is reset.
func (e *Exchange) handleManifest(s network.Stream) {
	if !e.track(s) {
		return
	}
	defer e.untrack(s)
	if err := s.SetDeadline(time.Now().Add(e.cfg.manifestTimeout)); err != nil {
		s.Reset()
		return
	}
	c, err := wire.ReadManifestRequest(s)
	if err != nil && !errors.Is(err, wire.ErrMalformed) && !errors.Is(err, wire.ErrTooLarge) {
		e.log.Debug("manifest request", "peer", s.Conn().RemotePeer(), "err", err)
		s.Reset()
		return
	}
	status, data := wire.ManifestNotFound, []byte(nil)
	if err == nil && cids.Check(c, cids.CodecManifest) == nil {
		b, gerr := e.store.Get(e.ctx, c)
		switch {
		case gerr == nil && len(b) <= wire.MaxManifestSize:
			status, data = wire.ManifestFound, b
		case gerr != nil && !errors.Is(gerr, storage.ErrNotFound):
			e.log.Warn("manifest request: read store", "cid", cids.String(c), "err", gerr)
		}
	}
	if err := wire.WriteManifestResponse(s, status, data); err != nil {
		s.Reset()
		return
	}
	s.Close()
}
