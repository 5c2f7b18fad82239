// Package minpb is the protobuf subset that nim-libp2p's minprotobuf
// writes, by hand: unsigned and zigzag varints and length-delimited bytes,
// every field written (zero values included) in the order the caller
// appends them. Reading is strict where a canonical writer never produces
// the input: varints must be minimal, field numbers in range, lengths
// inside the buffer. Logos Storage manifests and Waku messages use it.
package minpb

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Protobuf wire types.
const (
	WireVarint  = 0
	WireFixed64 = 1
	WireBytes   = 2
	WireFixed32 = 5
)

// MaxFieldNumber is the largest protobuf field number (2^29 - 1).
const MaxFieldNumber = 1<<29 - 1

// Errors of ReadUvarint, wrapped by ParseFields.
var (
	ErrTruncatedVarint = errors.New("truncated varint")
	ErrOverlongVarint  = errors.New("varint not minimally encoded")
	ErrVarintOverflow  = errors.New("varint overflows 64 bits")
)

// AppendTag appends the key of field num with wire type wire.
func AppendTag(b []byte, num, wire int) []byte {
	return binary.AppendUvarint(b, uint64(num)<<3|uint64(wire))
}

// AppendUint appends field num as a varint, also when v is zero (as
// minprotobuf does).
func AppendUint(b []byte, num int, v uint64) []byte {
	return binary.AppendUvarint(AppendTag(b, num, WireVarint), v)
}

// AppendBytes appends field num as a length-delimited value, also when v
// is empty (as minprotobuf does).
func AppendBytes(b []byte, num int, v []byte) []byte {
	b = binary.AppendUvarint(AppendTag(b, num, WireBytes), uint64(len(v)))
	return append(b, v...)
}

// Zigzag maps a signed integer to the unsigned sint64 encoding.
func Zigzag(v int64) uint64 { return uint64(v<<1) ^ uint64(v>>63) }

// Unzigzag inverts Zigzag.
func Unzigzag(u uint64) int64 { return int64(u>>1) ^ -int64(u&1) }

// ReadUvarint reads a minimal LEB128 varint of at most 64 bits from b and
// returns it with the number of bytes used. nim-libp2p's varint reader
// rejects the same inputs (Incomplete, Overflow, Overlong).
func ReadUvarint(b []byte) (uint64, int, error) {
	var v uint64
	for i := 0; i < len(b); i++ {
		if i == binary.MaxVarintLen64 {
			return 0, 0, ErrVarintOverflow
		}
		c := b[i]
		if i == binary.MaxVarintLen64-1 && c > 1 {
			return 0, 0, ErrVarintOverflow
		}
		v |= uint64(c&0x7f) << (7 * i)
		if c < 0x80 {
			if i > 0 && c == 0 {
				return 0, 0, ErrOverlongVarint
			}
			return v, i + 1, nil
		}
	}
	return 0, 0, ErrTruncatedVarint
}

// Field is one field of a parsed message. For WireVarint Val holds the
// value, for WireBytes Data holds the bytes (a sub-slice of the input);
// fixed-width fields are kept only so that unknown ones can be skipped.
type Field struct {
	Num  int
	Wire int
	Val  uint64
	Data []byte
}

// ParseFields splits b into fields in wire order. It fails on truncated or
// overlong varints, field number 0 or above MaxFieldNumber, group and
// unknown wire types, and lengths beyond the buffer. Errors do not name
// the message; callers add that.
func ParseFields(b []byte) ([]Field, error) {
	var fields []Field
	for off := 0; off < len(b); {
		key, n, err := ReadUvarint(b[off:])
		if err != nil {
			return nil, fmt.Errorf("field key at byte %d: %w", off, err)
		}
		off += n
		if key>>3 == 0 || key>>3 > MaxFieldNumber {
			return nil, fmt.Errorf("field number %d out of range", key>>3)
		}
		f := Field{Num: int(key >> 3), Wire: int(key & 7)}
		switch f.Wire {
		case WireVarint:
			f.Val, n, err = ReadUvarint(b[off:])
			if err != nil {
				return nil, fmt.Errorf("field %d: %w", f.Num, err)
			}
			off += n
		case WireBytes:
			l, n, err := ReadUvarint(b[off:])
			if err != nil {
				return nil, fmt.Errorf("field %d length: %w", f.Num, err)
			}
			off += n
			if l > uint64(len(b)-off) {
				return nil, fmt.Errorf("field %d: length %d beyond the %d bytes left", f.Num, l, len(b)-off)
			}
			f.Data = b[off : off+int(l)]
			off += int(l)
		case WireFixed64, WireFixed32:
			w := 8
			if f.Wire == WireFixed32 {
				w = 4
			}
			if w > len(b)-off {
				return nil, fmt.Errorf("field %d: fixed-width value truncated", f.Num)
			}
			off += w
		default:
			return nil, fmt.Errorf("field %d: unsupported wire type %d", f.Num, f.Wire)
		}
		fields = append(fields, f)
	}
	return fields, nil
}
