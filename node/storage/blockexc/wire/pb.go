package wire

import (
	"encoding/binary"
	"fmt"
	"math"
)

// Protobuf wire types (groups, 3 and 4, are rejected as upstream does).
const (
	wtVarint  = 0
	wtFixed64 = 1
	wtBytes   = 2
	wtFixed32 = 5
)

// maxVarint32Len is the longest varint nim-protobuf-serialization accepts
// for a field header or a length (it reads them as uint32).
const maxVarint32Len = 5

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrMalformed}, args...)...)
}

func tooLarge(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrTooLarge}, args...)...)
}

func appendTag(b []byte, field, wt int) []byte {
	return binary.AppendUvarint(b, uint64(field)<<3|uint64(wt))
}

func appendUintField(b []byte, field int, v uint64) []byte {
	return binary.AppendUvarint(appendTag(b, field, wtVarint), v)
}

// appendInt32Field writes v as protobuf int32: sign-extended to 64 bits, so
// a negative value takes 10 bytes.
func appendInt32Field(b []byte, field int, v int32) []byte {
	return appendUintField(b, field, uint64(int64(v)))
}

func appendBoolField(b []byte, field int, v bool) []byte {
	var x uint64
	if v {
		x = 1
	}
	return appendUintField(b, field, x)
}

func appendBytesField(b []byte, field int, p []byte) []byte {
	b = binary.AppendUvarint(appendTag(b, field, wtBytes), uint64(len(p)))
	return append(b, p...)
}

// appendMessageField writes a length-delimited submessage that enc appends,
// then moves it right to make room for its length prefix.
func appendMessageField(b []byte, field int, enc func([]byte) []byte) []byte {
	b = appendTag(b, field, wtBytes)
	start := len(b)
	b = enc(b)
	n := len(b) - start
	var lb [binary.MaxVarintLen64]byte
	k := binary.PutUvarint(lb[:], uint64(n))
	b = append(b, lb[:k]...)
	copy(b[start+k:], b[start:start+n])
	copy(b[start:], lb[:k])
	return b
}

// pbReader walks the fields of one protobuf message. what names the message
// in errors.
type pbReader struct {
	buf  []byte
	what string
}

func (r *pbReader) more() bool { return len(r.buf) > 0 }

func (r *pbReader) uvarint() (uint64, int, error) {
	v, n := binary.Uvarint(r.buf)
	if n == 0 {
		return 0, 0, malformed("%s: truncated varint", r.what)
	}
	if n < 0 {
		return 0, 0, malformed("%s: varint overflows 64 bits", r.what)
	}
	r.buf = r.buf[n:]
	return v, n, nil
}

func (r *pbReader) uvarint32() (uint32, error) {
	v, n, err := r.uvarint()
	if err != nil {
		return 0, err
	}
	if n > maxVarint32Len || v > math.MaxUint32 {
		return 0, malformed("%s: varint header or length over 32 bits", r.what)
	}
	return uint32(v), nil
}

// next reads a field header. Field numbers must be in [1, 2^29) and outside
// the reserved 19000–19999, as nim-protobuf-serialization requires.
func (r *pbReader) next() (field, wt int, err error) {
	h, err := r.uvarint32()
	if err != nil {
		return 0, 0, err
	}
	wt = int(h & 7)
	field = int(h >> 3)
	switch wt {
	case wtVarint, wtFixed64, wtBytes, wtFixed32:
	default:
		return 0, 0, malformed("%s: field %d: unsupported wire type %d", r.what, field, wt)
	}
	if field == 0 || field >= 1<<29 || (field >= 19000 && field <= 19999) {
		return 0, 0, malformed("%s: invalid field number %d", r.what, field)
	}
	return field, wt, nil
}

func (r *pbReader) wantType(field, wt, want int) error {
	if wt != want {
		return malformed("%s: field %d: wire type %d, want %d", r.what, field, wt, want)
	}
	return nil
}

func (r *pbReader) varintField(field, wt int) (uint64, error) {
	if err := r.wantType(field, wt, wtVarint); err != nil {
		return 0, err
	}
	v, _, err := r.uvarint()
	return v, err
}

func (r *pbReader) bytesField(field, wt int) ([]byte, error) {
	if err := r.wantType(field, wt, wtBytes); err != nil {
		return nil, err
	}
	return r.lengthDelimited()
}

func (r *pbReader) lengthDelimited() ([]byte, error) {
	n, err := r.uvarint32()
	if err != nil {
		return nil, err
	}
	if n > math.MaxInt32 {
		return nil, malformed("%s: length %d over 2^31-1", r.what, n)
	}
	if int(n) > len(r.buf) {
		return nil, malformed("%s: length %d, only %d bytes left", r.what, n, len(r.buf))
	}
	p := r.buf[:n:n]
	r.buf = r.buf[n:]
	return p, nil
}

// skip passes over the value of an unknown field.
func (r *pbReader) skip(wt int) error {
	var n int
	switch wt {
	case wtVarint:
		_, _, err := r.uvarint()
		return err
	case wtBytes:
		_, err := r.lengthDelimited()
		return err
	case wtFixed64:
		n = 8
	case wtFixed32:
		n = 4
	}
	if len(r.buf) < n {
		return malformed("%s: truncated fixed-width field", r.what)
	}
	r.buf = r.buf[n:]
	return nil
}

// required checks that every field number in want was seen (bit i = field i).
// fields reads every field of the message in r: fn decodes field f of wire
// type wt (and skips the fields it does not know with r.skip). It then
// checks that the fields in the bit set required (bit f for field f) all
// appeared.
func (r *pbReader) fields(required uint32, fn func(f, wt int) error) error {
	var seen uint32
	for r.more() {
		f, wt, err := r.next()
		if err != nil {
			return err
		}
		if err := fn(f, wt); err != nil {
			return err
		}
		seen |= 1 << min(f, 31)
	}
	return r.required(seen, required)
}

func (r *pbReader) required(seen, want uint32) error {
	if miss := want &^ seen; miss != 0 {
		for f := 1; f < 32; f++ {
			if miss&(1<<f) != 0 {
				return malformed("%s: missing required field %d", r.what, f)
			}
		}
	}
	return nil
}
