package message

import (
	"errors"
	"fmt"
	"math"
)

// Size limits.
const (
	// MaxSize is the largest encoded message Decode accepts, 150 KiB: nwaku's
	// DefaultMaxWakuMessageSize (waku/waku_core/message/default_values.nim,
	// RFC 64 "Message size").
	MaxSize = 150 << 10
	// MaxMetaSize is the largest Meta, in bytes (nwaku MaxMetaAttrLength).
	MaxMetaSize = 64
)

// ErrMalformed is wrapped by every error Decode returns.
var ErrMalformed = errors.New("message: malformed waku message")

// Field numbers of the WakuMessage protobuf (RFC 14).
const (
	fieldPayload        = 1
	fieldContentTopic   = 2
	fieldVersion        = 3
	fieldTimestamp      = 10
	fieldMeta           = 11
	fieldRateLimitProof = 21
	fieldEphemeral      = 31
)

// Message is a Waku message (14/WAKU2-MESSAGE). The zero value is a valid
// message with an empty content topic.
type Message struct {
	// Payload is the application data.
	Payload []byte
	// ContentTopic names the application stream, normally in the form
	// /app/version/name/encoding (see ParseContentTopic). It is not checked
	// by Encode or Decode.
	ContentTopic string
	// Version tells the payload encryption (0: none, 1: Waku v1 style).
	Version uint32
	// Timestamp is the sender's time in nanoseconds since the Unix epoch;
	// 0 means unset.
	Timestamp int64
	// Meta is application metadata of at most MaxMetaSize bytes; it is part
	// of the message hash.
	Meta []byte
	// RateLimitProof is the raw encoded RateLimitProof submessage (RFC 17),
	// or nil. This package does not look inside it.
	RateLimitProof []byte
	// Ephemeral marks a message that store nodes should not keep.
	Ephemeral bool
}

// Encode returns m as nwaku encodes it: all seven fields in field-number
// order, empty and zero ones included (see the package doc). It does not
// check the size limits; a Meta above MaxMetaSize encodes, and Decode then
// rejects it, as in nwaku. The result does not alias m.
func (m Message) Encode() []byte {
	n := 32 + len(m.Payload) + len(m.ContentTopic) + len(m.Meta) + len(m.RateLimitProof)
	b := make([]byte, 0, n)
	b = appendBytes(b, fieldPayload, m.Payload)
	b = appendBytes(b, fieldContentTopic, []byte(m.ContentTopic))
	b = appendUint(b, fieldVersion, uint64(m.Version))
	b = appendUint(b, fieldTimestamp, zigzag(m.Timestamp))
	b = appendBytes(b, fieldMeta, m.Meta)
	b = appendBytes(b, fieldRateLimitProof, m.RateLimitProof)
	eph := uint64(0)
	if m.Ephemeral {
		eph = 1
	}
	return appendUint(b, fieldEphemeral, eph)
}

// Decode parses an encoded Waku message. Every error wraps ErrMalformed;
// see the package doc for what is rejected. Absent optional fields decode as
// zero values, and empty byte fields as nil. The returned Message does not
// alias data, which the caller may reuse.
func Decode(data []byte) (Message, error) {
	m, err := decode(data)
	if err != nil {
		return Message{}, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	return m, nil
}

func decode(data []byte) (Message, error) {
	var m Message
	if len(data) > MaxSize {
		return m, fmt.Errorf("%d bytes, above the maximum %d", len(data), MaxSize)
	}
	fields, err := parseFields(data)
	if err != nil {
		return m, err
	}
	var seen [fieldEphemeral + 1]bool
	for _, f := range fields {
		want := wireBytes
		switch f.num {
		case fieldVersion, fieldTimestamp, fieldEphemeral:
			want = wireVarint
		case fieldPayload, fieldContentTopic, fieldMeta, fieldRateLimitProof:
		default:
			continue // unknown field: skipped, as minprotobuf does
		}
		if f.wire != want {
			return m, fmt.Errorf("field %d: wire type %d, want %d", f.num, f.wire, want)
		}
		if seen[f.num] {
			return m, fmt.Errorf("field %d repeated", f.num)
		}
		seen[f.num] = true
		switch f.num {
		case fieldPayload:
			m.Payload = clone(f.data)
		case fieldContentTopic:
			m.ContentTopic = string(f.data)
		case fieldVersion:
			if f.val > math.MaxUint32 {
				return m, fmt.Errorf("version %d overflows uint32", f.val)
			}
			m.Version = uint32(f.val)
		case fieldTimestamp:
			m.Timestamp = unzigzag(f.val)
		case fieldMeta:
			if len(f.data) > MaxMetaSize {
				return m, fmt.Errorf("meta is %d bytes, above the maximum %d", len(f.data), MaxMetaSize)
			}
			m.Meta = clone(f.data)
		case fieldRateLimitProof:
			m.RateLimitProof = clone(f.data)
		case fieldEphemeral:
			if f.val > 1 {
				return m, fmt.Errorf("ephemeral is %d, want 0 or 1", f.val)
			}
			m.Ephemeral = f.val == 1
		}
	}
	if !seen[fieldPayload] {
		return m, errors.New("payload (field 1) missing")
	}
	if !seen[fieldContentTopic] {
		return m, errors.New("content_topic (field 2) missing")
	}
	return m, nil
}

// clone copies b, returning nil for an empty b.
func clone(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return append([]byte(nil), b...)
}
