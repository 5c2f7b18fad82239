package manifest

// The protobuf subset nim-libp2p's minprotobuf writes, by hand: unsigned
// varints, length-delimited bytes, fields in the order the caller appends
// them. Reading is stricter than minprotobuf where a canonical writer can
// never produce the input (see doc.go, "Decoding").

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

// appendUint appends field num as a varint. minprotobuf writes scalar
// fields even when they are zero, and so does this.
func appendUint(b []byte, num int, v uint64) []byte {
	return binary.AppendUvarint(appendTag(b, num, wireVarint), v)
}

// appendBytes appends field num as a length-delimited value (bytes, string
// or submessage).
func appendBytes(b []byte, num int, v []byte) []byte {
	b = binary.AppendUvarint(appendTag(b, num, wireBytes), uint64(len(v)))
	return append(b, v...)
}

// readUvarint reads a minimal LEB128 varint of at most 64 bits from b and
// returns it with the number of bytes used. nim-libp2p's varint reader
// rejects the same inputs (Incomplete, Overflow, Overlong).
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

// field is one field of a parsed message. For wireVarint val holds the
// value, for wireBytes data holds the bytes (a sub-slice of the message);
// fixed-width fields are kept only so that unknown ones can be skipped.
type field struct {
	num  int
	wire int
	val  uint64
	data []byte
}

// message is a parsed protobuf message: its fields in wire order.
type message struct {
	name   string // for errors: "outer message", "header", "erasure info", …
	fields []field
}

// parseMessage splits b into fields. It fails on truncated or overlong
// varints, field number 0 or above 2^29-1, group and unknown wire types, and
// lengths beyond the buffer. Unknown field numbers are kept (and later
// ignored), as minprotobuf skips them.
func parseMessage(name string, b []byte) (message, error) {
	m := message{name: name}
	for off := 0; off < len(b); {
		key, n, err := readUvarint(b[off:])
		if err != nil {
			return m, fmt.Errorf("%s: field key at byte %d: %w", name, off, err)
		}
		off += n
		f := field{wire: int(key & 7)}
		if key>>3 == 0 || key>>3 > maxFieldNumber {
			return m, fmt.Errorf("%s: field number %d out of range", name, key>>3)
		}
		f.num = int(key >> 3)
		switch f.wire {
		case wireVarint:
			f.val, n, err = readUvarint(b[off:])
			if err != nil {
				return m, fmt.Errorf("%s: field %d: %w", name, f.num, err)
			}
			off += n
		case wireBytes:
			l, n, err := readUvarint(b[off:])
			if err != nil {
				return m, fmt.Errorf("%s: field %d length: %w", name, f.num, err)
			}
			off += n
			if l > uint64(len(b)-off) {
				return m, fmt.Errorf("%s: field %d: length %d beyond the %d bytes left", name, f.num, l, len(b)-off)
			}
			f.data = b[off : off+int(l)]
			off += int(l)
		case wireFixed64, wireFixed32:
			w := 8
			if f.wire == wireFixed32 {
				w = 4
			}
			if w > len(b)-off {
				return m, fmt.Errorf("%s: field %d: fixed-width value truncated", name, f.num)
			}
			off += w
		default:
			return m, fmt.Errorf("%s: field %d: unsupported wire type %d", name, f.num, f.wire)
		}
		m.fields = append(m.fields, f)
	}
	return m, nil
}

// find returns the single occurrence of field num, checking its wire type.
// A second occurrence is an error: the upstream encoders write each
// singular field once (minprotobuf would silently keep the last).
func (m message) find(num, wire int, what string) (field, bool, error) {
	var got field
	found := false
	for _, f := range m.fields {
		if f.num != num {
			continue
		}
		if f.wire != wire {
			return got, false, fmt.Errorf("%s: %s (field %d): wire type %d, want %d", m.name, what, num, f.wire, wire)
		}
		if found {
			return got, false, fmt.Errorf("%s: %s (field %d): repeated", m.name, what, num)
		}
		got, found = f, true
	}
	return got, found, nil
}

// varint returns the required varint field num, which must be at most max.
func (m message) varint(num int, what string, max uint64) (uint64, error) {
	f, ok, err := m.find(num, wireVarint, what)
	if err != nil {
		return 0, err
	}
	if !ok {
		return 0, fmt.Errorf("%s: %s (field %d) missing", m.name, what, num)
	}
	if f.val > max {
		return 0, fmt.Errorf("%s: %s (field %d): %d above the maximum %d", m.name, what, num, f.val, max)
	}
	return f.val, nil
}

// bytes returns the length-delimited field num, or nil when it is absent.
// With required set, absence is an error.
func (m message) bytes(num int, what string, required bool) ([]byte, error) {
	f, ok, err := m.find(num, wireBytes, what)
	if err != nil {
		return nil, err
	}
	if !ok && required {
		return nil, fmt.Errorf("%s: %s (field %d) missing", m.name, what, num)
	}
	return f.data, nil
}

// repeated returns every occurrence of the length-delimited field num.
func (m message) repeated(num int, what string) ([][]byte, error) {
	var out [][]byte
	for _, f := range m.fields {
		if f.num != num {
			continue
		}
		if f.wire != wireBytes {
			return nil, fmt.Errorf("%s: %s (field %d): wire type %d, want %d", m.name, what, num, f.wire, wireBytes)
		}
		out = append(out, f.data)
	}
	return out, nil
}
