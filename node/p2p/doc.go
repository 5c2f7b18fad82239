// Package p2p builds the libp2p host of a Cairn node: TCP and QUIC
// transports, Noise security, Yamux streams, the circuit-relay client,
// AutoNAT (v1 client and v2) and hole punching, with an identity key kept
// in the data directory. An optional Kademlia DHT (go-libp2p-kad-dht)
// announces and finds content providers.
//
// # Usage
//
//	h, err := p2p.New(ctx, p2p.Options{
//		ListenAddrs: []string{"/ip4/0.0.0.0/tcp/0", "/ip4/0.0.0.0/udp/0/quic-v1"},
//		DataDir:     dir,
//		DHT:         p2p.DHTServer,
//		BootstrapPeers: peers, // none by default: nothing is dialled unasked
//	})
//	if err != nil {
//		return err
//	}
//	defer h.Close()
//	if err := h.Start(ctx); err != nil { // dial bootstrap peers, bootstrap the DHT
//		return err
//	}
//	svc, err := blockexc.New(h, store) // protocols take the host as a host.Host
//	err = h.Provide(ctx, manifestCID)
//	provs, err := h.FindProviders(ctx, manifestCID, 20)
//
// # Defaults that keep a node to itself
//
// New dials nothing: the DHT has no bootstrap peers unless Options gives
// some, NAT port mapping (UPnP / NAT-PMP, which talks to the LAN gateway)
// is off unless Options.NATPortMap is set, and there is no mDNS. Tests
// listen on 127.0.0.1 only.
//
// # Interoperability with Logos Storage
//
// The transports, Noise and Yamux are those nim-libp2p speaks, and the
// identity is a secp256k1 key as in Logos Storage (peer IDs "16Uiu2…").
// Discovery is not compatible: Logos Storage finds providers through its
// own discv5-derived DHT over UDP (nim-codex-dht, keys keccak256(CID),
// signed peer records), which is neither libp2p-kad nor reachable from it.
// The kad DHT here runs under its own protocol prefix (DefaultDHTPrefix),
// so it never joins the public IPFS DHT either.
package p2p
