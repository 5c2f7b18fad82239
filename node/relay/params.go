package relay

import (
	"crypto/sha256"
	"strings"
	"time"

	pubsub "github.com/libp2p/go-libp2p-pubsub"
	pb "github.com/libp2p/go-libp2p-pubsub/pb"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"

	"github.com/cairn-node/cairn/node/relay/message"
)

// The gossipsub settings below are nwaku's, from waku-org/nwaku at commit
// 7d1c6abaacba3e05edb57fa177381602b71b9b98, file waku/waku_relay/protocol.nim
// (GossipsubParameters, TopicParameters, WakuRelay.new) unless said
// otherwise.

// RPCOverhead is added to the largest Waku message to get the largest
// gossipsub RPC frame read from a peer: nwaku's
// DefaultSafetyBufferProtocolOverhead (waku/waku_core/message/default_values.nim).
const RPCOverhead = 64 << 10

// gossipSubParams returns nwaku's GossipsubParameters as go-libp2p-pubsub
// parameters. Parameters nwaku leaves at nim-libp2p's defaults keep
// go-libp2p-pubsub's defaults.
func gossipSubParams() pubsub.GossipSubParams {
	p := pubsub.DefaultGossipSubParams()
	p.D = 6
	p.Dlo = 4
	p.Dhi = 8
	p.Dscore = 6
	// nwaku: dOut = 3. go-libp2p-pubsub requires Dout < D/2 (nim-libp2p
	// allows Dout <= D/2), so 2 is the most it accepts with D = 6.
	p.Dout = 2
	p.Dlazy = 6
	p.GossipFactor = 0.25
	p.HeartbeatInterval = time.Second
	p.HistoryLength = 6
	p.HistoryGossip = 3
	p.FanoutTTL = time.Minute
	p.PruneBackoff = time.Minute
	p.UnsubscribeBackoff = 5 * time.Second
	return p
}

// seenTTL is nwaku's seenTTL: how long a message id is remembered.
const seenTTL = 2 * time.Minute

// peerScoreParams returns nwaku's peer-level scoring parameters (the
// score fields of GossipsubParameters). Per-topic parameters are
// topicScoreParams, set on each topic when it is joined.
func peerScoreParams() *pubsub.PeerScoreParams {
	return &pubsub.PeerScoreParams{
		Topics: map[string]*pubsub.TopicScoreParams{},
		// P5, application specific: unset in nwaku.
		AppSpecificScore:  func(peer.ID) float64 { return 0 },
		AppSpecificWeight: 0,
		// P6: penalise more than 5 peers sharing an IP.
		IPColocationFactorWeight:    -50,
		IPColocationFactorThreshold: 5,
		// P7: misbehaviour (e.g. GRAFT during backoff).
		BehaviourPenaltyWeight: -10,
		BehaviourPenaltyDecay:  0.986,
		DecayInterval:          12 * time.Second,
		DecayToZero:            0.01,
		RetainScore:            10 * time.Minute,
	}
}

// peerScoreThresholds returns nwaku's score thresholds. AcceptPXThreshold
// is not set by nwaku (PX is off unless peer exchange is mounted); it is
// set high here so that no peer's PX records are followed by default.
func peerScoreThresholds() *pubsub.PeerScoreThresholds {
	return &pubsub.PeerScoreThresholds{
		GossipThreshold:             -100,
		PublishThreshold:            -1000,
		GraylistThreshold:           -10000,
		AcceptPXThreshold:           100,
		OpportunisticGraftThreshold: 0,
	}
}

// topicScoreParams returns nwaku's TopicParameters, used for every pubsub
// topic.
func topicScoreParams() *pubsub.TopicScoreParams {
	return &pubsub.TopicScoreParams{
		TopicWeight: 1,
		// P1: time in mesh.
		TimeInMeshWeight:  0.01,
		TimeInMeshQuantum: time.Second,
		TimeInMeshCap:     10,
		// P2: first message deliveries.
		FirstMessageDeliveriesWeight: 1,
		FirstMessageDeliveriesDecay:  0.5,
		FirstMessageDeliveriesCap:    10,
		// P3, P3b: off in nwaku.
		MeshMessageDeliveriesWeight: 0,
		MeshFailurePenaltyWeight:    0,
		// P4: invalid messages.
		InvalidMessageDeliveriesWeight: -100,
		InvalidMessageDeliveriesDecay:  0.5,
	}
}

// messageID is nwaku's defaultMessageIdProvider
// (waku/waku_relay/message_id.nim): sha256 of the message bytes as they
// travel. It is not the deterministic message hash (message.Hash): a
// gossipsub message id must match what the other peers compute for the
// same bytes, or IHAVE/IWANT gossip with nwaku peers breaks.
func messageID(m *pb.Message) string {
	h := sha256.Sum256(m.GetData())
	return string(h[:])
}

// matchProtocol accepts ProtocolID with any suffix, as nwaku's
// protocolMatcher (waku/node/peer_manager/peer_manager.nim) does.
func matchProtocol(base protocol.ID) func(protocol.ID) bool {
	return func(p protocol.ID) bool { return strings.HasPrefix(string(p), string(base)) }
}

// features says what ProtocolID supports: gossipsub v1.1 (mesh and peer
// exchange). nim-libp2p sends IDONTWANT (v1.2) only on its own v1.2
// codec, never on nwaku's relay codec.
func features(f pubsub.GossipSubFeature, p protocol.ID) bool {
	switch f {
	case pubsub.GossipSubFeatureMesh, pubsub.GossipSubFeaturePX:
		return strings.HasPrefix(string(p), string(ProtocolID))
	default:
		return false
	}
}

// maxRPCSize is the largest gossipsub frame read from a peer.
const maxRPCSize = message.MaxSize + RPCOverhead
