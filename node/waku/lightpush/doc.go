// Package lightpush implements Waku lightpush (RFC 19) byte for byte as
// nwaku: v3 (/vac/waku/lightpush/3.0.0, waku/waku_lightpush) and the
// legacy v2 (/vac/waku/lightpush/2.0.0-beta1, waku/waku_lightpush_legacy),
// server and client side. A light client sends one framed request per
// stream (node/waku/internal/wakustream) and reads one response. js-waku
// uses v3 when the service's identify lists it, v2 otherwise, so a Cairn
// node serves both.
//
// # Server
//
//	ls, err := lightpush.NewServer(h, lightpush.RelayPublisher(r), lightpush.WithMetrics(reg))
//	defer ls.Close()
//
// The Server publishes through a Publisher, so that RLN proof attachment
// or extra validation can wrap the relay. v3 answers use nwaku's codes:
// 200 with relay_peer_count, 400 undecodable request ("N/A" request id),
// 413 too large, 420 invalid message or missing topic under static
// sharding, 421 pubsub topic not a shard of the node's cluster, 500/503
// publish failures, 504 when a Publisher reports no RLN proof, 505 "No
// peers for topic, skipping publish". A v3 request without pubsub topic
// is autosharded (cluster 1, 8 shards by default). Legacy answers are
// is_success with info "OK", nwaku's failure labels
// ("not_published_to_any_peer", "decode_rpc_failure: …") or the
// validation reason. There is no rate limit: nwaku's default for
// lightpush is none.
//
// # Client
//
//	res, err := lightpush.Push(ctx, h, servicePeer, "/waku/2/rs/1/0", m)
//	var se *lightpush.StatusError
//	if errors.As(err, &se) && se.Code == lightpush.StatusNoPeersToRelay { … }
package lightpush
