// Package discovery finds Waku peers the two ways nwaku does, and hands
// them over as libp2p peer.AddrInfo values:
//
//   - Discv5 runs Ethereum's discovery v5 (go-ethereum p2p/discover) on
//     a UDP port with a local record carrying the Waku fields (waku2, rs or
//     rsv, multiaddrs, tcp), walks the DHT at random and reports every new
//     record that passes a predicate; by default nwaku's shardingPredicate:
//     a bootnode, or a record with a defined capability that relays one of
//     our shards in our cluster (RFC 64).
//   - ResolveDNS reads EIP-1459 node lists (enrtree:// URLs) with
//     go-ethereum p2p/dnsdisc, through a Resolver that tests replace.
//
// # Usage
//
//	d, err := discovery.NewDiscv5(discovery.Discv5Options{
//		Key:        ecdsaKey, // enr.ECDSAKey(host's libp2p key)
//		ListenAddr: "0.0.0.0:9000",
//		Bootnodes:  boot,
//		Local: enr.Fields{TCP: 60000, Capabilities: enr.Relay,
//			Shards: &enr.RelayShards{Cluster: 1, Shards: []uint16{0, 1, 2, 3, 4, 5, 6, 7}}},
//		OnPeer: func(ai peer.AddrInfo, n *enode.Node) { go h.Connect(ctx, ai) },
//	})
//	err = d.Start()
//	defer d.Close()
//
//	nodes, err := discovery.ResolveDNS(ctx, []string{"enrtree://…"}, discovery.DNSOptions{})
//	infos := enr.AddrInfos(nodes)
package discovery
