package filter

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/cairn-node/cairn/node/relay/message"
	"github.com/cairn-node/cairn/node/waku/internal/wakustream"
)

// ErrRequestIDMismatch is returned by Client requests when the response
// names another request (nwaku's request_id_mismatch); 429 responses,
// which carry "N/A", are exempt.
var ErrRequestIDMismatch = errors.New("filter: response request id mismatch")

// PushHandler receives each message pushed to a Client: from is the
// service peer. It is called from the goroutine reading that peer's push
// stream, one message at a time per stream; it owns m.
type PushHandler func(from peer.ID, pubsubTopic string, m message.Message)

// Client is the light-client side of filter: it sends subscribe requests
// to a service peer and receives pushes on PushProtocolID, whose stream
// handler NewClient registers.
//
// concurrency: all methods are safe for concurrent use.
type Client struct {
	h       host.Host
	handler PushHandler
	log     *slog.Logger

	mu     sync.Mutex
	closed bool
}

// NewClient registers the handler of PushProtocolID on h and returns a
// client that passes every decoded push to handler (nil drops them). A
// nil log means slog.Default(). Only one Client per host receives
// pushes.
func NewClient(h host.Host, handler PushHandler, log *slog.Logger) *Client {
	if log == nil {
		log = slog.Default().With("subsys", "node/waku/filter")
	}
	c := &Client{h: h, handler: handler, log: log}
	h.SetStreamHandler(PushProtocolID, c.handlePush)
	return c
}

// Close removes the push handler; later requests return ErrClosed. Safe
// to call more than once; returns nil.
func (c *Client) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.closed {
		c.closed = true
		c.h.RemoveStreamHandler(PushProtocolID)
	}
	return nil
}

// handlePush reads pushes from one stream until it ends; an undecodable
// push ends the stream (as nwaku's client does).
func (c *Client) handlePush(st network.Stream) {
	defer st.Close()
	from := st.Conn().RemotePeer()
	for {
		buf, err := wakustream.ReadMsg(st, MaxPushSize)
		if err != nil {
			return
		}
		mp, err := DecodeMessagePush(buf)
		if err != nil {
			c.log.Debug("undecodable filter push", "peer", from, "err", err)
			_ = st.Reset()
			return
		}
		if c.handler != nil {
			c.handler(from, mp.PubsubTopic, mp.Message)
		}
	}
}

// Subscribe asks service peer p to push the messages of contentTopics on
// pubsubTopic; an empty pubsubTopic is left out of the request, so that
// the service derives it by autosharding. The subscription lives for
// the service's timeout (5 minutes by default): refresh it with Ping.
// A non-200 answer is returned as a *StatusError.
func (c *Client) Subscribe(ctx context.Context, p peer.ID, pubsubTopic string, contentTopics ...string) error {
	return c.request(ctx, p, SubscribeRequest{Type: Subscribe, PubsubTopic: optional(pubsubTopic), ContentTopics: contentTopics})
}

// Unsubscribe removes contentTopics on pubsubTopic (empty: autosharding)
// from the subscriptions held by p.
func (c *Client) Unsubscribe(ctx context.Context, p peer.ID, pubsubTopic string, contentTopics ...string) error {
	return c.request(ctx, p, SubscribeRequest{Type: Unsubscribe, PubsubTopic: optional(pubsubTopic), ContentTopics: contentTopics})
}

// UnsubscribeAll removes every subscription held by p.
func (c *Client) UnsubscribeAll(ctx context.Context, p peer.ID) error {
	return c.request(ctx, p, SubscribeRequest{Type: UnsubscribeAll})
}

// Ping checks that p still holds a subscription of ours and refreshes
// it; a *StatusError with StatusNotFound means it does not.
func (c *Client) Ping(ctx context.Context, p peer.ID) error {
	return c.request(ctx, p, SubscribeRequest{Type: Ping})
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// request sends req with a fresh request id and checks the response.
func (c *Client) request(ctx context.Context, p peer.ID, req SubscribeRequest) error {
	c.mu.Lock()
	closed := c.closed
	c.mu.Unlock()
	if closed {
		return ErrClosed
	}
	req.RequestID = newRequestID()
	resp, err := roundTrip(ctx, c.h, p, req)
	if err != nil {
		return fmt.Errorf("filter: %s to %s: %w", req.Type, p, err)
	}
	if resp.StatusCode != StatusTooManyRequests && resp.RequestID != req.RequestID {
		return fmt.Errorf("%w: sent %q, got %q", ErrRequestIDMismatch, req.RequestID, resp.RequestID)
	}
	if resp.StatusCode != StatusOK {
		desc := ""
		if resp.StatusDesc != nil {
			desc = *resp.StatusDesc
		}
		return &StatusError{Code: resp.StatusCode, Desc: desc}
	}
	return nil
}

// roundTrip writes req on a new stream to p and reads the response.
func roundTrip(ctx context.Context, h host.Host, p peer.ID, req SubscribeRequest) (SubscribeResponse, error) {
	st, err := h.NewStream(ctx, p, SubscribeProtocolID)
	if err != nil {
		return SubscribeResponse{}, err
	}
	defer st.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = st.SetDeadline(dl)
	} else {
		_ = st.SetDeadline(time.Now().Add(requestTimeout))
	}
	if err := wakustream.WriteMsg(st, req.Encode()); err != nil {
		_ = st.Reset()
		return SubscribeResponse{}, err
	}
	_ = st.CloseWrite()
	buf, err := wakustream.ReadMsg(st, MaxSubscribeResponseSize)
	if err != nil {
		_ = st.Reset()
		return SubscribeResponse{}, err
	}
	return DecodeSubscribeResponse(buf)
}

// newRequestID returns 10 random bytes in hex, as nwaku's
// generateRequestId.
func newRequestID() string {
	var b [10]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
