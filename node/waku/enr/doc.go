// Package enr builds and reads the Waku fields of Ethereum Node Records
// (EIP-778), as nwaku (waku/waku_enr) and js-waku (packages/enr) write
// them, on top of go-ethereum's p2p/enr and p2p/enode:
//
//   - "waku2": one byte, the capability bitfield of RFC 31 (Capabilities);
//   - "rs": relay shards as an index list, cluster u16 BE, a count byte,
//     then one u16 BE per shard (RelayShards.IndicesList);
//   - "rsv": relay shards as cluster u16 BE and a 128-byte bit vector, bit
//     i%8 of byte i/8 set for shard i (RelayShards.BitVector);
//   - "multiaddrs": multiaddrs without /p2p, each prefixed by its length
//     as u16 BE, for addresses ip/tcp cannot express (dns4, ws, wss).
//
// # Usage
//
//	node, err := enr.Build(key, enr.Fields{
//		IP: net.IPv4(192, 0, 2, 1), TCP: 60000, UDP: 9000,
//		Capabilities: enr.Relay | enr.Store,
//		Shards:       &enr.RelayShards{Cluster: 1, Shards: []uint16{0, 1, 2}},
//	})
//	text := node.String() // "enr:-…"
//
//	n, err := enr.Parse(text)
//	caps, err := enr.CapabilitiesOf(n.Record())
//	shards, err := enr.ShardsOf(n.Record())
//	ai, err := enr.AddrInfo(n) // libp2p peer ID and dialable addresses
//
// Readers return ErrNoField when a record lacks a field, and an error
// naming the field when its value is malformed; they never panic on
// records from the network.
package enr
