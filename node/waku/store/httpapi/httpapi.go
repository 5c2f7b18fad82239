// Package httpapi serves nwaku's store REST API
// (waku/rest_api/endpoint/store/handlers.nim):
//
//	GET /store/v3/messages?pubsubTopic=…&contentTopics=a,b&includeData=true&startTime=ns&endTime=ns
//	                      &hashes=0x…,0x…&cursor=0x…&pageSize=20&ascending=true&peerAddr=/ip4/…/p2p/…
//
// Without peerAddr the node's own archive answers; with it, the query goes
// to that store node over /vac/waku/store-query/3.0.0. The answer is JSON:
//
//	{"requestId": "", "statusCode": 200, "statusDesc": "OK",
//	 "messages": [{"messageHash": "0x…", "pubsubTopic": "/waku/2/rs/1/0",
//	               "message": {"payload": base64, "contentTopic": …, "meta": base64 (when set),
//	                           "version": 0, "timestamp": ns, "ephemeral": false}}],
//	 "paginationCursor": "0x…"}  (only when more messages match)
//
// Parameters are read as nwaku reads them: pageSize defaults to 20 and is
// capped at 100; ascending is forward unless given and not "true"; times
// of 0 or less are ignored; hashes and the cursor are hex, with or without
// 0x (Cairn also takes base64 and base64url). Errors in the parameters are
// 400 text/plain.
package httpapi

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/peerstore"

	"github.com/cairn-node/cairn/node/relay/message"
	"github.com/cairn-node/cairn/node/waku/store"
)

// DefaultTimeout bounds a query to another node (nwaku's futTimeout).
const DefaultTimeout = 5 * time.Second

// Options configure New. The zero value serves nothing but errors.
type Options struct {
	// Archive answers queries without peerAddr; nil refuses them with
	// 412, as nwaku does when it has neither a store nor a peer.
	Archive store.Querier
	// Client sends queries with peerAddr; nil refuses them with 412.
	Client *store.Client
	// Timeout bounds a remote query; the default is DefaultTimeout.
	Timeout time.Duration
	// Logger; nil means slog.Default() with subsys=node/waku/store/httpapi.
	Logger *slog.Logger
}

// Server is the store REST API.
//
// concurrency: safe for concurrent use.
type Server struct {
	opts Options
	log  *slog.Logger
}

// New returns the API over opts.
func New(opts Options) *Server {
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	return &Server{opts: opts, log: opts.Logger.With("subsys", "node/waku/store/httpapi")}
}

// Register mounts GET /store/v3/messages on mux.
func (s *Server) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /store/v3/messages", s.messages)
}

// Response is a store response in nwaku's REST JSON (StoreQueryResponseHex).
type Response struct {
	RequestID        string     `json:"requestId"`
	StatusCode       uint32     `json:"statusCode"`
	StatusDesc       string     `json:"statusDesc"`
	Messages         []KeyValue `json:"messages"`
	PaginationCursor string     `json:"paginationCursor,omitempty"`
}

// KeyValue is one message: its hash in 0x-hex, and the message and pubsub
// topic when the query had includeData.
type KeyValue struct {
	MessageHash string   `json:"messageHash"`
	Message     *Message `json:"message,omitempty"`
	PubsubTopic *string  `json:"pubsubTopic,omitempty"`
}

// Message is a WakuMessage as nwaku's REST writes it: bytes in padded
// standard base64, meta and proof only when not empty.
type Message struct {
	Payload      string `json:"payload"`
	ContentTopic string `json:"contentTopic"`
	Meta         string `json:"meta,omitempty"`
	Version      uint32 `json:"version"`
	Timestamp    int64  `json:"timestamp"`
	Ephemeral    bool   `json:"ephemeral"`
	Proof        string `json:"proof,omitempty"`
}

// FromStore converts a protocol response to its JSON form.
func FromStore(r store.Response) Response {
	out := Response{RequestID: r.RequestID, StatusCode: r.StatusCode, StatusDesc: r.StatusDesc, Messages: make([]KeyValue, 0, len(r.Messages))}
	for _, kv := range r.Messages {
		j := KeyValue{MessageHash: hex0x(kv.MessageHash), PubsubTopic: kv.PubsubTopic}
		if kv.Message != nil {
			m := fromMessage(*kv.Message)
			j.Message = &m
		}
		out.Messages = append(out.Messages, j)
	}
	if r.PaginationCursor != nil {
		out.PaginationCursor = hex0x(*r.PaginationCursor)
	}
	return out
}

func fromMessage(m message.Message) Message {
	return Message{
		Payload: b64(m.Payload), ContentTopic: m.ContentTopic, Meta: b64(m.Meta),
		Version: m.Version, Timestamp: m.Timestamp, Ephemeral: m.Ephemeral, Proof: b64(m.RateLimitProof),
	}
}

func hex0x(h [store.HashSize]byte) string { return "0x" + hex.EncodeToString(h[:]) }

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

func (s *Server) messages(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	req, err := parseRequest(q)
	if err != nil {
		fail(w, http.StatusBadRequest, "%v", err)
		return
	}
	if addr := q.Get("peerAddr"); addr != "" {
		s.remote(w, r.Context(), addr, req)
		return
	}
	if s.opts.Archive == nil {
		fail(w, http.StatusPreconditionFailed, "No suitable service peer & no discovery method: this node keeps no message archive; give peerAddr")
		return
	}
	resp := store.Answer(r.Context(), s.opts.Archive, req)
	switch {
	case resp.StatusCode == store.StatusOK:
		writeJSON(w, FromStore(resp))
	case resp.StatusCode == store.StatusBadRequest:
		fail(w, http.StatusBadRequest, "%s", resp.StatusDesc)
	default:
		s.log.Error("local store query failed", "status", resp.StatusCode, "desc", resp.StatusDesc)
		fail(w, http.StatusInternalServerError, "%s", resp.StatusDesc)
	}
}

// remote runs req on the store node at addr, answering as nwaku's
// performStoreQuery: the peer's status in the JSON, except 429 (HTTP 429)
// and a timeout (HTTP 500).
func (s *Server) remote(w http.ResponseWriter, ctx context.Context, addr string, req store.Request) {
	ai, err := peer.AddrInfoFromString(addr)
	if err != nil {
		fail(w, http.StatusBadRequest, "peerAddr %q: want a multiaddr ending in /p2p/<peer id>: %v", addr, err)
		return
	}
	if s.opts.Client == nil {
		fail(w, http.StatusPreconditionFailed, "this node has no store client; query it without peerAddr")
		return
	}
	s.opts.Client.Host.Peerstore().AddAddrs(ai.ID, ai.Addrs, peerstore.TempAddrTTL)
	ctx, cancel := context.WithTimeout(ctx, s.opts.Timeout)
	defer cancel()
	resp, err := s.opts.Client.Query(ctx, ai.ID, req)
	var se *store.StatusError
	switch {
	case err == nil:
	case errors.As(err, &se) && se.Code == store.StatusTooManyRequests:
		fail(w, http.StatusTooManyRequests, "Request rate limit reached")
		return
	case errors.As(err, &se):
	case ctx.Err() != nil:
		fail(w, http.StatusInternalServerError, "No history response received (timeout)")
		return
	case errors.Is(err, store.ErrDial):
		resp = store.Response{StatusCode: store.StatusPeerDialFailure, StatusDesc: "PEER_DIAL_FAILURE: " + addr}
	case errors.Is(err, store.ErrInvalidCursor):
		resp = store.Response{StatusCode: store.StatusBadRequest, StatusDesc: "BAD_REQUEST: invalid cursor"}
	default:
		resp = store.Response{StatusCode: store.StatusBadResponse, StatusDesc: "BAD_RESPONSE: " + err.Error()}
	}
	writeJSON(w, FromStore(resp))
}

// parseRequest reads the query parameters as nwaku's createStoreQuery.
func parseRequest(q map[string][]string) (store.Request, error) {
	get := func(k string) string {
		if v := q[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	var req store.Request
	var err error
	if v := get("includeData"); v != "" {
		if req.IncludeData, err = parseBool(v); err != nil {
			return req, fmt.Errorf("include data parsing error: %w", err)
		}
	}
	if v := get("pubsubTopic"); v != "" {
		req.PubsubTopic = &v
	}
	if v := get("contentTopics"); v != "" {
		req.ContentTopics = strings.Split(v, ",")
	}
	if req.TimeStart, err = parseTime(get("startTime")); err != nil {
		return req, err
	}
	if req.TimeEnd, err = parseTime(get("endTime")); err != nil {
		return req, err
	}
	if v := get("hashes"); v != "" {
		for _, s := range strings.Split(v, ",") {
			h, err := parseHash(s)
			if err != nil {
				return req, fmt.Errorf("hashes: %w", err)
			}
			req.MessageHashes = append(req.MessageHashes, h)
		}
	}
	if v := get("cursor"); v != "" {
		h, err := parseHash(v)
		if err != nil {
			return req, fmt.Errorf("cursor: %w", err)
		}
		req.PaginationCursor = &h
	}
	req.PaginationForward = true // nwaku's default() is FORWARD
	if v := get("ascending"); v != "" {
		req.PaginationForward = v == "true"
	}
	size := uint64(store.DefaultPageSize)
	if v := get("pageSize"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return req, fmt.Errorf("page size parsing error: %q is not a count of messages", v)
		}
		size = uint64(n)
	}
	size = min(size, store.MaxPageSize)
	req.PaginationLimit = &size
	return req, nil
}

// parseBool accepts what Nim's strutils.parseBool accepts.
func parseBool(s string) (bool, error) {
	switch strings.ReplaceAll(strings.ToLower(s), "_", "") {
	case "y", "yes", "true", "1", "on":
		return true, nil
	case "n", "no", "false", "0", "off":
		return false, nil
	}
	return false, fmt.Errorf("cannot interpret %q as a bool", s)
}

// parseTime reads a time in ns; 0 or less means none, as in nwaku.
func parseTime(s string) (*int64, error) {
	if s == "" {
		return nil, nil
	}
	t, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return nil, fmt.Errorf("time parsing error: %q is not a time in nanoseconds", s)
	}
	if t <= 0 {
		return nil, nil
	}
	return &t, nil
}

// parseHash reads a message hash: hex with or without 0x (nwaku), or
// base64 in either alphabet, padded or not.
func parseHash(s string) ([store.HashSize]byte, error) {
	var h [store.HashSize]byte
	b, err := hex.DecodeString(strings.TrimPrefix(strings.TrimPrefix(s, "0x"), "0X"))
	if err != nil {
		b = nil
		for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
			if d, err := enc.DecodeString(s); err == nil {
				b = d
				break
			}
		}
		if b == nil {
			return h, fmt.Errorf("waku message hash parsing error: %q is neither hex nor base64", s)
		}
	}
	if len(b) != store.HashSize {
		return h, fmt.Errorf("waku message hash parsing error: invalid hash length: %d", len(b))
	}
	copy(h[:], b)
	return h, nil
}

func fail(w http.ResponseWriter, status int, format string, args ...any) {
	w.Header().Set("Content-Type", "text/plain")
	w.WriteHeader(status)
	fmt.Fprintf(w, format, args...)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}
