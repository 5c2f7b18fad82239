// Package peerexchange runs Waku peer exchange,
// /vac/waku/peer-exchange/2.0.0-alpha1 (RFC 34): a node that cannot run
// discv5 (a browser, a node behind a strict NAT) asks a peer for ENRs of
// peers it knows.
//
// # Wire format (nwaku waku_peer_exchange/rpc_codec.nim)
//
// Each side sends one PeerExchangeRpc with a uvarint length prefix, at
// most MaxRPCSize bytes:
//
//	PeerExchangeRpc      { request 1: Request, response 2: Response }
//	PeerExchangeRequest  { num_peers 1: uint64 }
//	PeerExchangeResponse { peer_infos 1: repeated PeerInfo,
//	                       status_code 10: uint32, status_desc 11: string }
//	PeerExchangePeerInfo { enr 1: bytes (RLP record) }
//
// nwaku always writes both request and response (a request carries an
// empty response with status 0, a response a request for 0 peers); the
// request field is required when decoding.
//
// # Usage
//
//	srv, err := peerexchange.NewServer(h, src, peerexchange.ServerOptions{ClusterID: &cluster})
//	defer srv.Close()
//	nodes, err := peerexchange.Request(ctx, h, p, peerexchange.DefaultNumPeers)
//	infos := enr.AddrInfos(nodes) // to dial
package peerexchange
