package lightpush

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"

	"github.com/cairn-node/cairn/node/relay/message"
	"github.com/cairn-node/cairn/node/waku/internal/wakustream"
)

// Result is the outcome of a successful Push.
type Result struct {
	// RelayPeerCount is the number of relay peers the service sent the
	// message to (at least 1).
	RelayPeerCount uint32
	// Hash is message.Hash of the message as sent (timestamp included)
	// on the pubsub topic given to Push; zero when that was "".
	Hash [32]byte
}

// Push sends m to service peer p with lightpush v3 (ProtocolID) and waits
// for the answer, as nwaku's WakuLightPushClient.publish: a zero
// Timestamp is set to now first, and an empty pubsubTopic is left out so
// that the service derives it by autosharding. A non-200 answer, and a
// 200 that reached no relay peer, are returned as *StatusError. m is not
// retained.
func Push(ctx context.Context, h host.Host, p peer.ID, pubsubTopic string, m message.Message) (Result, error) {
	if m.Timestamp == 0 {
		m.Timestamp = time.Now().UnixNano()
	}
	req := Request{RequestID: newRequestID(), Message: m}
	if pubsubTopic != "" {
		req.PubsubTopic = &pubsubTopic
	}
	buf, err := roundTrip(ctx, h, p, ProtocolID, req.Encode())
	if err != nil {
		return Result{}, err
	}
	resp, err := DecodeResponse(buf)
	if err != nil {
		return Result{}, err
	}
	if resp.StatusCode != StatusTooManyRequests && resp.RequestID != req.RequestID {
		return Result{}, fmt.Errorf("%w: sent %q, got %q", ErrRequestIDMismatch, req.RequestID, resp.RequestID)
	}
	desc := ""
	if resp.StatusDesc != nil {
		desc = *resp.StatusDesc
	}
	if resp.StatusCode != StatusOK {
		return Result{}, &StatusError{Code: resp.StatusCode, Desc: desc}
	}
	if resp.RelayPeerCount == nil || *resp.RelayPeerCount == 0 {
		return Result{}, &StatusError{Code: StatusNoPeersToRelay, Desc: desc}
	}
	res := Result{RelayPeerCount: *resp.RelayPeerCount}
	if pubsubTopic != "" {
		res.Hash = message.Hash(pubsubTopic, m)
	}
	return res, nil
}

// PushLegacy sends m on pubsubTopic (required in v2) to service peer p
// with lightpush v2 (LegacyProtocolID), as nwaku's legacy client: a zero
// Timestamp is set to now first. It returns the message hash; a refusal
// wraps ErrRejected and ends with the service's info. m is not retained.
func PushLegacy(ctx context.Context, h host.Host, p peer.ID, pubsubTopic string, m message.Message) ([32]byte, error) {
	if m.Timestamp == 0 {
		m.Timestamp = time.Now().UnixNano()
	}
	rpc := PushRPC{RequestID: newRequestID(), Request: &PushRequest{PubsubTopic: pubsubTopic, Message: m}}
	buf, err := roundTrip(ctx, h, p, LegacyProtocolID, rpc.Encode())
	if err != nil {
		return [32]byte{}, err
	}
	resp, err := DecodePushRPC(buf)
	if err != nil {
		return [32]byte{}, err
	}
	if resp.Response == nil {
		return [32]byte{}, fmt.Errorf("%w: %s", ErrRejected, errEmptyResponse)
	}
	if !resp.Response.IsSuccess {
		info := "unknown failure"
		if resp.Response.Info != nil {
			info = *resp.Response.Info
		}
		return [32]byte{}, fmt.Errorf("%w: %s", ErrRejected, info)
	}
	return message.Hash(pubsubTopic, m), nil
}

// errEmptyResponse is nwaku's label for a PushRPC without response.
const errEmptyResponse = "empty_response_body_failure"

// roundTrip writes req on a new stream of protocol id to p and reads
// one response.
func roundTrip(ctx context.Context, h host.Host, p peer.ID, id protocol.ID, req []byte) ([]byte, error) {
	st, err := h.NewStream(ctx, p, id)
	if err != nil {
		return nil, fmt.Errorf("lightpush: open %s to %s: %w", id, p, err)
	}
	defer st.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = st.SetDeadline(dl)
	} else {
		_ = st.SetDeadline(time.Now().Add(requestTimeout))
	}
	if err := wakustream.WriteMsg(st, req); err != nil {
		_ = st.Reset()
		return nil, fmt.Errorf("lightpush: write request to %s: %w", p, err)
	}
	_ = st.CloseWrite()
	buf, err := wakustream.ReadMsg(st, MaxRPCSize)
	if err != nil {
		_ = st.Reset()
		return nil, fmt.Errorf("lightpush: read response from %s: %w", p, err)
	}
	return buf, nil
}

// newRequestID returns 10 random bytes in hex, as nwaku's
// generateRequestId.
func newRequestID() string {
	var b [10]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
