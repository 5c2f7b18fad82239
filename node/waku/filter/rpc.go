package filter

import (
	"errors"
	"fmt"

	"github.com/cairn-node/cairn/node/internal/minpb"
	"github.com/cairn-node/cairn/node/relay/message"
	"github.com/cairn-node/cairn/node/waku/internal/wakustatus"
)

// ErrMalformed is wrapped by every error of DecodeSubscribeRequest,
// DecodeSubscribeResponse and DecodeMessagePush.
var ErrMalformed = errors.New("filter: malformed rpc")

// SubscribeType is the filter_subscribe_type of a SubscribeRequest.
type SubscribeType uint32

// Subscribe types (nwaku FilterSubscribeType, waku_filter_v2/rpc.nim).
const (
	// Ping asks whether the service still holds a subscription of the
	// peer, and refreshes it.
	Ping SubscribeType = 0
	// Subscribe adds content topics on a pubsub topic.
	Subscribe SubscribeType = 1
	// Unsubscribe removes content topics on a pubsub topic.
	Unsubscribe SubscribeType = 2
	// UnsubscribeAll removes every subscription of the peer.
	UnsubscribeAll SubscribeType = 3
)

// String returns nwaku's name of t ("SUBSCRIBER_PING", …), which is also
// the "type" label of the request metrics.
func (t SubscribeType) String() string {
	switch t {
	case Ping:
		return "SUBSCRIBER_PING"
	case Subscribe:
		return "SUBSCRIBE"
	case Unsubscribe:
		return "UNSUBSCRIBE"
	case UnsubscribeAll:
		return "UNSUBSCRIBE_ALL"
	}
	return fmt.Sprintf("SubscribeType(%d)", uint32(t))
}

// Field numbers (waku_filter_v2/rpc_codec.nim, js-waku filter_v2.proto).
// SubscribeResponse's are wakustatus's (request_id 1, status_code 10,
// status_desc 11).
const (
	fieldRequestID     = 1
	fieldSubscribeType = 2
	fieldPubsubTopic   = 10
	fieldContentTopics = 11

	fieldPushMessage     = 1
	fieldPushPubsubTopic = 2
)

// SubscribeRequest is a FilterSubscribeRequest, sent by a client on
// SubscribeProtocolID.
type SubscribeRequest struct {
	// RequestID is echoed in the response; nwaku sends 10 random bytes in
	// hex, js-waku a UUID.
	RequestID string
	// Type says what the request does; absent on the wire means Ping.
	Type SubscribeType
	// PubsubTopic is the shard of the criteria; nil when absent (the
	// server then derives it from each content topic by autosharding).
	PubsubTopic *string
	// ContentTopics are the criteria of Subscribe and Unsubscribe.
	ContentTopics []string
}

// Encode returns r as nwaku encodes it: request_id and type always,
// pubsub_topic when not nil, one field per content topic. The result
// does not alias r.
func (r SubscribeRequest) Encode() []byte {
	b := minpb.AppendBytes(nil, fieldRequestID, []byte(r.RequestID))
	b = minpb.AppendUint(b, fieldSubscribeType, uint64(r.Type))
	if r.PubsubTopic != nil {
		b = minpb.AppendBytes(b, fieldPubsubTopic, []byte(*r.PubsubTopic))
	}
	for _, ct := range r.ContentTopics {
		b = minpb.AppendBytes(b, fieldContentTopics, []byte(ct))
	}
	return b
}

// DecodeSubscribeRequest parses a FilterSubscribeRequest as nwaku does:
// request_id is required, an absent type means Ping, the last occurrence
// of a non-repeated field wins, unknown fields are skipped. It also
// rejects what nwaku cannot represent: a type above UnsubscribeAll and
// fields of the wrong wire type. Errors wrap ErrMalformed. The result
// does not alias data.
func DecodeSubscribeRequest(data []byte) (SubscribeRequest, error) {
	var r SubscribeRequest
	fields, err := minpb.ParseFields(data)
	if err != nil {
		return r, malformed("subscribe request", err)
	}
	seenID := false
	for _, f := range fields {
		switch f.Num {
		case fieldRequestID:
			if err := f.CheckWire(minpb.WireBytes); err != nil {
				return SubscribeRequest{}, malformed("subscribe request", err)
			}
			r.RequestID, seenID = string(f.Data), true
		case fieldSubscribeType:
			if err := f.CheckWire(minpb.WireVarint); err != nil {
				return SubscribeRequest{}, malformed("subscribe request", err)
			}
			if f.Val > uint64(UnsubscribeAll) {
				return SubscribeRequest{}, malformed("subscribe request", fmt.Errorf("unknown filter_subscribe_type %d", f.Val))
			}
			r.Type = SubscribeType(f.Val)
		case fieldPubsubTopic:
			if err := f.CheckWire(minpb.WireBytes); err != nil {
				return SubscribeRequest{}, malformed("subscribe request", err)
			}
			s := string(f.Data)
			r.PubsubTopic = &s
		case fieldContentTopics:
			if err := f.CheckWire(minpb.WireBytes); err != nil {
				return SubscribeRequest{}, malformed("subscribe request", err)
			}
			r.ContentTopics = append(r.ContentTopics, string(f.Data))
		}
	}
	if !seenID {
		return SubscribeRequest{}, malformed("subscribe request", errors.New("request_id (field 1) missing"))
	}
	return r, nil
}

// SubscribeResponse is a FilterSubscribeResponse.
type SubscribeResponse struct {
	// RequestID echoes the request's; "N/A" when the server could not
	// read it (rate limiting, undecodable request).
	RequestID string
	// StatusCode is StatusOK or one of the error codes in status.go.
	StatusCode uint32
	// StatusDesc is the description; nil when absent. nwaku always sends
	// one: "OK", or "<KIND>: <cause>".
	StatusDesc *string
}

// Encode returns r as nwaku encodes it. The result does not alias r.
func (r SubscribeResponse) Encode() []byte {
	return wakustatus.Response{RequestID: r.RequestID, Code: r.StatusCode, Desc: r.StatusDesc}.Append(nil)
}

// DecodeSubscribeResponse parses a FilterSubscribeResponse: request_id
// and status_code are required (as in nwaku; js-waku omits an empty
// request_id, which nwaku never sends). Errors wrap ErrMalformed.
func DecodeSubscribeResponse(data []byte) (SubscribeResponse, error) {
	r, err := wakustatus.Decode(data, nil)
	if err != nil {
		return SubscribeResponse{}, malformed("subscribe response", err)
	}
	return SubscribeResponse{RequestID: r.RequestID, StatusCode: r.Code, StatusDesc: r.Desc}, nil
}

// MessagePush carries one message from the service to a subscriber on
// PushProtocolID.
type MessagePush struct {
	// Message is the pushed Waku message.
	Message message.Message
	// PubsubTopic is the shard the message was relayed on.
	PubsubTopic string
}

// Encode returns p as nwaku encodes it: waku_message then pubsub_topic,
// both always present. The result does not alias p.
func (p MessagePush) Encode() []byte {
	b := minpb.AppendBytes(nil, fieldPushMessage, p.Message.Encode())
	return minpb.AppendBytes(b, fieldPushPubsubTopic, []byte(p.PubsubTopic))
}

// DecodeMessagePush parses a MessagePush; both fields are required, as
// in nwaku, and the message must pass message.Decode. Errors wrap
// ErrMalformed. The result does not alias data.
func DecodeMessagePush(data []byte) (MessagePush, error) {
	var p MessagePush
	fields, err := minpb.ParseFields(data)
	if err != nil {
		return p, malformed("message push", err)
	}
	var msg []byte
	seenMsg, seenTopic := false, false
	for _, f := range fields {
		switch f.Num {
		case fieldPushMessage:
			if err := f.CheckWire(minpb.WireBytes); err != nil {
				return MessagePush{}, malformed("message push", err)
			}
			msg, seenMsg = f.Data, true
		case fieldPushPubsubTopic:
			if err := f.CheckWire(minpb.WireBytes); err != nil {
				return MessagePush{}, malformed("message push", err)
			}
			p.PubsubTopic, seenTopic = string(f.Data), true
		}
	}
	if !seenMsg {
		return MessagePush{}, malformed("message push", errors.New("waku_message (field 1) missing"))
	}
	if !seenTopic {
		return MessagePush{}, malformed("message push", errors.New("pubsub_topic (field 2) missing"))
	}
	if p.Message, err = message.Decode(msg); err != nil {
		return MessagePush{}, malformed("message push", err)
	}
	return p, nil
}

func malformed(what string, err error) error {
	return fmt.Errorf("%w: %s: %w", ErrMalformed, what, err)
}
