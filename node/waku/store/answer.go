package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/cairn-node/cairn/node/internal/minpb"
	"github.com/cairn-node/cairn/node/waku/store/archive"
)

// Status codes of StoreQueryResponse. nwaku's StatusCode enum
// (waku/waku_store/common.nim) has 200, 300, 400, 429, 503 and 504; Cairn
// adds 500 for its own storage failures, where nwaku answers 300 for every
// archive error, invalid queries included (Cairn answers those 400).
const (
	StatusOK                 = 200
	StatusBadResponse        = 300
	StatusBadRequest         = 400
	StatusTooManyRequests    = 429
	StatusInternalError      = 500
	StatusServiceUnavailable = 503
	StatusPeerDialFailure    = 504
)

// Paging limits, as the archive applies them (nwaku's store common.nim).
const (
	DefaultPageSize = archive.DefaultPageSize
	MaxPageSize     = archive.MaxPageSize
)

// Querier answers archive queries; *archive.Archive is one.
type Querier interface {
	// Query returns one page; see archive.Archive.Query for the errors.
	// It must be safe for concurrent use.
	Query(ctx context.Context, q archive.Query) (archive.Page, error)
}

var _ Querier = (*archive.Archive)(nil)

// Answer runs req against q and returns the response a store node sends:
// status 200 "OK" with the page; 400 "BAD_REQUEST: …" for an invalid query
// (archive.ErrInvalidQuery); 503 "SERVICE_UNAVAILABLE" when the archive is
// closed or ctx ended; 500 for storage failures. The response carries
// req.RequestID. The server and the REST API's local queries use it.
func Answer(ctx context.Context, q Querier, req Request) Response {
	resp := Response{RequestID: req.RequestID}
	page, err := q.Query(ctx, req.archiveQuery())
	switch {
	case err == nil:
	case errors.Is(err, archive.ErrInvalidQuery):
		resp.StatusCode, resp.StatusDesc = StatusBadRequest, "BAD_REQUEST: "+err.Error()
		return resp
	case errors.Is(err, archive.ErrClosed), ctx.Err() != nil:
		resp.StatusCode, resp.StatusDesc = StatusServiceUnavailable, "SERVICE_UNAVAILABLE"
		return resp
	default:
		resp.StatusCode, resp.StatusDesc = StatusInternalError, fmt.Sprintf("INTERNAL_SERVER_ERROR: archive error: %v", err)
		return resp
	}
	resp.StatusCode, resp.StatusDesc = StatusOK, "OK"
	resp.PaginationCursor = page.Cursor
	resp.Messages = make([]KeyValue, len(page.Entries))
	for i, e := range page.Entries {
		kv := KeyValue{MessageHash: e.Hash}
		if req.IncludeData {
			m, topic := e.Message, e.PubsubTopic
			kv.Message, kv.PubsubTopic = &m, &topic
		}
		resp.Messages[i] = kv
	}
	resp.fit(req.PaginationForward)
	return resp
}

// MaxResponseBytes bounds the encoded response Answer builds: js-waku's
// it-length-prefixed refuses longer frames (its default maxDataLength).
// nwaku has no such bound, so a page of 100 large messages from nwaku can
// break js-waku; Cairn shortens the page instead and sets the cursor.
const MaxResponseBytes = 4 << 20

// fit drops the messages that would take the response above
// MaxResponseBytes, keeping those first in the direction of travel (at
// least one), and points the cursor at the last one kept.
func (r *Response) fit(forward bool) {
	n := len(r.Messages)
	sizes := make([]int, n) // encoded size of each messages field
	sum := 0
	for i, kv := range r.Messages {
		sizes[i] = len(minpb.AppendBytes(nil, fMessages, kv.encode()))
		sum += sizes[i]
	}
	// The cursor is counted as present: a shortened page gets one.
	total := len(Response{RequestID: r.RequestID, StatusCode: r.StatusCode, StatusDesc: r.StatusDesc, PaginationCursor: &[HashSize]byte{}}.Encode())
	if total+sum <= MaxResponseBytes {
		return
	}
	keep := 0
	for ; keep < n; keep++ {
		i := keep // index in travel order
		if !forward {
			i = n - 1 - keep
		}
		if keep > 0 && total+sizes[i] > MaxResponseBytes {
			break
		}
		total += sizes[i]
	}
	if forward {
		r.Messages = r.Messages[:keep]
		c := r.Messages[keep-1].MessageHash
		r.PaginationCursor = &c
	} else {
		r.Messages = r.Messages[n-keep:]
		c := r.Messages[0].MessageHash
		r.PaginationCursor = &c
	}
}

// archiveQuery maps the request to the archive's query, as nwaku's
// toArchiveQuery does.
func (r Request) archiveQuery() archive.Query {
	q := archive.Query{
		IncludeData:   r.IncludeData,
		ContentTopics: r.ContentTopics,
		StartTime:     r.TimeStart,
		EndTime:       r.TimeEnd,
		Hashes:        r.MessageHashes,
		Cursor:        r.PaginationCursor,
		Forward:       r.PaginationForward,
	}
	if r.PubsubTopic != nil {
		q.PubsubTopic = *r.PubsubTopic
	}
	if r.PaginationLimit != nil {
		q.PageSize = *r.PaginationLimit
	}
	return q
}
