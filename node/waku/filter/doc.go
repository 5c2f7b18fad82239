// Package filter implements Waku filter v2 (RFC 12,
// /vac/waku/filter-subscribe/2.0.0-beta1 and
// /vac/waku/filter-push/2.0.0-beta1) byte for byte as nwaku
// (waku/waku_filter_v2), on both sides: the Server, which a relaying node
// runs for light clients, and the Client, which a light client (and
// Cairn's tests and CLI) uses.
//
// # Wire format
//
// Every message is one protobuf framed by a uvarint length
// (node/waku/internal/wakustream). A subscribe stream carries one
// SubscribeRequest from the client and one SubscribeResponse back, then
// closes. The push stream, opened by the service, carries any number of
// MessagePush and is reused for later pushes. Field numbers and the
// "every field written" encoding are nwaku's rpc_codec.nim.
//
// # Server
//
//	fs, err := filter.NewServer(h, filter.WithMetrics(reg))
//	defer fs.Close()
//	for { env, _ := sub.Next(ctx); fs.HandleMessage(env.PubsubTopic, env.Message) }
//
// Limits and answers are nwaku's: at most 100 subscribed peers and 1000
// criteria per peer (503 beyond), at most 100 content topics per request
// and both topics required (400), 404 for Ping/Unsubscribe without a
// subscription, 30 requests per minute per peer (429, request id "N/A").
// A subscription expires 5 minutes after its peer's last request.
// Status descriptions are nwaku's ("NOT_FOUND: peer has no
// subscriptions").
//
// Where Cairn differs, on purpose:
//   - A request without pubsub_topic is served by autosharding each
//     content topic (cluster 1, 8 shards unless WithAutosharding), as
//     go-waku does; nwaku answers 400 (WithStaticSharding restores that).
//   - An undecodable request, or one naming an unknown type, is answered
//     400 with request id "N/A" instead of closing the stream silently.
//   - Unsubscribe answers 404 when the peer held none of the criteria
//     (nwaku: when a criterion is unknown to the whole node).
//   - Pushes go through a bounded queue per subscriber; a subscriber
//     whose pushes fail 3 times in a row (no connection, write timeout)
//     is removed. nwaku awaits pushes with a 20 s timeout per message.
package filter
