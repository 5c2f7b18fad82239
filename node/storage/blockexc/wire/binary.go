package wire

import (
	"encoding/binary"
	"math"

	"github.com/ipfs/go-cid"
)

// The binary WantBlocks messages are little-endian throughout.
var le = binary.LittleEndian

func checkCIDLen(c []byte, what string) error {
	if len(c) == 0 {
		return malformed("undefined %s", what)
	}
	if len(c) > math.MaxUint16 {
		return tooLarge("%s of %d bytes", what, len(c))
	}
	return nil
}

func appendCID(b, c []byte) []byte {
	return append(le.AppendUint16(b, uint16(len(c))), c...)
}

// castCID parses a binary CID. Any CID go-cid accepts is taken (the
// fixtures use the raw codec); checking codecs is the caller's business.
func castCID(p []byte, what string) (cid.Cid, error) {
	c, err := cid.Cast(p)
	if err != nil {
		return cid.Undef, malformed("%s: %w", what, err)
	}
	return c, nil
}

// decoder reads little-endian fields; after the first error every read
// returns zero and err keeps that first error.
type decoder struct {
	buf  []byte
	what string
	err  error
}

func (d *decoder) fail(format string, args ...any) {
	if d.err == nil {
		d.err = malformed("%s: "+format, append([]any{d.what}, args...)...)
	}
}

func (d *decoder) bytes(n int) []byte {
	if d.err != nil {
		return nil
	}
	if n > len(d.buf) {
		d.fail("truncated: need %d bytes, have %d", n, len(d.buf))
		return nil
	}
	b := d.buf[:n:n]
	d.buf = d.buf[n:]
	return b
}

func (d *decoder) u16() uint16 {
	if b := d.bytes(2); b != nil {
		return le.Uint16(b)
	}
	return 0
}

func (d *decoder) u32() uint32 {
	if b := d.bytes(4); b != nil {
		return le.Uint32(b)
	}
	return 0
}

func (d *decoder) u64() uint64 {
	if b := d.bytes(8); b != nil {
		return le.Uint64(b)
	}
	return 0
}

// cid reads a u16 length and a binary CID; a zero length is an error.
func (d *decoder) cid() cid.Cid {
	n := d.u16()
	if d.err == nil && n == 0 {
		d.fail("CID length 0")
	}
	b := d.bytes(int(n))
	if d.err != nil {
		return cid.Undef
	}
	c, err := castCID(b, d.what+": CID")
	if err != nil {
		d.err = err
	}
	return c
}

// finish returns the first error, or one for bytes left over.
func (d *decoder) finish() error {
	if d.err == nil && len(d.buf) > 0 {
		d.fail("%d trailing bytes", len(d.buf))
	}
	return d.err
}
