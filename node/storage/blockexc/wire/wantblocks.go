package wire

import (
	"math"

	"github.com/ipfs/go-cid"
)

// Sizes of the fixed-width fields of the binary messages (all little-endian).
const (
	rangeSize       = 16            // u64 start, u64 count
	requestFixed    = 8 + 2 + 4     // requestId, cidLen, rangeCount
	metaFixed       = 8 + 2 + 4     // requestId, cidLen, blockCount
	blockFixed      = 8 + 2 + 4 + 2 // index, cidLen, dataLen, proofLen
	proofHeaderSize = 8 + 8 + 8 + 4 // mcodec, index, nleaves, pathCount
)

// WantBlocksRequest asks a peer for the blocks of Ranges in the tree
// TreeCID. Payload: u64 requestId, u16 cidLen, tree CID, u32 rangeCount,
// rangeCount × (u64 start, u64 count).
type WantBlocksRequest struct {
	// RequestID is echoed in the response.
	RequestID uint64
	TreeCID   cid.Cid
	Ranges    []Range
}

// EncodeWantBlocksRequest returns the payload of req. Errors: ErrMalformed
// for an undefined tree CID, ErrTooLarge for a payload over
// MaxWantBlocksRequestSize. req is only read.
func EncodeWantBlocksRequest(req *WantBlocksRequest) ([]byte, error) {
	c := req.TreeCID.Bytes()
	if len(c) == 0 {
		return nil, malformed("want-blocks request: undefined tree CID")
	}
	size := requestFixed + len(c) + len(req.Ranges)*rangeSize
	if size > MaxWantBlocksRequestSize {
		return nil, tooLarge("want-blocks request of %d bytes, limit %d", size, MaxWantBlocksRequestSize)
	}
	b := make([]byte, 0, size)
	b = le.AppendUint64(b, req.RequestID)
	b = le.AppendUint16(b, uint16(len(c)))
	b = append(b, c...)
	b = le.AppendUint32(b, uint32(len(req.Ranges)))
	for _, r := range req.Ranges {
		b = le.AppendUint64(b, r.Start)
		b = le.AppendUint64(b, r.Count)
	}
	return b, nil
}

// DecodeWantBlocksRequest decodes a TypeWantBlocksRequest payload. Errors
// wrap ErrTooLarge for a payload over MaxWantBlocksRequestSize and
// ErrMalformed otherwise (short, empty or invalid CID, trailing bytes). The
// result shares no memory with p.
func DecodeWantBlocksRequest(p []byte) (WantBlocksRequest, error) {
	var req WantBlocksRequest
	if len(p) > MaxWantBlocksRequestSize {
		return req, tooLarge("want-blocks request of %d bytes, limit %d", len(p), MaxWantBlocksRequestSize)
	}
	d := decoder{buf: p, what: "want-blocks request"}
	req.RequestID = d.u64()
	c := d.cid()
	n := d.u32()
	if d.err == nil && uint64(n)*rangeSize > uint64(len(d.buf)) {
		d.fail("%d ranges, only %d bytes left", n, len(d.buf))
	}
	if d.err == nil && n > 0 {
		req.Ranges = make([]Range, n)
		for i := range req.Ranges {
			req.Ranges[i] = Range{Start: d.u64(), Count: d.u64()}
		}
	}
	if err := d.finish(); err != nil {
		return WantBlocksRequest{}, err
	}
	req.TreeCID = c
	return req, nil
}

// Proof is a block's Merkle proof in the binary layout: u64 mcodec, u64
// index, u64 nleaves, u32 pathCount (≤ MaxProofDepth), then pathCount ×
// (u16 len, bytes).
type Proof struct {
	// Codec is the multicodec of the tree hash (sha2-256, 0x12).
	Codec  uint64
	Index  uint64
	Leaves uint64
	// Path holds the sibling hashes, bottom to top.
	Path [][]byte
}

func (pr *Proof) size() int {
	n := proofHeaderSize
	for _, node := range pr.Path {
		n += 2 + len(node)
	}
	return n
}

func (pr *Proof) check() error {
	if len(pr.Path) == 0 {
		return malformed("proof: empty path")
	}
	if len(pr.Path) > MaxProofDepth {
		return tooLarge("proof path of %d nodes, limit %d", len(pr.Path), MaxProofDepth)
	}
	for i, node := range pr.Path {
		if len(node) > math.MaxUint16 {
			return tooLarge("proof node %d of %d bytes", i, len(node))
		}
	}
	if s := pr.size(); s > math.MaxUint16 {
		return tooLarge("proof of %d bytes, limit %d", s, math.MaxUint16)
	}
	return nil
}

func (pr *Proof) appendTo(b []byte) []byte {
	b = le.AppendUint64(b, pr.Codec)
	b = le.AppendUint64(b, pr.Index)
	b = le.AppendUint64(b, pr.Leaves)
	b = le.AppendUint32(b, uint32(len(pr.Path)))
	for _, node := range pr.Path {
		b = le.AppendUint16(b, uint16(len(node)))
		b = append(b, node...)
	}
	return b
}

func decodeProof(p []byte) (*Proof, error) {
	d := decoder{buf: p, what: "proof"}
	if len(p) < proofHeaderSize {
		d.fail("%d bytes, header needs %d", len(p), proofHeaderSize)
		return nil, d.err
	}
	pr := &Proof{Codec: d.u64(), Index: d.u64(), Leaves: d.u64()}
	n := d.u32()
	if n > MaxProofDepth {
		return nil, tooLarge("proof path of %d nodes, limit %d", n, MaxProofDepth)
	}
	if n == 0 {
		d.fail("empty path")
	}
	for i := uint32(0); i < n && d.err == nil; i++ {
		pr.Path = append(pr.Path, d.bytes(int(d.u16())))
	}
	if err := d.finish(); err != nil {
		return nil, err
	}
	return pr, nil
}

// Block is one delivered block of a WantBlocksResponse.
type Block struct {
	Index uint64
	CID   cid.Cid
	Data  []byte
	// Proof links CID to the tree at Index; nil when the sender sent none
	// (proofLen 0).
	Proof *Proof
}

// WantBlocksResponse answers a WantBlocksRequest. Payload: u32 metaLen,
// metadata, then the blocks' data concatenated. Metadata: u64 requestId,
// u16 cidLen, tree CID, u32 blockCount, then per block u64 index, u16
// cidLen, block CID, u32 dataLen, u16 proofLen, proof.
type WantBlocksResponse struct {
	RequestID uint64
	TreeCID   cid.Cid
	Blocks    []Block
}

// EncodeWantBlocksResponse returns the payload of resp. Errors: ErrMalformed
// for an undefined CID or a proof with an empty path; ErrTooLarge for more
// than MaxBlocksPerBatch blocks, a block over MaxBlockSize, metadata over
// MaxMetadataSize, a payload over MaxWantBlocksResponseSize, or a CID, proof
// or proof node that does not fit its u16 length. resp is only read.
func EncodeWantBlocksResponse(resp *WantBlocksResponse) ([]byte, error) {
	if len(resp.Blocks) > MaxBlocksPerBatch {
		return nil, tooLarge("%d blocks, limit %d", len(resp.Blocks), MaxBlocksPerBatch)
	}
	tc := resp.TreeCID.Bytes()
	if err := checkCIDLen(tc, "tree CID"); err != nil {
		return nil, err
	}
	meta, data := metaFixed+len(tc), 0
	for i := range resp.Blocks {
		blk := &resp.Blocks[i]
		if err := checkCIDLen(blk.CID.Bytes(), "block CID"); err != nil {
			return nil, err
		}
		if len(blk.Data) > MaxBlockSize {
			return nil, tooLarge("block %d of %d bytes, limit %d", i, len(blk.Data), MaxBlockSize)
		}
		meta += blockFixed + len(blk.CID.Bytes())
		if blk.Proof != nil {
			if err := blk.Proof.check(); err != nil {
				return nil, err
			}
			meta += blk.Proof.size()
		}
		data += len(blk.Data)
	}
	if meta > MaxMetadataSize {
		return nil, tooLarge("metadata of %d bytes, limit %d", meta, MaxMetadataSize)
	}
	if total := 4 + meta + data; total > MaxWantBlocksResponseSize {
		return nil, tooLarge("response of %d bytes, limit %d", total, MaxWantBlocksResponseSize)
	}
	b := make([]byte, 0, 4+meta+data)
	b = le.AppendUint32(b, uint32(meta))
	b = le.AppendUint64(b, resp.RequestID)
	b = appendCID(b, tc)
	b = le.AppendUint32(b, uint32(len(resp.Blocks)))
	for i := range resp.Blocks {
		blk := &resp.Blocks[i]
		b = le.AppendUint64(b, blk.Index)
		b = appendCID(b, blk.CID.Bytes())
		b = le.AppendUint32(b, uint32(len(blk.Data)))
		if blk.Proof == nil {
			b = le.AppendUint16(b, 0)
			continue
		}
		b = le.AppendUint16(b, uint16(blk.Proof.size()))
		b = blk.Proof.appendTo(b)
	}
	for i := range resp.Blocks {
		b = append(b, resp.Blocks[i].Data...)
	}
	return b, nil
}

// DecodeWantBlocksResponse decodes a TypeWantBlocksResponse payload.
// Errors wrap ErrTooLarge for a payload over MaxWantBlocksResponseSize,
// metadata over MaxMetadataSize, more than MaxBlocksPerBatch blocks, a
// block over MaxBlockSize or a proof path over MaxProofDepth; and
// ErrMalformed otherwise (truncation, empty or invalid CIDs, proofs with an
// empty path, data that does not add up to the blocks' dataLen, trailing
// bytes). Each Block.Data and proof node aliases p: the caller must not
// change p while the response is in use.
func DecodeWantBlocksResponse(p []byte) (WantBlocksResponse, error) {
	var resp WantBlocksResponse
	if len(p) > MaxWantBlocksResponseSize {
		return resp, tooLarge("response of %d bytes, limit %d", len(p), MaxWantBlocksResponseSize)
	}
	if len(p) < 4 {
		return resp, malformed("want-blocks response: %d bytes, no metadata length", len(p))
	}
	metaLen := le.Uint32(p)
	if metaLen > MaxMetadataSize {
		return resp, tooLarge("metadata of %d bytes, limit %d", metaLen, MaxMetadataSize)
	}
	if uint64(metaLen) > uint64(len(p)-4) {
		return resp, malformed("want-blocks response: metadata length %d, only %d bytes", metaLen, len(p)-4)
	}
	data := p[4+metaLen:]
	d := decoder{buf: p[4 : 4+metaLen], what: "want-blocks metadata"}
	if len(d.buf) < metaFixed {
		d.fail("%d bytes, need %d", len(d.buf), metaFixed)
		return resp, d.err
	}
	resp.RequestID = d.u64()
	resp.TreeCID = d.cid()
	n := d.u32()
	if n > MaxBlocksPerBatch {
		return WantBlocksResponse{}, tooLarge("%d blocks, limit %d", n, MaxBlocksPerBatch)
	}
	lens := make([]uint32, 0, n)
	for i := uint32(0); i < n && d.err == nil; i++ {
		var blk Block
		blk.Index = d.u64()
		blk.CID = d.cid()
		dl := d.u32()
		if d.err == nil && dl > MaxBlockSize {
			return WantBlocksResponse{}, tooLarge("block %d of %d bytes, limit %d", i, dl, MaxBlockSize)
		}
		if pl := int(d.u16()); pl > 0 {
			if q := d.bytes(pl); d.err == nil {
				pr, err := decodeProof(q)
				if err != nil {
					return WantBlocksResponse{}, err
				}
				blk.Proof = pr
			}
		}
		lens = append(lens, dl)
		resp.Blocks = append(resp.Blocks, blk)
	}
	if err := d.finish(); err != nil {
		return WantBlocksResponse{}, err
	}
	var total uint64
	for _, l := range lens {
		total += uint64(l)
	}
	if total != uint64(len(data)) {
		return WantBlocksResponse{}, malformed("want-blocks response: blocks declare %d data bytes, payload has %d", total, len(data))
	}
	for i, l := range lens {
		resp.Blocks[i].Data = data[:l:l]
		data = data[l:]
	}
	return resp, nil
}
