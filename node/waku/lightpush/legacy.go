package lightpush

import (
	"errors"

	"github.com/cairn-node/cairn/node/internal/minpb"
	"github.com/cairn-node/cairn/node/relay/message"
)

// PushRPC is the envelope of lightpush v2 (LegacyProtocolID): a request
// from the client or a response from the service
// (waku_lightpush_legacy/rpc_codec.nim).
type PushRPC struct {
	// RequestID is echoed in the response ("" when the service could not
	// decode the request).
	RequestID string
	// Request is set in requests.
	Request *PushRequest
	// Response is set in responses.
	Response *PushResponse
}

// PushRequest is the request of a PushRPC.
type PushRequest struct {
	// PubsubTopic is required: v2 has no autosharding.
	PubsubTopic string
	// Message is the message to relay.
	Message message.Message
}

// PushResponse is the response of a PushRPC.
type PushResponse struct {
	// IsSuccess reports whether the message was relayed.
	IsSuccess bool
	// Info is "OK" on success and the reason otherwise (nwaku always
	// sends it); nil when absent.
	Info *string
}

// Legacy field numbers.
const (
	fieldRPCRequestID = 1
	fieldRPCRequest   = 2
	fieldRPCResponse  = 3

	fieldReqPubsubTopic = 1
	fieldReqMessage     = 2

	fieldRespIsSuccess = 1
	fieldRespInfo      = 2
)

// Encode returns r as nwaku encodes it: request_id always, request and
// response when set. The result does not alias r.
func (r PushRPC) Encode() []byte {
	b := minpb.AppendBytes(nil, fieldRPCRequestID, []byte(r.RequestID))
	if r.Request != nil {
		req := minpb.AppendBytes(nil, fieldReqPubsubTopic, []byte(r.Request.PubsubTopic))
		req = minpb.AppendBytes(req, fieldReqMessage, r.Request.Message.Encode())
		b = minpb.AppendBytes(b, fieldRPCRequest, req)
	}
	if r.Response != nil {
		ok := uint64(0)
		if r.Response.IsSuccess {
			ok = 1
		}
		resp := minpb.AppendUint(nil, fieldRespIsSuccess, ok)
		if r.Response.Info != nil {
			resp = minpb.AppendBytes(resp, fieldRespInfo, []byte(*r.Response.Info))
		}
		b = minpb.AppendBytes(b, fieldRPCResponse, resp)
	}
	return b
}

// DecodePushRPC parses a PushRPC as nwaku does: request_id is required;
// a present request needs pubsub_topic and message; in a response any
// non-zero is_success is true and an absent one is false (nwaku requires
// it, but proto3 encoders such as js-waku's and go-waku's omit a false
// one); the last occurrence of a field wins and unknown fields are
// skipped. Errors wrap ErrMalformed
// (and ErrMessageTooLarge). The result does not alias data.
func DecodePushRPC(data []byte) (PushRPC, error) {
	var r PushRPC
	fields, err := minpb.ParseFields(data)
	if err != nil {
		return r, malformed("push rpc", err)
	}
	seenID := false
	for _, f := range fields {
		switch f.Num {
		case fieldRPCRequestID, fieldRPCRequest, fieldRPCResponse:
			if err := f.CheckWire(minpb.WireBytes); err != nil {
				return PushRPC{}, malformed("push rpc", err)
			}
		}
		switch f.Num {
		case fieldRPCRequestID:
			r.RequestID, seenID = string(f.Data), true
		case fieldRPCRequest:
			req, err := decodePushRequest(f.Data)
			if err != nil {
				return PushRPC{}, malformed("push rpc: request", err)
			}
			r.Request = &req
		case fieldRPCResponse:
			resp, err := decodePushResponse(f.Data)
			if err != nil {
				return PushRPC{}, malformed("push rpc: response", err)
			}
			r.Response = &resp
		}
	}
	if !seenID {
		return PushRPC{}, malformed("push rpc", errors.New("request_id (field 1) missing"))
	}
	return r, nil
}

func decodePushRequest(data []byte) (PushRequest, error) {
	var r PushRequest
	fields, err := minpb.ParseFields(data)
	if err != nil {
		return r, err
	}
	var msg []byte
	seenTopic, seenMsg := false, false
	for _, f := range fields {
		switch f.Num {
		case fieldReqPubsubTopic, fieldReqMessage:
			if err := f.CheckWire(minpb.WireBytes); err != nil {
				return r, err
			}
		}
		switch f.Num {
		case fieldReqPubsubTopic:
			r.PubsubTopic, seenTopic = string(f.Data), true
		case fieldReqMessage:
			msg, seenMsg = f.Data, true
		}
	}
	if !seenTopic {
		return r, errors.New("pubsub_topic (field 1) missing")
	}
	if !seenMsg {
		return r, errors.New("message (field 2) missing")
	}
	r.Message, err = decodeMessage(msg)
	return r, err
}

func decodePushResponse(data []byte) (PushResponse, error) {
	var r PushResponse
	fields, err := minpb.ParseFields(data)
	if err != nil {
		return r, err
	}
	for _, f := range fields {
		switch f.Num {
		case fieldRespIsSuccess:
			if err := f.CheckWire(minpb.WireVarint); err != nil {
				return r, err
			}
			r.IsSuccess = f.Val != 0
		case fieldRespInfo:
			if err := f.CheckWire(minpb.WireBytes); err != nil {
				return r, err
			}
			s := string(f.Data)
			r.Info = &s
		}
	}
	return r, nil
}
