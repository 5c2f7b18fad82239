package discovery

import (
	"github.com/ethereum/go-ethereum/p2p/enode"

	"github.com/cairn-node/cairn/node/waku/enr"
)

// Predicate decides whether a discovered record is reported. It must be
// safe for concurrent use.
type Predicate func(*enode.Node) bool

// ShardPredicate is nwaku's shardingPredicate for a node relaying local:
// a record passes when it is one of bootnodes (same node ID and
// sequence), or when its waku2 field has a defined capability and its
// rs/rsv field lists one of local's shards in local's cluster.
func ShardPredicate(local enr.RelayShards, bootnodes []*enode.Node) Predicate {
	boot := make(map[enode.ID]uint64, len(bootnodes))
	for _, b := range bootnodes {
		boot[b.ID()] = b.Seq()
	}
	return func(n *enode.Node) bool {
		if seq, ok := boot[n.ID()]; ok && seq == n.Seq() {
			return true
		}
		caps, err := enr.CapabilitiesOf(n.Record())
		if err != nil || !caps.Defined() {
			return false
		}
		rs, err := enr.ShardsOf(n.Record())
		if err != nil {
			return false
		}
		for _, s := range local.Shards {
			if rs.Contains(local.Cluster, s) {
				return true
			}
		}
		return false
	}
}
