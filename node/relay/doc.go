// Package relay is Waku relay (11/WAKU2-RELAY): gossipsub v1.1 under the
// protocol ID /vac/waku/relay/2.0.0, carrying WakuMessages
// (package message) on pubsub topics (shards) such as /waku/2/rs/1/0,
// configured as nwaku configures it so that a Cairn node meshes with
// nwaku nodes.
//
// # Usage
//
//	r, err := relay.New(ctx, h) // h: a libp2p host, e.g. from node/p2p
//	if err != nil {
//		return err
//	}
//	defer r.Close()
//
//	sub, err := r.Subscribe("/waku/2/rs/1/0")
//	if err != nil {
//		return err
//	}
//	go func() {
//		for {
//			env, err := sub.Next(ctx) // ErrClosed after Cancel or Close
//			if err != nil {
//				return
//			}
//			fmt.Printf("%x %s\n", env.Hash, env.Message.ContentTopic)
//		}
//	}()
//
//	hash, err := r.Publish(ctx, "/waku/2/rs/1/0", message.Message{
//		Payload:      []byte("hi"),
//		ContentTopic: "/toychat/2/huilong/proto",
//	})
//
// # Validation
//
// Every message, received or published, is decoded first; one that is not
// a valid WakuMessage (message.Decode), or is larger than the maximum
// message size, is rejected and its sender penalised. Then the validators
// added with AddValidator run in order (nwaku's ordered validator); the
// first Ignore or Reject drops the message. RLN validation plugs in here.
//
// # Differences from nwaku
//
//   - The gossipsub message id is sha256 of the message bytes, as nwaku's
//     defaultMessageIdProvider, not the deterministic message hash that
//     Publish returns and Envelope carries: ids must agree between peers
//     for gossip to work. Two encodings of one message (e.g. nwaku's,
//     which writes zero fields, and a proto3 encoder's, which omits them)
//     are therefore two messages to gossipsub.
//   - nwaku's disconnectBadPeers has no go-libp2p-pubsub counterpart:
//     graylisted peers are ignored, not disconnected.
//   - Publish does not report how many peers the message went to.
package relay
