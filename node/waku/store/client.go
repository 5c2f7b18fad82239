package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/peer"
)

// Client errors. Callers check them with errors.Is; a response with a
// status other than 200 comes back as a *StatusError.
var (
	// ErrDial is wrapped when no stream to the peer could be opened
	// (nwaku: PEER_DIAL_FAILURE, 504).
	ErrDial = errors.New("store: cannot open a store stream to the peer")
	// ErrBadResponse is wrapped when the peer's answer cannot be read
	// or decoded (nwaku: BAD_RESPONSE, 300).
	ErrBadResponse = errors.New("store: bad response")
	// ErrInvalidCursor is returned for an all-zero cursor, which nwaku's
	// client refuses before dialling.
	ErrInvalidCursor = errors.New("store: invalid cursor: all zeros")
)

// DefaultQueryTimeout bounds Query when ctx has no deadline.
const DefaultQueryTimeout = 10 * time.Second

// StatusError is a response whose status code is not 200.
type StatusError struct {
	Code uint32
	Desc string
}

// Error returns the code and description.
func (e *StatusError) Error() string {
	return fmt.Sprintf("store: peer answered %d: %s", e.Code, e.Desc)
}

// Client queries store nodes over a libp2p host.
//
// concurrency: safe for concurrent use.
type Client struct {
	// Host opens the streams. Required.
	Host host.Host
	// Metrics counts client errors in waku_store_errors; nil counts
	// nothing.
	Metrics *Metrics
}

// Query sends req to p and returns its response, as nwaku's store client
// does: an empty RequestID is replaced by 20 random hex digits; the
// response is returned with a *StatusError when its status is not 200.
// Other errors wrap ErrDial, ErrBadResponse or ctx's error, or are
// ErrInvalidCursor. The host must know an address of p (or be connected).
// Without a deadline on ctx, DefaultQueryTimeout applies.
func (c *Client) Query(ctx context.Context, p peer.ID, req Request) (Response, error) {
	if req.PaginationCursor != nil && *req.PaginationCursor == ([HashSize]byte{}) {
		return Response{}, ErrInvalidCursor
	}
	if req.RequestID == "" {
		req.RequestID = newRequestID()
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, DefaultQueryTimeout)
		defer cancel()
	}
	st, err := c.Host.NewStream(ctx, p, ID)
	if err != nil {
		c.Metrics.fail(errDial)
		return Response{}, fmt.Errorf("%w %s: %w", ErrDial, p, err)
	}
	defer st.Close()
	if d, ok := ctx.Deadline(); ok {
		_ = st.SetDeadline(d)
	}
	// Closing the stream when ctx ends unblocks the read below.
	stop := context.AfterFunc(ctx, func() { _ = st.Reset() })
	defer stop()
	if err := writeFrame(st, req.Encode()); err != nil {
		return Response{}, c.ioError(ctx, "write request", err)
	}
	if err := st.CloseWrite(); err != nil {
		return Response{}, c.ioError(ctx, "close request", err)
	}
	buf, err := readFrame(st, MaxResponseSize)
	if err != nil {
		return Response{}, c.ioError(ctx, "read response", err)
	}
	resp, err := DecodeResponse(buf)
	if err != nil {
		c.Metrics.fail(errDecodeRPC)
		return Response{}, fmt.Errorf("%w from %s: %w", ErrBadResponse, p, err)
	}
	if resp.StatusCode != StatusOK {
		c.Metrics.fail(errNoSuccessCode)
		return resp, &StatusError{Code: resp.StatusCode, Desc: resp.StatusDesc}
	}
	return resp, nil
}

func (c *Client) ioError(ctx context.Context, op string, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("store query: %s: %w", op, ctx.Err())
	}
	return fmt.Errorf("%w: %s: %w", ErrBadResponse, op, err)
}

// Query is (&Client{Host: h}).Query(ctx, p, req): a query without
// metrics.
func Query(ctx context.Context, h host.Host, p peer.ID, req Request) (Response, error) {
	c := Client{Host: h}
	return c.Query(ctx, p, req)
}

// newRequestID returns 10 random bytes in hex, as nwaku's
// generateRequestId.
func newRequestID() string {
	var b [10]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return hex.EncodeToString(b[:])
}
