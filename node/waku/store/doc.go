// Package store is the Waku store query protocol, WAKU2-STORE v3
// (/vac/waku/store-query/3.0.0): its codec, a server that answers from
// the node's message archive (package archive), and a client. It matches
// nwaku (waku/waku_store/) on the wire and interoperates with js-waku's
// store client (packages/core/src/lib/store).
//
// # Usage
//
//	met, _ := store.NewMetrics(reg)
//	srv, err := store.NewServer(h, arch, store.ServerOptions{Metrics: met})
//	if err != nil { … }
//	defer srv.Close()
//
//	c := store.Client{Host: h, Metrics: met}
//	topic := "/waku/2/rs/1/0"
//	resp, err := c.Query(ctx, peerID, store.Request{IncludeData: true,
//		PubsubTopic: &topic, ContentTopics: []string{"/app/1/chat/proto"}, PaginationForward: true})
//	// resp.Messages in time order; resp.PaginationCursor for the next page.
//	// A status other than 200 comes back as a *store.StatusError.
//
// # Wire format
//
// One exchange per stream: the client writes one request frame, the server
// answers one response frame and closes the stream. A frame is the
// protobuf message behind its length as an unsigned varint (nim-libp2p's
// writeLp/readLp, js-waku's it-length-prefixed). The messages:
//
//	StoreQueryRequest                      StoreQueryResponse
//	 1 request_id          string           1 request_id    string
//	 2 include_data        bool (varint)   10 status_code   uint32
//	10 pubsub_topic        optional string 11 status_desc   string
//	11 content_topics      repeated string 20 messages      repeated WakuMessageKeyValue
//	12 time_start          optional sint64 51 pagination_cursor optional bytes (32)
//	13 time_end            optional sint64
//	20 message_hashes      repeated bytes (32)   WakuMessageKeyValue
//	51 pagination_cursor   optional bytes (32)    1 message_hash  bytes (32)
//	52 pagination_forward  bool (varint)          2 message       WakuMessage
//	53 pagination_limit    optional uint64        3 pubsub_topic  string
//
// Encode writes what nwaku writes (rpc_codec.nim on minprotobuf): the
// non-optional fields always, zero values included, optional ones when set.
// js-waku (protons) omits zero values; the decoders accept both. Vectors
// from js-waku's encoder are checked in the tests (testdata/SOURCE).
//
// # Pages
//
// A page holds at most MaxPageSize (100) messages, DefaultPageSize (20)
// when the request sets no limit, as in nwaku. Cairn also keeps a response
// within MaxResponseBytes (4 MiB, the frame limit of js-waku's
// it-length-prefixed): a page of large messages is shortened and gets a
// cursor. The client reads responses up to MaxResponseSize, a full page of
// the largest messages.
//
// # Statuses
//
// 200 "OK"; 400 "decoding rpc failed: …" for a request that does not
// decode, "BAD_REQUEST: …" for an invalid query (bad cursor, cursor not
// stored, more than 10 content topics); 429 "TOO_MANY_REQUESTS" beyond the
// rate limit (request_id "N/A", the request is not read); 503
// "SERVICE_UNAVAILABLE" when the archive is closed or too many queries run;
// 500 for storage failures. nwaku answers 300 (BAD_RESPONSE) for every
// archive error, invalid queries included; clients treat any status other
// than 2xx as failure either way.
package store
