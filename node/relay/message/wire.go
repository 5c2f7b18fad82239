package message

// The protobuf subset a Waku message uses, by hand: unsigned and zigzag
// varints and length-delimited bytes.

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Protobuf wire types.
const (
	wireVarint  = 0
	wireFixed64 = 1
	wireBytes   = 2
	wireFixed32 = 5
)

// maxFieldNumber is the largest protobuf field number (2^29 - 1).
const maxFieldNumber = 1<<29 - 1

var (
	errTruncatedVarint = errors.New("truncated varint")
	errOverlongVarint  = errors.New("varint not minimally encoded")
	errVarintOverflow  = errors.New("varint overflows 64 bits")
)

// appendTag appends the key of field num with wire type wire.
func appendTag(b []byte, num, wire int) []byte {
	return binary.AppendUvarint(b, uint64(num)<<3|uint64(wire))
}

// appendUint appends field num as a varint, also when v is zero (as
// minprotobuf does).
func appendUint(b []byte, num int, v uint64) []byte {
	return binary.AppendUvarint(appendTag(b, num, wireVarint), v)
}

// appendBytes appends field num as a length-delimited value, also when v is
// empty (as minprotobuf does).
func appendBytes(b []byte, num int, v []byte) []byte {
	b = binary.AppendUvarint(appendTag(b, num, wireBytes), uint64(len(v)))
	return append(b, v...)
}

// zigzag maps a signed integer to the unsigned sint64 encoding.
func zigzag(v int64) uint64 { return uint64(v<<1) ^ uint64(v>>63) }

// unzigzag inverts zigzag.
func unzigzag(u uint64) int64 { return int64(u>>1) ^ -int64(u&1) }

// readUvarint reads a minimal LEB128 varint of at most 64 bits from b and
// returns it with the number of bytes used.
func readUvarint(b []byte) (uint64, int, error) {
	var v uint64
	for i := 0; i < len(b); i++ {
		if i == binary.MaxVarintLen64 {
			return 0, 0, errVarintOverflow
		}
		c := b[i]
		if i == binary.MaxVarintLen64-1 && c > 1 {
			return 0, 0, errVarintOverflow
		}
		v |= uint64(c&0x7f) << (7 * i)
		if c < 0x80 {
			if i > 0 && c == 0 {
				return 0, 0, errOverlongVarint
			}
			return v, i + 1, nil
		}
	}
	return 0, 0, errTruncatedVarint
}

// field is one field of a parsed message: for wireVarint val holds the
// value, for wireBytes data holds the bytes (a sub-slice of the input).
type field struct {
	num  int
	wire int
	val  uint64
	data []byte
}

// parseFields splits b into fields, failing on truncated or overlong
// varints, field number 0 or above 2^29-1, group or unknown wire types, and
// lengths beyond the buffer.
func parseFields(b []byte) ([]field, error) {
	var fields []field
	for off := 0; off < len(b); {
		key, n, err := readUvarint(b[off:])
		if err != nil {
			return nil, fmt.Errorf("field key at byte %d: %w", off, err)
		}
		off += n
		if key>>3 == 0 || key>>3 > maxFieldNumber {
			return nil, fmt.Errorf("field number %d out of range", key>>3)
		}
		f := field{num: int(key >> 3), wire: int(key & 7)}
		switch f.wire {
		case wireVarint:
			f.val, n, err = readUvarint(b[off:])
			if err != nil {
				return nil, fmt.Errorf("field %d: %w", f.num, err)
			}
			off += n
		case wireBytes:
			l, n, err := readUvarint(b[off:])
			if err != nil {
				return nil, fmt.Errorf("field %d length: %w", f.num, err)
			}
			off += n
			if l > uint64(len(b)-off) {
				return nil, fmt.Errorf("field %d: length %d beyond the %d bytes left", f.num, l, len(b)-off)
			}
			f.data = b[off : off+int(l)]
			off += int(l)
		case wireFixed64, wireFixed32:
			w := 8
			if f.wire == wireFixed32 {
				w = 4
			}
			if w > len(b)-off {
				return nil, fmt.Errorf("field %d: fixed-width value truncated", f.num)
			}
			off += w
		default:
			return nil, fmt.Errorf("field %d: unsupported wire type %d", f.num, f.wire)
		}
		fields = append(fields, f)
	}
	return fields, nil
}
