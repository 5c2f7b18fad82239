package manifest

import (
	"fmt"
	"math"
	"strings"
	"unicode/utf8"

	"github.com/ipfs/go-cid"

	"github.com/cairn-node/cairn/node/storage/cids"
)

// Decode reads a manifest in either layout and reports which one it found
// (the rule is in doc.go, "Layout detection"). Empty filename and mimetype
// fields read as absent; unknown field numbers are skipped, as upstream
// does. Every error wraps ErrMalformed: truncated or overlong varints,
// wrong wire types, lengths beyond the buffer, missing or repeated fields,
// values too large for their field, invalid CIDs, a CID version other than
// CIDv1, a block size of 0 or above 100 MiB, K = 0, input over
// MaxEncodedSize. Decode never panics and does not run Validate.
//
// The result does not alias data. For every canonical manifest (as Encode
// writes), m.Encode(layout) returns data again.
func Decode(data []byte) (*Manifest, Layout, error) {
	m, l, err := decode(data)
	if err != nil {
		return nil, 0, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	return m, l, nil
}

func decode(data []byte) (*Manifest, Layout, error) {
	if len(data) > MaxEncodedSize {
		return nil, 0, fmt.Errorf("%d bytes, more than %d", len(data), MaxEncodedSize)
	}
	outer, err := parseMessage("outer message", data)
	if err != nil {
		return nil, 0, err
	}
	hb, err := outer.bytes(1, "header", true)
	if err != nil {
		return nil, 0, err
	}
	h, err := parseMessage("header", hb)
	if err != nil {
		return nil, 0, err
	}
	m := &Manifest{Version: 1}
	tree, err := h.bytes(1, "treeCid", true)
	if err != nil {
		return nil, 0, err
	}
	if m.TreeCID, err = cids.Cast(tree, cids.CodecTree); err != nil {
		return nil, 0, fmt.Errorf("header: treeCid: %w", err)
	}
	bs, err := h.varint(2, "blockSize", math.MaxUint32)
	if err != nil {
		return nil, 0, err
	}
	m.BlockSize = uint32(bs)
	if m.DatasetSize, err = h.varint(3, "datasetSize", math.MaxUint64); err != nil {
		return nil, 0, err
	}
	// Upstream reads codec, hcodec and version as uint32.
	if m.Codec, err = h.varint(4, "codec", math.MaxUint32); err != nil {
		return nil, 0, err
	}
	if m.HCodec, err = h.varint(5, "hcodec", math.MaxUint32); err != nil {
		return nil, 0, err
	}
	ver, err := h.varint(6, "version", math.MaxUint32)
	if err != nil {
		return nil, 0, err
	}
	if ver != wireCIDv1 {
		return nil, 0, fmt.Errorf("header: version %d, want %d (nim-libp2p's CIDv1)", ver, wireCIDv1)
	}
	var f [10][]byte // fields 7, 8, 9 by number
	for n := 7; n <= 9; n++ {
		if f[n], err = h.bytes(n, optionalName[n], false); err != nil {
			return nil, 0, err
		}
	}
	l, err := detect(m, f[7], f[8], f[9])
	if err != nil {
		return nil, 0, err
	}
	if err := m.checkStructure(); err != nil {
		return nil, 0, err
	}
	return m, l, nil
}

var optionalName = [10]string{7: "field 7 (erasure info or filename)", 8: "field 8 (filename or mimetype)", 9: "mimetype"}

// detect picks the layout from header fields 7–9 (empty ones count as
// absent) and fills m's optional fields; see doc.go.
func detect(m *Manifest, f7, f8, f9 []byte) (Layout, error) {
	switch {
	case len(f7) > 0:
		e, errEC := decodeErasure(f7)
		if errEC == nil {
			m.Erasure = e
			m.Filename, m.Mimetype = string(f8), string(f9)
			return LayoutCodex, nil
		}
		if len(f9) > 0 {
			return 0, fmt.Errorf("header: field 9 says nim-codex layout, but field 7: %w", errEC)
		}
		if !utf8.Valid(f7) {
			return 0, fmt.Errorf("header: field 7 is neither a filename (not UTF-8) nor %w", errEC)
		}
		m.Filename, m.Mimetype = string(f7), string(f8)
		return Layout2026, nil
	case len(f9) > 0:
		m.Filename, m.Mimetype = string(f8), string(f9)
		return LayoutCodex, nil
	case len(f8) > 0 && !strings.Contains(string(f8), "/"):
		// A lone field 8 without '/' is a v0.2 filename: upstream REST
		// refuses '/' in filenames and accepts only type/subtype MIME types.
		m.Filename = string(f8)
		return LayoutCodex, nil
	default:
		m.Mimetype = string(f8)
		return Layout2026, nil
	}
}

// decodeErasure reads a v0.2 ErasureInfo message. All of fields 1–5 are
// required (upstream always writes them); field 6 is optional.
func decodeErasure(b []byte) (*ErasureInfo, error) {
	msg, err := parseMessage("erasure info", b)
	if err != nil {
		return nil, err
	}
	e := &ErasureInfo{}
	k, err := msg.varint(1, "ecK", math.MaxUint32)
	if err != nil {
		return nil, err
	}
	mm, err := msg.varint(2, "ecM", math.MaxUint32)
	if err != nil {
		return nil, err
	}
	e.K, e.M = uint32(k), uint32(mm)
	tree, err := msg.bytes(3, "originalTreeCid", true)
	if err != nil {
		return nil, err
	}
	if e.OriginalTreeCID, err = cids.Cast(tree, cids.CodecTree); err != nil {
		return nil, fmt.Errorf("erasure info: originalTreeCid: %w", err)
	}
	if e.OriginalDatasetSize, err = msg.varint(4, "originalDatasetSize", math.MaxUint64); err != nil {
		return nil, err
	}
	s, err := msg.varint(5, "protectedStrategy", uint64(StrategyStepped))
	if err != nil {
		return nil, err
	}
	e.Strategy = Strategy(s)
	vb, err := msg.bytes(6, "verificationInfo", false)
	if err != nil {
		return nil, err
	}
	if len(vb) > 0 { // upstream: empty means "not verifiable"
		if e.Verification, err = decodeVerification(vb); err != nil {
			return nil, err
		}
	}
	return e, nil
}

// decodeVerification reads a v0.2 VerificationInfo message.
func decodeVerification(b []byte) (*VerificationInfo, error) {
	msg, err := parseMessage("verification info", b)
	if err != nil {
		return nil, err
	}
	v := &VerificationInfo{}
	root, err := msg.bytes(1, "verifyRoot", true)
	if err != nil {
		return nil, err
	}
	if v.VerifyRoot, err = castV1(root); err != nil {
		return nil, fmt.Errorf("verification info: verifyRoot: %w", err)
	}
	slots, err := msg.repeated(2, "slotRoots")
	if err != nil {
		return nil, err
	}
	if len(slots) == 0 {
		return nil, fmt.Errorf("verification info: slotRoots (field 2) missing")
	}
	v.SlotRoots = make([]cid.Cid, len(slots))
	for i, s := range slots {
		if v.SlotRoots[i], err = castV1(s); err != nil {
			return nil, fmt.Errorf("verification info: slot root %d: %w", i, err)
		}
	}
	cs, err := msg.varint(3, "cellSize", math.MaxUint32)
	if err != nil {
		return nil, err
	}
	v.CellSize = uint32(cs)
	s, err := msg.varint(4, "verifiableStrategy", uint64(StrategyStepped))
	if err != nil {
		return nil, err
	}
	v.Strategy = Strategy(s)
	return v, nil
}

// castV1 parses a binary CIDv1 with any codec and multihash.
func castV1(b []byte) (cid.Cid, error) {
	c, err := cid.Cast(b)
	if err != nil {
		return cid.Undef, fmt.Errorf("%w: %w", cids.ErrInvalid, err)
	}
	if err := checkV1(c); err != nil {
		return cid.Undef, err
	}
	return c, nil
}
