package manifest

import (
	"fmt"
	"unicode/utf8"

	"github.com/ipfs/go-cid"

	"github.com/cairn-node/cairn/node/internal/minpb"
	"github.com/cairn-node/cairn/node/storage/cids"
)

// wireCIDv1 is nim-libp2p's CidVersion ordinal of CIDv1 (CIDvIncorrect=0,
// CIDv0=1, CIDv1=2): the value of header field 6.
const wireCIDv1 = 2

// Encode returns the manifest bytes in layout l, as upstream's minprotobuf
// writes them: outer field 1 = header; header fields in ascending order,
// fields 1–6 always (even when zero), the optional fields of l only when
// set. The result is a new slice; m is not retained.
//
// Erasure-coded manifests have no field in Layout2026: encoding one there
// fails with ErrLayout (use LayoutCodex, or m.DefaultLayout()). Errors wrap
// ErrLayout or ErrInvalid (also for a filename that is not UTF-8 in
// Layout2026, which Decode could not tell from erasure info); Encode does
// not run Validate (see there).
func (m *Manifest) Encode(l Layout) ([]byte, error) {
	if m == nil {
		return nil, fmt.Errorf("%w (encode): nil manifest", ErrInvalid)
	}
	switch l {
	case Layout2026:
		if m.Protected() {
			return nil, fmt.Errorf("%w (encode): erasure info has no field in %v; use %v", ErrLayout, l, LayoutCodex)
		}
	case LayoutCodex:
	default:
		return nil, fmt.Errorf("%w (encode): %v", ErrLayout, l)
	}
	if err := m.checkStructure(); err != nil {
		return nil, fmt.Errorf("%w (encode): %w", ErrInvalid, err)
	}
	if l == Layout2026 && !utf8.ValidString(m.Filename) {
		// Decode tells a 2026 filename from an ErasureInfo by UTF-8.
		return nil, fmt.Errorf("%w (encode): filename %q is not UTF-8", ErrInvalid, m.Filename)
	}
	h := make([]byte, 0, 128+len(m.Filename)+len(m.Mimetype))
	h = minpb.AppendBytes(h, 1, m.TreeCID.Bytes())
	h = minpb.AppendUint(h, 2, uint64(m.BlockSize))
	h = minpb.AppendUint(h, 3, m.DatasetSize)
	h = minpb.AppendUint(h, 4, m.Codec)
	h = minpb.AppendUint(h, 5, m.HCodec)
	h = minpb.AppendUint(h, 6, wireCIDv1)
	if l == LayoutCodex {
		if m.Protected() {
			h = minpb.AppendBytes(h, 7, encodeErasure(m.Erasure))
		}
		h = appendString(h, 8, m.Filename)
		h = appendString(h, 9, m.Mimetype)
	} else {
		h = appendString(h, 7, m.Filename)
		h = appendString(h, 8, m.Mimetype)
	}
	out := minpb.AppendBytes(make([]byte, 0, len(h)+4), 1, h)
	if len(out) > MaxEncodedSize {
		return nil, fmt.Errorf("%w (encode): %d bytes, more than %d", ErrInvalid, len(out), MaxEncodedSize)
	}
	return out, nil
}

// CID encodes m in layout l and returns the manifest CID, CIDv1(0xCD01,
// sha256(encoded)), with the encoded bytes. Errors are Encode's.
func (m *Manifest) CID(l Layout) (cid.Cid, []byte, error) {
	b, err := m.Encode(l)
	if err != nil {
		return cid.Undef, nil, err
	}
	return cids.Manifest(b), b, nil
}

// appendString appends a string field unless it is empty: upstream writes
// filename and mimetype only when set, and decoders read "" as absent.
func appendString(b []byte, num int, s string) []byte {
	if s == "" {
		return b
	}
	return minpb.AppendBytes(b, num, []byte(s))
}

// encodeErasure writes the v0.2 ErasureInfo message: 1 ecK, 2 ecM,
// 3 originalTreeCid, 4 originalDatasetSize, 5 protectedStrategy,
// 6 VerificationInfo (only when verifiable).
func encodeErasure(e *ErasureInfo) []byte {
	b := minpb.AppendUint(nil, 1, uint64(e.K))
	b = minpb.AppendUint(b, 2, uint64(e.M))
	b = minpb.AppendBytes(b, 3, e.OriginalTreeCID.Bytes())
	b = minpb.AppendUint(b, 4, e.OriginalDatasetSize)
	b = minpb.AppendUint(b, 5, uint64(e.Strategy))
	if v := e.Verification; v != nil {
		b = minpb.AppendBytes(b, 6, encodeVerification(v))
	}
	return b
}

// encodeVerification writes the v0.2 VerificationInfo message:
// 1 verifyRoot, 2 slotRoots (repeated, not packed), 3 cellSize,
// 4 verifiableStrategy.
func encodeVerification(v *VerificationInfo) []byte {
	b := minpb.AppendBytes(nil, 1, v.VerifyRoot.Bytes())
	for _, c := range v.SlotRoots {
		b = minpb.AppendBytes(b, 2, c.Bytes())
	}
	b = minpb.AppendUint(b, 3, uint64(v.CellSize))
	return minpb.AppendUint(b, 4, uint64(v.Strategy))
}
