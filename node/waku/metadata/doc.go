// Package metadata runs Waku's metadata protocol, /vac/waku/metadata/1.0.0
// (RFC 66), the handshake by which two Waku nodes tell each other their
// cluster and shards, and vets every new connection with it as nwaku's
// peer manager does: a peer that reports another cluster, or no cluster,
// is disconnected and forgotten.
//
// # Wire format (nwaku waku_metadata/rpc.nim)
//
// Request and response are the same message, sent with a uvarint length
// prefix and at most MaxMessageSize bytes: cluster_id (1, uint32 varint,
// absent when unknown), shards (2, repeated uint32, the deprecated
// unpacked form) and shards (3, packed repeated uint32). nwaku writes both
// 2 and 3 and reads 3, else packed 2, else unpacked 2; so does Marshal and
// Unmarshal.
//
// # Usage
//
//	svc, err := metadata.New(h, metadata.Options{
//		ClusterID: 1,
//		Shards:    func() []uint16 { return []uint16{0, 1, 2, 3, 4, 5, 6, 7} },
//	})
//	svc.Start()       // vet every new connection (and those already open)
//	defer svc.Close()
//	m, err := svc.Request(ctx, p) // ask one peer
//	shards, ok := svc.PeerShards(p)
//
// # Peers that do not speak the protocol
//
// nwaku (peer_manager.nim, onPeerMetadata) gives no grace: any failure of
// the request, including "protocol not supported", disconnects the peer.
// A Cairn host also carries Logos Storage peers, which never speak Waku
// metadata, so by default a peer that refuses the protocol is kept;
// Options.DropNonWaku restores nwaku's rule.
package metadata
