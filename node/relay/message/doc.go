// Package message is the Waku message of 14/WAKU2-MESSAGE as nwaku encodes,
// decodes and hashes it, and the topics it travels on: content topics, and
// the relay shards (pubsub topics) of 51/WAKU2-RELAY-SHARDING autosharding.
//
// # Usage
//
// Decode a message received on a relay shard, hash it, and re-encode it:
//
//	m, err := message.Decode(data) // errors wrap message.ErrMalformed
//	if err != nil {
//		return err
//	}
//	h := message.Hash("/waku/2/rs/1/3", m) // 32-byte deterministic hash
//	out := m.Encode()                      // nwaku's bytes for m
//
// Pick the shard a content topic lives on (The Waku Network: cluster 1, 8
// shards):
//
//	ct, err := message.ParseContentTopic("/toychat/2/huilong/proto")
//	if err != nil {
//		return err
//	}
//	pt := message.Shard(ct, message.DefaultClusterID, message.DefaultShardCount)
//	fmt.Println(pt) // /waku/2/rs/1/3
//
// # Wire format
//
// Encode writes what nwaku's encoder (waku/waku_core/message/codec.nim, on
// nim-libp2p minprotobuf) writes: every field, in field-number order, even
// when it is empty or zero:
//
//	1  payload           bytes
//	2  content_topic     string
//	3  version           uint32 varint
//	10 timestamp         sint64 (zigzag varint), nanoseconds
//	11 meta              bytes, at most MaxMetaSize
//	21 rate_limit_proof  bytes (the encoded RateLimitProof submessage, kept raw)
//	31 ephemeral         varint 0 or 1
//
// So an all-zero Message still encodes to 16 bytes, and encoders that omit
// default proto3 fields (protobuf-go, protons) produce different, shorter
// bytes for the same message. Decode accepts both.
//
// # Decoding
//
// Decode accepts what nwaku's decoder accepts, except where a canonical
// encoder could never produce the input: payload and content_topic must be
// present (nwaku requires both); known fields must have their wire type and
// appear at most once; varints must be minimal and fit their type; ephemeral
// must be 0 or 1; meta is at most MaxMetaSize bytes; the input is at most
// MaxSize bytes. Unknown fields with valid wire types are skipped, and are
// lost on re-encoding. Decode never panics.
//
// # Concurrency
//
// Everything here is a pure function of its arguments and is safe for
// concurrent use.
package message
