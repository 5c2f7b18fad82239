package witness

import (
	"errors"
	"fmt"
	"math"
)

// errTruncated reports input that ends inside a value.
var errTruncated = errors.New("truncated")

// Protocol buffer wire types (protobuf.dev/programming-guides/encoding).
const (
	wireVarint  = 0
	wireFixed64 = 1
	wireBytes   = 2
	wireFixed32 = 5
)

// pbReader decodes the protocol buffer wire format from a byte slice. It
// implements only what graph.bin needs: varints, length-delimited fields
// and skipping of unknown fields.
//
// INVARIANT: 0 <= off <= len(b).
type pbReader struct {
	b   []byte
	off int
}

func (r *pbReader) done() bool { return r.off == len(r.b) }

// varint reads a base-128 varint of at most 10 bytes.
func (r *pbReader) varint() (uint64, error) {
	var x uint64
	for i := 0; i < 10; i++ {
		if r.off == len(r.b) {
			return 0, errTruncated
		}
		c := r.b[r.off]
		r.off++
		if i == 9 && c > 1 {
			return 0, errors.New("varint overflows 64 bits")
		}
		x |= uint64(c&0x7f) << (7 * i)
		if c < 0x80 {
			return x, nil
		}
	}
	return 0, errors.New("varint longer than 10 bytes")
}

// uint32 reads a varint that must fit 32 bits.
func (r *pbReader) uint32() (uint32, error) {
	x, err := r.varint()
	if err != nil {
		return 0, err
	}
	if x > math.MaxUint32 {
		return 0, fmt.Errorf("value %d exceeds 32 bits", x)
	}
	return uint32(x), nil
}

// bytes reads a length-delimited value; the result aliases r's buffer.
func (r *pbReader) bytes() ([]byte, error) {
	n, err := r.varint()
	if err != nil {
		return nil, err
	}
	if n > uint64(len(r.b)-r.off) {
		return nil, fmt.Errorf("%w: length %d, %d bytes left", errTruncated, n, len(r.b)-r.off)
	}
	v := r.b[r.off : r.off+int(n)]
	r.off += int(n)
	return v, nil
}

// bytesField reads the value of a known length-delimited field whose key
// had wire type wire; it fails when wire is not wireBytes. The result
// aliases r's buffer.
func (r *pbReader) bytesField(wire int) ([]byte, error) {
	if err := expectWire(wire, wireBytes); err != nil {
		return nil, err
	}
	return r.bytes()
}

// tag reads a field key and returns its field number and wire type.
func (r *pbReader) tag() (field uint32, wire int, err error) {
	k, err := r.varint()
	if err != nil {
		return 0, 0, err
	}
	if k>>3 == 0 || k>>3 > math.MaxInt32 {
		return 0, 0, fmt.Errorf("bad field number %d", k>>3)
	}
	return uint32(k >> 3), int(k & 7), nil
}

// skip skips a field value of the given wire type.
func (r *pbReader) skip(wire int) error {
	switch wire {
	case wireVarint:
		_, err := r.varint()
		return err
	case wireBytes:
		_, err := r.bytes()
		return err
	case wireFixed64, wireFixed32:
		n := 8
		if wire == wireFixed32 {
			n = 4
		}
		if len(r.b)-r.off < n {
			return errTruncated
		}
		r.off += n
		return nil
	default:
		return fmt.Errorf("unsupported wire type %d", wire)
	}
}

// fields calls f for each field of the message in b. f returns handled =
// false for fields it does not know; those are skipped, as protobuf readers
// do.
func fields(b []byte, f func(r *pbReader, field uint32, wire int) (handled bool, err error)) error {
	r := pbReader{b: b}
	for !r.done() {
		field, wire, err := r.tag()
		if err != nil {
			return err
		}
		handled, err := f(&r, field, wire)
		if err != nil {
			return fmt.Errorf("field %d: %w", field, err)
		}
		if !handled {
			if err := r.skip(wire); err != nil {
				return fmt.Errorf("field %d: %w", field, err)
			}
		}
	}
	return nil
}

// expectWire checks a known field's wire type.
func expectWire(got, want int) error {
	if got != want {
		return fmt.Errorf("wire type %d, want %d", got, want)
	}
	return nil
}
