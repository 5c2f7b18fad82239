package wire

import (
	"encoding/binary"
	"fmt"
	"io"

	"github.com/ipfs/go-cid"
)

// ManifestStatus is the first byte of a manifest response.
type ManifestStatus byte

// The manifest response statuses.
const (
	ManifestFound    ManifestStatus = 0 // the manifest bytes follow
	ManifestNotFound ManifestStatus = 1 // the peer does not have it
)

// WriteManifestRequest writes a ProtocolManifest request for c: u16 LE
// cidLen, then the binary CID. Errors: ErrMalformed for an undefined CID,
// ErrTooLarge for a CID over MaxManifestCIDSize, or w's error wrapped.
func WriteManifestRequest(w io.Writer, c cid.Cid) error {
	b := c.Bytes()
	if len(b) == 0 {
		return malformed("manifest request: undefined CID")
	}
	if len(b) > MaxManifestCIDSize {
		return tooLarge("manifest request CID of %d bytes, limit %d", len(b), MaxManifestCIDSize)
	}
	buf := binary.LittleEndian.AppendUint16(make([]byte, 0, 2+len(b)), uint16(len(b)))
	if _, err := w.Write(append(buf, b...)); err != nil {
		return fmt.Errorf("wire: write manifest request: %w", err)
	}
	return nil
}

// ReadManifestRequest reads a ProtocolManifest request and returns its CID
// (any valid CID; checking for the manifest codec is the caller's job).
// Errors wrap ErrMalformed for a zero length or an invalid CID, ErrTooLarge
// for a length over MaxManifestCIDSize (upstream answers both with
// ManifestNotFound), and io.EOF or io.ErrUnexpectedEOF for a short stream.
func ReadManifestRequest(r io.Reader) (cid.Cid, error) {
	var lb [2]byte
	if _, err := io.ReadFull(r, lb[:]); err != nil {
		return cid.Undef, fmt.Errorf("wire: read manifest request length: %w", err)
	}
	n := binary.LittleEndian.Uint16(lb[:])
	if n == 0 {
		return cid.Undef, malformed("manifest request: CID length 0")
	}
	if n > MaxManifestCIDSize {
		return cid.Undef, tooLarge("manifest request CID of %d bytes, limit %d", n, MaxManifestCIDSize)
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(r, b); err != nil {
		return cid.Undef, fmt.Errorf("wire: read manifest request CID: %w", noEOF(err))
	}
	return castCID(b, "manifest request")
}

// WriteManifestResponse writes a ProtocolManifest response: u32 LE (1+n),
// the status byte, then the n manifest bytes. A ManifestNotFound response
// carries no bytes. Errors: ErrMalformed for an unknown status or bytes with
// ManifestNotFound, ErrTooLarge for a manifest over MaxManifestSize, or w's
// error wrapped. manifest is only read.
func WriteManifestResponse(w io.Writer, status ManifestStatus, manifest []byte) error {
	switch {
	case status > ManifestNotFound:
		return malformed("manifest response: unknown status %d", status)
	case status == ManifestNotFound && len(manifest) > 0:
		return malformed("manifest response: %d bytes with status NotFound", len(manifest))
	case len(manifest) > MaxManifestSize:
		return tooLarge("manifest of %d bytes, limit %d", len(manifest), MaxManifestSize)
	}
	buf := make([]byte, 0, 5+len(manifest))
	buf = binary.LittleEndian.AppendUint32(buf, uint32(1+len(manifest)))
	buf = append(append(buf, byte(status)), manifest...)
	if _, err := w.Write(buf); err != nil {
		return fmt.Errorf("wire: write manifest response: %w", err)
	}
	return nil
}

// ReadManifestResponse reads a ProtocolManifest response and returns its
// status and manifest bytes (newly allocated; nil when there are none).
// Like upstream it returns any bytes that follow a ManifestNotFound status.
// The caller must check the bytes against the requested CID. Errors wrap
// ErrMalformed for a zero length or an unknown status, ErrTooLarge for more
// than MaxManifestSize manifest bytes, and io.EOF or io.ErrUnexpectedEOF
// for a short stream.
func ReadManifestResponse(r io.Reader) (ManifestStatus, []byte, error) {
	var lb [4]byte
	if _, err := io.ReadFull(r, lb[:]); err != nil {
		return 0, nil, fmt.Errorf("wire: read manifest response length: %w", err)
	}
	n := binary.LittleEndian.Uint32(lb[:])
	if n < 1 {
		return 0, nil, malformed("manifest response: length 0")
	}
	if n > 1+MaxManifestSize {
		return 0, nil, tooLarge("manifest response of %d bytes, limit %d", n, 1+MaxManifestSize)
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(r, b); err != nil {
		return 0, nil, fmt.Errorf("wire: read manifest response: %w", noEOF(err))
	}
	status := ManifestStatus(b[0])
	if status > ManifestNotFound {
		return 0, nil, malformed("manifest response: unknown status %d", b[0])
	}
	if n == 1 {
		return status, nil, nil
	}
	return status, b[1:], nil
}
