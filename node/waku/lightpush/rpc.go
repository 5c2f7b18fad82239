package lightpush

import (
	"errors"
	"fmt"

	"github.com/cairn-node/cairn/node/internal/minpb"
	"github.com/cairn-node/cairn/node/relay/message"
	"github.com/cairn-node/cairn/node/waku/internal/wakustatus"
)

// ErrMalformed is wrapped by the errors of every Decode function.
var ErrMalformed = errors.New("lightpush: malformed rpc")

// ErrMessageTooLarge is wrapped (with ErrMalformed) when the message of
// a request is larger than message.MaxSize; the server answers 413.
var ErrMessageTooLarge = errors.New("lightpush: message too large")

// Field numbers of v3 (waku_lightpush/rpc_codec.nim). Response starts with
// wakustatus's fields (request_id 1, status_code 10, status_desc 11).
const (
	fieldRequestID      = 1
	fieldPubsubTopic    = 20
	fieldMessage        = 21
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
			if err := f.CheckWire(minpb.WireBytes); err != nil {
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
	b := wakustatus.Response{RequestID: r.RequestID, Code: r.StatusCode, Desc: r.StatusDesc}.Append(nil)
	if r.RelayPeerCount != nil {
		b = minpb.AppendUint(b, fieldRelayPeerCount, uint64(*r.RelayPeerCount))
	}
	return b
}

// DecodeResponse parses a v3 LightpushResponse: request_id and
// status_code are required, as in nwaku. Errors wrap ErrMalformed.
func DecodeResponse(data []byte) (Response, error) {
	var count *uint32
	st, err := wakustatus.Decode(data, func(f minpb.Field) error {
		if f.Num != fieldRelayPeerCount {
			return nil
		}
		v, err := f.Uint32()
		count = &v
		return err
	})
	if err != nil {
		return Response{}, malformed("lightpush response", err)
	}
	return Response{RequestID: st.RequestID, StatusCode: st.Code, StatusDesc: st.Desc, RelayPeerCount: count}, nil
}

// decodeMessage decodes a WakuMessage field, telling a too large one
// apart.
func decodeMessage(b []byte) (message.Message, error) {
	if len(b) > message.MaxSize {
		return message.Message{}, fmt.Errorf("%w: %d bytes, above %d", ErrMessageTooLarge, len(b), message.MaxSize)
	}
	return message.Decode(b)
}

func malformed(what string, err error) error {
	return fmt.Errorf("%w: %s: %w", ErrMalformed, what, err)
}
