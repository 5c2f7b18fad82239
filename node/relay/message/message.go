package message

import (
	"errors"
	"fmt"
	"math"

	"github.com/cairn-node/cairn/node/internal/minpb"
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
	b = minpb.AppendBytes(b, fieldPayload, m.Payload)
	b = minpb.AppendBytes(b, fieldContentTopic, []byte(m.ContentTopic))
	b = minpb.AppendUint(b, fieldVersion, uint64(m.Version))
	b = minpb.AppendUint(b, fieldTimestamp, minpb.Zigzag(m.Timestamp))
	b = minpb.AppendBytes(b, fieldMeta, m.Meta)
	b = minpb.AppendBytes(b, fieldRateLimitProof, m.RateLimitProof)
	eph := uint64(0)
	if m.Ephemeral {
		eph = 1
	}
	return minpb.AppendUint(b, fieldEphemeral, eph)
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
	fields, err := minpb.ParseFields(data)
	if err != nil {
		return m, err
	}
	var seen [fieldEphemeral + 1]bool
	for _, f := range fields {
		want := minpb.WireBytes
		switch f.Num {
		case fieldVersion, fieldTimestamp, fieldEphemeral:
			want = minpb.WireVarint
		case fieldPayload, fieldContentTopic, fieldMeta, fieldRateLimitProof:
		default:
			continue // unknown field: skipped, as minprotobuf does
		}
		if f.Wire != want {
			return m, fmt.Errorf("field %d: wire type %d, want %d", f.Num, f.Wire, want)
		}
		if seen[f.Num] {
			return m, fmt.Errorf("field %d repeated", f.Num)
		}
		seen[f.Num] = true
		switch f.Num {
		case fieldPayload:
			m.Payload = clone(f.Data)
		case fieldContentTopic:
			m.ContentTopic = string(f.Data)
		case fieldVersion:
			if f.Val > math.MaxUint32 {
				return m, fmt.Errorf("version %d overflows uint32", f.Val)
			}
			m.Version = uint32(f.Val)
		case fieldTimestamp:
			m.Timestamp = minpb.Unzigzag(f.Val)
		case fieldMeta:
			if len(f.Data) > MaxMetaSize {
				return m, fmt.Errorf("meta is %d bytes, above the maximum %d", len(f.Data), MaxMetaSize)
			}
			m.Meta = clone(f.Data)
		case fieldRateLimitProof:
			m.RateLimitProof = clone(f.Data)
		case fieldEphemeral:
			if f.Val > 1 {
				return m, fmt.Errorf("ephemeral is %d, want 0 or 1", f.Val)
			}
			m.Ephemeral = f.Val == 1
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
