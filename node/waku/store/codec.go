package store

import (
	"errors"
	"fmt"
	"math"

	"github.com/cairn-node/cairn/node/internal/minpb"
	"github.com/cairn-node/cairn/node/relay/message"
)

// HashSize is the size of a deterministic message hash.
const HashSize = 32

// ErrMalformed is wrapped by every error of DecodeRequest and
// DecodeResponse.
var ErrMalformed = errors.New("store: malformed rpc")

// Field numbers of WAKU2-STORE v3 (nwaku waku/waku_store/rpc_codec.nim,
// js-waku packages/proto/src/lib/store_v3.proto).
const (
	fRequestID         = 1
	fIncludeData       = 2
	fPubsubTopic       = 10
	fContentTopics     = 11
	fTimeStart         = 12
	fTimeEnd           = 13
	fMessageHashes     = 20
	fPaginationCursor  = 51
	fPaginationForward = 52
	fPaginationLimit   = 53

	fStatusCode = 10
	fStatusDesc = 11
	fMessages   = 20

	fKVHash        = 1
	fKVMessage     = 2
	fKVPubsubTopic = 3
)

// Request is a StoreQueryRequest. Optional fields are pointers: nil means
// absent on the wire, which differs from a zero value.
type Request struct {
	// RequestID identifies the request; Query fills an empty one in.
	RequestID string
	// IncludeData asks for messages, not only their hashes.
	IncludeData bool
	// PubsubTopic and ContentTopics filter by topic; WAKU2-STORE wants
	// both or neither.
	PubsubTopic   *string
	ContentTopics []string
	// TimeStart and TimeEnd bound the message timestamp (ns, inclusive;
	// sint64 on the wire).
	TimeStart, TimeEnd *int64
	// MessageHashes asks for these messages only (lookup queries).
	MessageHashes [][HashSize]byte
	// PaginationCursor is the hash the page starts after.
	PaginationCursor *[HashSize]byte
	// PaginationForward travels in ascending time order; false (the
	// default, also when absent on the wire) is backward.
	PaginationForward bool
	// PaginationLimit is the page size asked for.
	PaginationLimit *uint64
}

// KeyValue is a WakuMessageKeyValue: a hash, and the message with its
// pubsub topic when the request had include_data.
type KeyValue struct {
	MessageHash [HashSize]byte
	// Message and PubsubTopic are both set or both nil (as nwaku encodes
	// and decodes them).
	Message     *message.Message
	PubsubTopic *string
}

// Response is a StoreQueryResponse.
type Response struct {
	RequestID  string
	StatusCode uint32
	StatusDesc string
	// Messages are in ascending time order, whatever the direction.
	Messages []KeyValue
	// PaginationCursor is set when more messages match.
	PaginationCursor *[HashSize]byte
}

// Encode returns r as nwaku encodes it: request_id, include_data and
// pagination_forward always (zero values too), optional fields when set,
// in field-number order. The result does not alias r.
func (r Request) Encode() []byte {
	var b []byte
	b = minpb.AppendBytes(b, fRequestID, []byte(r.RequestID))
	b = minpb.AppendUint(b, fIncludeData, boolUint(r.IncludeData))
	if r.PubsubTopic != nil {
		b = minpb.AppendBytes(b, fPubsubTopic, []byte(*r.PubsubTopic))
	}
	for _, ct := range r.ContentTopics {
		b = minpb.AppendBytes(b, fContentTopics, []byte(ct))
	}
	if r.TimeStart != nil {
		b = minpb.AppendUint(b, fTimeStart, minpb.Zigzag(*r.TimeStart))
	}
	if r.TimeEnd != nil {
		b = minpb.AppendUint(b, fTimeEnd, minpb.Zigzag(*r.TimeEnd))
	}
	for _, h := range r.MessageHashes {
		b = minpb.AppendBytes(b, fMessageHashes, h[:])
	}
	if r.PaginationCursor != nil {
		b = minpb.AppendBytes(b, fPaginationCursor, r.PaginationCursor[:])
	}
	b = minpb.AppendUint(b, fPaginationForward, boolUint(r.PaginationForward))
	if r.PaginationLimit != nil {
		b = minpb.AppendUint(b, fPaginationLimit, *r.PaginationLimit)
	}
	return b
}

// Encode returns r as nwaku encodes it: request_id, status_code and
// status_desc always, each message as hash (and message and pubsub topic
// when both are set), the cursor when set. The result does not alias r.
func (r Response) Encode() []byte {
	var b []byte
	b = minpb.AppendBytes(b, fRequestID, []byte(r.RequestID))
	b = minpb.AppendUint(b, fStatusCode, uint64(r.StatusCode))
	b = minpb.AppendBytes(b, fStatusDesc, []byte(r.StatusDesc))
	for _, kv := range r.Messages {
		b = minpb.AppendBytes(b, fMessages, kv.encode())
	}
	if r.PaginationCursor != nil {
		b = minpb.AppendBytes(b, fPaginationCursor, r.PaginationCursor[:])
	}
	return b
}

// encode returns the WakuMessageKeyValue: the hash, and the message and
// pubsub topic when both are set.
func (kv KeyValue) encode() []byte {
	var e []byte
	e = minpb.AppendBytes(e, fKVHash, kv.MessageHash[:])
	if kv.Message != nil && kv.PubsubTopic != nil {
		e = minpb.AppendBytes(e, fKVMessage, kv.Message.Encode())
		e = minpb.AppendBytes(e, fKVPubsubTopic, []byte(*kv.PubsubTopic))
	}
	return e
}

func boolUint(v bool) uint64 {
	if v {
		return 1
	}
	return 0
}

// fields indexes parsed fields the way nim-libp2p's minprotobuf reads them
// for nwaku: a field of the wrong wire type is skipped (as protoc does), the
// last occurrence of a scalar field wins, repeated fields keep wire order.
type fields struct{ all []minpb.Field }

func parse(data []byte) (fields, error) {
	fs, err := minpb.ParseFields(data)
	return fields{fs}, err
}

func (f fields) last(num, wire int) (minpb.Field, bool) {
	for i := len(f.all) - 1; i >= 0; i-- {
		if f.all[i].Num == num && f.all[i].Wire == wire {
			return f.all[i], true
		}
	}
	return minpb.Field{}, false
}

func (f fields) repeated(num int) [][]byte {
	var out [][]byte
	for _, x := range f.all {
		if x.Num == num && x.Wire == minpb.WireBytes {
			out = append(out, x.Data)
		}
	}
	return out
}

func (f fields) uint32(num int) (uint32, bool, error) {
	x, ok := f.last(num, minpb.WireVarint)
	if ok && x.Val > math.MaxUint32 {
		return 0, false, fmt.Errorf("field %d: %d overflows uint32", num, x.Val)
	}
	return uint32(x.Val), ok, nil
}

func hash(b []byte, what string) ([HashSize]byte, error) {
	var h [HashSize]byte
	if len(b) != HashSize {
		return h, fmt.Errorf("%s is %d bytes, want %d", what, len(b), HashSize)
	}
	copy(h[:], b)
	return h, nil
}

// DecodeRequest parses a StoreQueryRequest as nwaku does: request_id must
// be present (it may be empty); absent optional fields stay nil; an absent
// pagination_forward means backward. Cairn is stricter in one way: message
// hashes and the cursor must be 32 bytes (nwaku zero-pads or truncates
// them). Errors wrap ErrMalformed. The result does not alias data. It
// never panics.
func DecodeRequest(data []byte) (Request, error) {
	r, err := decodeRequest(data)
	if err != nil {
		return Request{}, fmt.Errorf("%w: StoreQueryRequest: %w", ErrMalformed, err)
	}
	return r, nil
}

func decodeRequest(data []byte) (Request, error) {
	var r Request
	f, err := parse(data)
	if err != nil {
		return r, err
	}
	id, ok := f.last(fRequestID, minpb.WireBytes)
	if !ok {
		return r, errors.New("request_id (field 1) missing")
	}
	r.RequestID = string(id.Data)
	inc, _, err := f.uint32(fIncludeData)
	if err != nil {
		return r, err
	}
	r.IncludeData = inc > 0
	if x, ok := f.last(fPubsubTopic, minpb.WireBytes); ok {
		s := string(x.Data)
		r.PubsubTopic = &s
	}
	for _, ct := range f.repeated(fContentTopics) {
		r.ContentTopics = append(r.ContentTopics, string(ct))
	}
	if x, ok := f.last(fTimeStart, minpb.WireVarint); ok {
		v := minpb.Unzigzag(x.Val)
		r.TimeStart = &v
	}
	if x, ok := f.last(fTimeEnd, minpb.WireVarint); ok {
		v := minpb.Unzigzag(x.Val)
		r.TimeEnd = &v
	}
	for i, b := range f.repeated(fMessageHashes) {
		h, err := hash(b, fmt.Sprintf("message_hashes[%d]", i))
		if err != nil {
			return r, err
		}
		r.MessageHashes = append(r.MessageHashes, h)
	}
	if x, ok := f.last(fPaginationCursor, minpb.WireBytes); ok {
		h, err := hash(x.Data, "pagination_cursor")
		if err != nil {
			return r, err
		}
		r.PaginationCursor = &h
	}
	fwd, _, err := f.uint32(fPaginationForward)
	if err != nil {
		return r, err
	}
	r.PaginationForward = fwd > 0
	if x, ok := f.last(fPaginationLimit, minpb.WireVarint); ok {
		v := x.Val
		r.PaginationLimit = &v
	}
	return r, nil
}

// DecodeResponse parses a StoreQueryResponse. status_code is required;
// request_id and status_desc may be absent (encoders that omit proto3
// defaults, such as protons and protobuf-go, drop empty ones). Each
// message needs its 32-byte hash; its message and pubsub topic are kept
// only when both are present, as nwaku does. Errors wrap ErrMalformed. The
// result does not alias data. It never panics.
func DecodeResponse(data []byte) (Response, error) {
	r, err := decodeResponse(data)
	if err != nil {
		return Response{}, fmt.Errorf("%w: StoreQueryResponse: %w", ErrMalformed, err)
	}
	return r, nil
}

func decodeResponse(data []byte) (Response, error) {
	var r Response
	f, err := parse(data)
	if err != nil {
		return r, err
	}
	if x, ok := f.last(fRequestID, minpb.WireBytes); ok {
		r.RequestID = string(x.Data)
	}
	code, ok, err := f.uint32(fStatusCode)
	if err != nil {
		return r, err
	}
	if !ok {
		return r, errors.New("status_code (field 10) missing")
	}
	r.StatusCode = code
	if x, ok := f.last(fStatusDesc, minpb.WireBytes); ok {
		r.StatusDesc = string(x.Data)
	}
	for i, b := range f.repeated(fMessages) {
		kv, err := decodeKeyValue(b)
		if err != nil {
			return r, fmt.Errorf("messages[%d]: %w", i, err)
		}
		r.Messages = append(r.Messages, kv)
	}
	if x, ok := f.last(fPaginationCursor, minpb.WireBytes); ok {
		h, err := hash(x.Data, "pagination_cursor")
		if err != nil {
			return r, err
		}
		r.PaginationCursor = &h
	}
	return r, nil
}

func decodeKeyValue(data []byte) (KeyValue, error) {
	var kv KeyValue
	f, err := parse(data)
	if err != nil {
		return kv, err
	}
	x, ok := f.last(fKVHash, minpb.WireBytes)
	if !ok {
		return kv, errors.New("message_hash (field 1) missing")
	}
	if kv.MessageHash, err = hash(x.Data, "message_hash"); err != nil {
		return kv, err
	}
	m, okM := f.last(fKVMessage, minpb.WireBytes)
	t, okT := f.last(fKVPubsubTopic, minpb.WireBytes)
	if okM && okT {
		msg, err := message.Decode(m.Data)
		if err != nil {
			return kv, err
		}
		topic := string(t.Data)
		kv.Message, kv.PubsubTopic = &msg, &topic
	}
	return kv, nil
}
