package peerexchange

import (
	"errors"
	"fmt"
	"math"

	"github.com/cairn-node/cairn/node/internal/minpb"
)

// Field numbers.
const (
	fieldRequest     = 1
	fieldResponse    = 2
	fieldNumPeers    = 1
	fieldPeerInfos   = 1
	fieldStatusCode  = 10
	fieldStatusDesc  = 11
	fieldPeerInfoENR = 1
)

// StatusCode is a response status (nwaku PeerExchangeResponseStatusCode).
type StatusCode uint32

// Status codes; nwaku's decoder keeps only 200, 400, 429 and 503 and reads
// every other value as StatusUnknown, and so does Unmarshal.
const (
	StatusUnknown            StatusCode = 0
	StatusSuccess            StatusCode = 200
	StatusBadRequest         StatusCode = 400
	StatusBadResponse        StatusCode = 401
	StatusTooManyRequests    StatusCode = 429
	StatusServiceUnavailable StatusCode = 503
	StatusDialFailure        StatusCode = 599
)

// String returns nwaku's name of c, such as "SUCCESS".
func (c StatusCode) String() string {
	switch c {
	case StatusUnknown:
		return "UNKNOWN"
	case StatusSuccess:
		return "SUCCESS"
	case StatusBadRequest:
		return "BAD_REQUEST"
	case StatusBadResponse:
		return "BAD_RESPONSE"
	case StatusTooManyRequests:
		return "TOO_MANY_REQUESTS"
	case StatusServiceUnavailable:
		return "SERVICE_UNAVAILABLE"
	case StatusDialFailure:
		return "DIAL_FAILURE"
	}
	return fmt.Sprintf("StatusCode(%d)", uint32(c))
}

// parseStatus maps a wire value as nwaku's PeerExchangeResponseStatusCode.parse.
func parseStatus(v uint64) StatusCode {
	if v > math.MaxUint32 {
		return StatusUnknown
	}
	switch c := StatusCode(v); c {
	case StatusSuccess, StatusBadRequest, StatusTooManyRequests, StatusServiceUnavailable:
		return c
	}
	return StatusUnknown
}

// Response is a PeerExchangeResponse.
type Response struct {
	// ENRs are the RLP records, undecoded; the slices alias the input
	// of Unmarshal.
	ENRs [][]byte
	// Status is the status code. When the field is absent (older
	// peers), Unmarshal sets StatusSuccess if ENRs is not empty and
	// StatusServiceUnavailable otherwise, as nwaku does.
	Status StatusCode
	// Desc is status_desc; HasDesc says whether it was present.
	Desc    string
	HasDesc bool
}

// RPC is a PeerExchangeRpc: a request (NumPeers) or a response.
type RPC struct {
	// NumPeers is the request's num_peers; 0 in responses.
	NumPeers uint64
	// Response is the response; Status is StatusUnknown in requests.
	Response Response
}

// Marshal encodes r as nwaku does: request, then response, every scalar
// field written even when zero, status_desc only when HasDesc.
func (r RPC) Marshal() []byte {
	req := minpb.AppendUint(nil, fieldNumPeers, r.NumPeers)
	var resp []byte
	for _, e := range r.Response.ENRs {
		resp = minpb.AppendBytes(resp, fieldPeerInfos, minpb.AppendBytes(nil, fieldPeerInfoENR, e))
	}
	resp = minpb.AppendUint(resp, fieldStatusCode, uint64(r.Response.Status))
	if r.Response.HasDesc {
		resp = minpb.AppendBytes(resp, fieldStatusDesc, []byte(r.Response.Desc))
	}
	b := minpb.AppendBytes(nil, fieldRequest, req)
	return minpb.AppendBytes(b, fieldResponse, resp)
}

// ErrNoRequest is returned (wrapped) by Unmarshal when the required
// request field is missing.
var ErrNoRequest = errors.New("peerexchange: rpc has no request field")

// Unmarshal decodes a PeerExchangeRpc as nwaku does: the request field is
// required; a missing response gives Status StatusUnknown; for scalar
// fields the last occurrence wins; fields of another wire type and
// unknown fields are skipped. The returned ENRs alias b.
func Unmarshal(b []byte) (RPC, error) {
	fs, err := minpb.ParseFields(b)
	if err != nil {
		return RPC{}, fmt.Errorf("peerexchange: decode rpc: %w", err)
	}
	var r RPC
	var req, resp []byte
	var hasReq, hasResp bool
	for _, f := range fs {
		switch {
		case f.Num == fieldRequest && f.Wire == minpb.WireBytes:
			req, hasReq = f.Data, true
		case f.Num == fieldResponse && f.Wire == minpb.WireBytes:
			resp, hasResp = f.Data, true
		}
	}
	if !hasReq {
		return RPC{}, ErrNoRequest
	}
	if r.NumPeers, err = unmarshalRequest(req); err != nil {
		return RPC{}, err
	}
	if hasResp {
		if r.Response, err = unmarshalResponse(resp); err != nil {
			return RPC{}, err
		}
	}
	return r, nil
}

func unmarshalRequest(b []byte) (uint64, error) {
	fs, err := minpb.ParseFields(b)
	if err != nil {
		return 0, fmt.Errorf("peerexchange: decode request: %w", err)
	}
	var n uint64
	for _, f := range fs {
		if f.Num == fieldNumPeers && f.Wire == minpb.WireVarint {
			n = f.Val
		}
	}
	return n, nil
}

func unmarshalResponse(b []byte) (Response, error) {
	fs, err := minpb.ParseFields(b)
	if err != nil {
		return Response{}, fmt.Errorf("peerexchange: decode response: %w", err)
	}
	var r Response
	hasStatus := false
	for _, f := range fs {
		switch {
		case f.Num == fieldPeerInfos && f.Wire == minpb.WireBytes:
			e, err := unmarshalPeerInfo(f.Data)
			if err != nil {
				return Response{}, err
			}
			r.ENRs = append(r.ENRs, e)
		case f.Num == fieldStatusCode && f.Wire == minpb.WireVarint:
			r.Status, hasStatus = parseStatus(f.Val), true
		case f.Num == fieldStatusDesc && f.Wire == minpb.WireBytes:
			r.Desc, r.HasDesc = string(f.Data), true
		}
	}
	if !hasStatus {
		r.Status = StatusServiceUnavailable
		if len(r.ENRs) > 0 {
			r.Status = StatusSuccess
		}
	}
	return r, nil
}

// unmarshalPeerInfo returns the enr field of a PeerInfo (empty if absent,
// as in nwaku).
func unmarshalPeerInfo(b []byte) ([]byte, error) {
	fs, err := minpb.ParseFields(b)
	if err != nil {
		return nil, fmt.Errorf("peerexchange: decode peer info: %w", err)
	}
	var e []byte
	for _, f := range fs {
		if f.Num == fieldPeerInfoENR && f.Wire == minpb.WireBytes {
			e = f.Data
		}
	}
	return e, nil
}
