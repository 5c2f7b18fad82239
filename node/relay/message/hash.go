package message

import (
	"crypto/sha256"
	"encoding/binary"
)

// Hash returns the deterministic message hash of RFC 14 as nwaku computes it
// (computeMessageHash in waku/waku_core/message/digest.nim):
//
//	sha256(pubsubTopic ‖ payload ‖ content_topic ‖ meta ‖ timestamp)
//
// with the timestamp as 8 big-endian bytes of its two's complement, always
// included, also when it is 0 (js-waku leaves them out then, and so hashes a
// zero-timestamp message differently). Version, RateLimitProof and
// Ephemeral are not hashed. pubsubTopic is the shard's string form, e.g.
// "/waku/2/rs/1/0".
func Hash(pubsubTopic string, m Message) [32]byte {
	h := sha256.New()
	h.Write([]byte(pubsubTopic))
	h.Write(m.Payload)
	h.Write([]byte(m.ContentTopic))
	h.Write(m.Meta)
	var ts [8]byte
	binary.BigEndian.PutUint64(ts[:], uint64(m.Timestamp))
	h.Write(ts[:])
	var out [32]byte
	h.Sum(out[:0])
	return out
}
