package peerexchange

import (
	"context"
	"fmt"

	"github.com/ethereum/go-ethereum/p2p/enode"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-msgio"

	"github.com/cairn-node/cairn/node/waku/enr"
)

// StatusError is returned by Request when the server answers with a
// status other than StatusSuccess.
type StatusError struct {
	Code StatusCode
	Desc string
}

// Error returns "peerexchange: status CODE: DESC".
func (e *StatusError) Error() string {
	if e.Desc == "" {
		return fmt.Sprintf("peerexchange: status %d %s", uint32(e.Code), e.Code)
	}
	return fmt.Sprintf("peerexchange: status %d %s: %s", uint32(e.Code), e.Code, e.Desc)
}

// Request asks p for numPeers records and returns those that decode and
// carry a valid signature (others are skipped, as nwaku's node does). It
// blocks until the answer comes or ctx ends; with no deadline on ctx,
// DefaultTimeout applies. Errors: stream and decode errors, *StatusError.
func Request(ctx context.Context, h host.Host, p peer.ID, numPeers uint64) ([]*enode.Node, error) {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, DefaultTimeout)
		defer cancel()
	}
	st, err := h.NewStream(ctx, p, ID)
	if err != nil {
		return nil, fmt.Errorf("peerexchange: open stream to %s: %w", p, err)
	}
	defer st.Close()
	if dl, ok := ctx.Deadline(); ok {
		st.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { st.Reset() })
	defer stop()
	if err := msgio.NewVarintWriter(st).WriteMsg(RPC{NumPeers: numPeers}.Marshal()); err != nil {
		st.Reset()
		return nil, fmt.Errorf("peerexchange: write request to %s: %w", p, err)
	}
	st.CloseWrite()
	b, err := msgio.NewVarintReaderSize(st, MaxRPCSize).ReadMsg()
	if err != nil {
		st.Reset()
		return nil, fmt.Errorf("peerexchange: read response from %s: %w", p, err)
	}
	rpc, err := Unmarshal(b)
	if err != nil {
		return nil, fmt.Errorf("peerexchange: response from %s: %w", p, err)
	}
	if rpc.Response.Status != StatusSuccess {
		return nil, &StatusError{Code: rpc.Response.Status, Desc: rpc.Response.Desc}
	}
	var out []*enode.Node
	for _, raw := range rpc.Response.ENRs {
		if n, err := enr.Decode(raw); err == nil {
			out = append(out, n)
		}
	}
	return out, nil
}
