package lightpush

import (
	"errors"
	"fmt"
	"math"

	"github.com/cairn-node/cairn/node/internal/minpb"
	"github.com/cairn-node/cairn/node/relay/message"
)

// ErrMalformed is wrapped by the errors of every Decode function.
var ErrMalformed = errors.New("lightpush: malformed rpc")

// ErrMessageTooLarge is wrapped (with ErrMalformed) when the message of
// a request is larger than message.MaxSize; the server answers 413.
var ErrMessageTooLarge = errors.New("lightpush: message too large")

// Field numbers of v3 (waku_lightpush/rpc_codec.nim).
const (
	fieldRequestID      = 1
	fieldPubsubTopic    = 20
	fieldMessage        = 21
	fieldStatusCode     = 10
	fieldStatusDesc     = 11
	fieldRelayPeerCount = 12
)

// Request is a v3 LightpushRequest.
type Request struct {
	// RequestID is echoed in the response; nwaku sends 10 random bytes
	// in hex, js-waku a UUID.
	RequestID string
	// PubsubTopic is the shard to publish on; nil when absent (the
	// server then derives it by autosharding).
	PubsubTopic *string
	// Message is the message to relay.
	Message message.Message
}

// Encode returns r as nwaku encodes it. The result does not alias r.
func (r Request) Encode() []byte {
	b := minpb.AppendBytes(nil, fieldRequestID, []byte(r.RequestID))
	if r.PubsubTopic != nil {
		b = minpb.AppendBytes(b, fieldPubsubTopic, []byte(*r.PubsubTopic))
	}
	return minpb.AppendBytes(b, fieldMessage, r.Message.Encode())
}

// DecodeRequest parses a v3 LightpushRequest as nwaku does: request_id
// and message are required, the last occurrence of a field wins, unknown
// fields are skipped; fields of the wrong wire type are rejected. Errors
// wrap ErrMalformed (and ErrMessageTooLarge for a message above
// message.MaxSize). The result does not alias data.
func DecodeRequest(data []byte) (Request, error) {
	var r Request
	fields, err := minpb.ParseFields(data)
	if err != nil {
		return r, malformed("lightpush request", err)
	}
	var msg []byte
	seenID, seenMsg := false, false
	for _, f := range fields {
		switch f.Num {
		case fieldRequestID, fieldPubsubTopic, fieldMessage:
			if err := wantWire(f, minpb.WireBytes); err != nil {
				return Request{}, malformed("lightpush request", err)
			}
		}
		switch f.Num {
		case fieldRequestID:
			r.RequestID, seenID = string(f.Data), true
		case fieldPubsubTopic:
			s := string(f.Data)
			r.PubsubTopic = &s
		case fieldMessage:
			msg, seenMsg = f.Data, true
		}
	}
	if !seenID {
		return Request{}, malformed("lightpush request", errors.New("request_id (field 1) missing"))
	}
	if !seenMsg {
		return Request{}, malformed("lightpush request", errors.New("message (field 21) missing"))
	}
	if r.Message, err = decodeMessage(msg); err != nil {
		return Request{}, malformed("lightpush request", err)
	}
	return r, nil
}

// Response is a v3 LightpushResponse.
type Response struct {
	// RequestID echoes the request's; "N/A" when the server could not
	// read it.
	RequestID string
	// StatusCode is StatusOK or an error code (status.go).
	StatusCode uint32
	// StatusDesc is nil on success (nwaku sends none) and describes the
	// error otherwise.
	StatusDesc *string
	// RelayPeerCount is the number of relay peers the message went to;
	// set on success only.
	RelayPeerCount *uint32
}

// Encode returns r as nwaku encodes it. The result does not alias r.
func (r Response) Encode() []byte {
	b := minpb.AppendBytes(nil, fieldRequestID, []byte(r.RequestID))
	b = minpb.AppendUint(b, fieldStatusCode, uint64(r.StatusCode))
	if r.StatusDesc != nil {
		b = minpb.AppendBytes(b, fieldStatusDesc, []byte(*r.StatusDesc))
	}
	if r.RelayPeerCount != nil {
		b = minpb.AppendUint(b, fieldRelayPeerCount, uint64(*r.RelayPeerCount))
	}
	return b
}

// DecodeResponse parses a v3 LightpushResponse: request_id and
// status_code are required, as in nwaku. Errors wrap ErrMalformed.
func DecodeResponse(data []byte) (Response, error) {
	var r Response
	fields, err := minpb.ParseFields(data)
	if err != nil {
		return r, malformed("lightpush response", err)
	}
	seenID, seenCode := false, false
	for _, f := range fields {
		var werr error
		switch f.Num {
		case fieldRequestID:
			werr = wantWire(f, minpb.WireBytes)
			r.RequestID, seenID = string(f.Data), true
		case fieldStatusCode:
			var v uint32
			v, werr = uint32Field(f)
			r.StatusCode, seenCode = v, true
		case fieldStatusDesc:
			werr = wantWire(f, minpb.WireBytes)
			s := string(f.Data)
			r.StatusDesc = &s
		case fieldRelayPeerCount:
			var v uint32
			v, werr = uint32Field(f)
			r.RelayPeerCount = &v
		}
		if werr != nil {
			return Response{}, malformed("lightpush response", werr)
		}
	}
	if !seenID {
		return Response{}, malformed("lightpush response", errors.New("request_id (field 1) missing"))
	}
	if !seenCode {
		return Response{}, malformed("lightpush response", errors.New("status_code (field 10) missing"))
	}
	return r, nil
}

// decodeMessage decodes a WakuMessage field, telling a too large one
// apart.
func decodeMessage(b []byte) (message.Message, error) {
	if len(b) > message.MaxSize {
		return message.Message{}, fmt.Errorf("%w: %d bytes, above %d", ErrMessageTooLarge, len(b), message.MaxSize)
	}
	return message.Decode(b)
}

// uint32Field reads a varint field that must fit 32 bits.
func uint32Field(f minpb.Field) (uint32, error) {
	if err := wantWire(f, minpb.WireVarint); err != nil {
		return 0, err
	}
	if f.Val > math.MaxUint32 {
		return 0, fmt.Errorf("field %d: %d overflows uint32", f.Num, f.Val)
	}
	return uint32(f.Val), nil
}

// wantWire checks that f has wire type w.
func wantWire(f minpb.Field, w int) error {
	if f.Wire != w {
		return fmt.Errorf("field %d: wire type %d, want %d", f.Num, f.Wire, w)
	}
	return nil
}

func malformed(what string, err error) error {
	return fmt.Errorf("%w: %s: %w", ErrMalformed, what, err)
}
