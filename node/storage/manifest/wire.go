package manifest

// Manifests are written and read with package minpb, the protobuf subset
// nim-libp2p's minprotobuf writes. Reading is stricter than minprotobuf
// where a canonical writer can never produce the input (see doc.go,
// "Decoding").

import (
	"fmt"

	"github.com/cairn-node/cairn/node/internal/minpb"
)

// message is a parsed protobuf message: its fields in wire order.
type message struct {
	name   string // for errors: "outer message", "header", "erasure info", …
	fields []minpb.Field
}

// parseMessage splits b into fields (minpb.ParseFields), naming the
// message in errors. Unknown field numbers are kept (and later ignored),
// as minprotobuf skips them.
func parseMessage(name string, b []byte) (message, error) {
	fields, err := minpb.ParseFields(b)
	if err != nil {
		return message{name: name}, fmt.Errorf("%s: %w", name, err)
	}
	return message{name: name, fields: fields}, nil
}

// find returns the single occurrence of field num, checking its wire type.
// A second occurrence is an error: the upstream encoders write each
// singular field once (minprotobuf would silently keep the last).
func (m message) find(num, wire int, what string) (minpb.Field, bool, error) {
	var got minpb.Field
	found := false
	for _, f := range m.fields {
		if f.Num != num {
			continue
		}
		if f.Wire != wire {
			return got, false, fmt.Errorf("%s: %s (field %d): wire type %d, want %d", m.name, what, num, f.Wire, wire)
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
	f, ok, err := m.find(num, minpb.WireVarint, what)
	if err != nil {
		return 0, err
	}
	if !ok {
		return 0, fmt.Errorf("%s: %s (field %d) missing", m.name, what, num)
	}
	if f.Val > max {
		return 0, fmt.Errorf("%s: %s (field %d): %d above the maximum %d", m.name, what, num, f.Val, max)
	}
	return f.Val, nil
}

// bytes returns the length-delimited field num, or nil when it is absent.
// With required set, absence is an error.
func (m message) bytes(num int, what string, required bool) ([]byte, error) {
	f, ok, err := m.find(num, minpb.WireBytes, what)
	if err != nil {
		return nil, err
	}
	if !ok && required {
		return nil, fmt.Errorf("%s: %s (field %d) missing", m.name, what, num)
	}
	return f.Data, nil
}

// repeated returns every occurrence of the length-delimited field num.
func (m message) repeated(num int, what string) ([][]byte, error) {
	var out [][]byte
	for _, f := range m.fields {
		if f.Num != num {
			continue
		}
		if f.Wire != minpb.WireBytes {
			return nil, fmt.Errorf("%s: %s (field %d): wire type %d, want %d", m.name, what, num, f.Wire, minpb.WireBytes)
		}
		out = append(out, f.Data)
	}
	return out, nil
}
