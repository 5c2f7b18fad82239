// Package wakustatus encodes and decodes the status answer that filter
// v2 (FilterSubscribeResponse) and lightpush v3 (LightpushResponse)
// share: request_id (field 1), status_code (field 10) and status_desc
// (field 11), as nwaku's rpc_codec.nim of both protocols writes them.
// A protocol that adds fields appends them after Append and reads them
// through Decode's extra callback.
//
// Usage:
//
//	b := wakustatus.Response{RequestID: id, Code: 200}.Append(nil)
//	r, err := wakustatus.Decode(data, nil)
package wakustatus

import (
	"errors"

	"github.com/cairn-node/cairn/node/internal/minpb"
)

// Field numbers (waku_filter_v2/rpc_codec.nim, waku_lightpush/rpc_codec.nim).
const (
	fieldRequestID  = 1
	fieldStatusCode = 10
	fieldStatusDesc = 11
)

// Response is the status part of a response.
type Response struct {
	// RequestID echoes the request's.
	RequestID string
	// Code is the status_code.
	Code uint32
	// Desc is the status_desc; nil when absent.
	Desc *string
}

// Append appends r as nwaku writes it, to b: request_id and status_code
// always, status_desc when not nil. The result does not alias r.
func (r Response) Append(b []byte) []byte {
	b = minpb.AppendBytes(b, fieldRequestID, []byte(r.RequestID))
	b = minpb.AppendUint(b, fieldStatusCode, uint64(r.Code))
	if r.Desc != nil {
		b = minpb.AppendBytes(b, fieldStatusDesc, []byte(*r.Desc))
	}
	return b
}

// Decode parses the status fields of data as nwaku does: request_id and
// status_code are required, the last occurrence of a field wins, and a
// field of the wrong wire type or a status_code above 32 bits is
// rejected. Every other field is passed, in wire order, to extra (when
// not nil); an error of extra ends decoding and is returned. Errors name
// neither the message nor the protocol; callers add that. The result
// does not alias data.
func Decode(data []byte, extra func(minpb.Field) error) (Response, error) {
	var r Response
	fields, err := minpb.ParseFields(data)
	if err != nil {
		return Response{}, err
	}
	seenID, seenCode := false, false
	for _, f := range fields {
		switch f.Num {
		case fieldRequestID:
			err = f.CheckWire(minpb.WireBytes)
			r.RequestID, seenID = string(f.Data), true
		case fieldStatusCode:
			r.Code, err = f.Uint32()
			seenCode = true
		case fieldStatusDesc:
			err = f.CheckWire(minpb.WireBytes)
			s := string(f.Data)
			r.Desc = &s
		default:
			if extra != nil {
				err = extra(f)
			}
		}
		if err != nil {
			return Response{}, err
		}
	}
	if !seenID {
		return Response{}, errors.New("request_id (field 1) missing")
	}
	if !seenCode {
		return Response{}, errors.New("status_code (field 10) missing")
	}
	return r, nil
}
