package enr

import (
	"crypto/ecdsa"
	"errors"
	"fmt"
	"net"

	gethcrypto "github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/p2p/enode"
	gethenr "github.com/ethereum/go-ethereum/p2p/enr"
	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"
	ma "github.com/multiformats/go-multiaddr"
)

// ErrNoAddress is returned by AddrInfo for a record with no TCP address
// and no multiaddrs field: nothing a libp2p host can dial.
var ErrNoAddress = errors.New("enr: no dialable address in record")

// PeerID returns the libp2p peer ID of n's secp256k1 key.
func PeerID(n *enode.Node) (peer.ID, error) {
	pub := n.Pubkey()
	if pub == nil {
		return "", errors.New("enr: record has no secp256k1 key")
	}
	k, err := crypto.UnmarshalSecp256k1PublicKey(gethcrypto.CompressPubkey(pub))
	if err != nil {
		return "", fmt.Errorf("enr: public key: %w", err)
	}
	id, err := peer.IDFromPublicKey(k)
	if err != nil {
		return "", fmt.Errorf("enr: peer ID: %w", err)
	}
	return id, nil
}

// AddrInfo converts n to what a libp2p host dials: the peer ID of its key
// and its addresses, as nwaku's toRemotePeerInfo builds them (ip+tcp,
// ip6+tcp6 or ip6+tcp) followed by the multiaddrs field. UDP-only
// records give ErrNoAddress: nwaku's /udp addresses are not libp2p
// transports. A malformed multiaddrs field is ignored when TCP addresses
// exist.
func AddrInfo(n *enode.Node) (peer.AddrInfo, error) {
	id, err := PeerID(n)
	if err != nil {
		return peer.AddrInfo{}, err
	}
	r := n.Record()
	var addrs []ma.Multiaddr
	var ip4 gethenr.IPv4
	var ip6 gethenr.IPv6
	var tcp gethenr.TCP
	var tcp6 gethenr.TCP6
	hasTCP := r.Load(&tcp) == nil
	if r.Load(&ip4) == nil && hasTCP {
		addrs = appendTCP(addrs, net.IP(ip4), int(tcp))
	}
	if r.Load(&ip6) == nil {
		switch {
		case r.Load(&tcp6) == nil:
			addrs = appendTCP(addrs, net.IP(ip6), int(tcp6))
		case hasTCP:
			addrs = appendTCP(addrs, net.IP(ip6), int(tcp))
		}
	}
	extra, err := MultiaddrsOf(r)
	if err != nil && !errors.Is(err, ErrNoField) && len(addrs) == 0 {
		return peer.AddrInfo{}, err
	}
	addrs = append(addrs, extra...)
	if len(addrs) == 0 {
		return peer.AddrInfo{}, ErrNoAddress
	}
	return peer.AddrInfo{ID: id, Addrs: addrs}, nil
}

// AddrInfos converts records to dialable peers with AddrInfo, leaving out
// those it refuses (no secp256k1 key, no TCP or multiaddrs address).
func AddrInfos(nodes []*enode.Node) []peer.AddrInfo {
	var out []peer.AddrInfo
	for _, n := range nodes {
		if ai, err := AddrInfo(n); err == nil {
			out = append(out, ai)
		}
	}
	return out
}

// appendTCP appends /ip4|ip6/<ip>/tcp/<port> to addrs; an IP the
// multiaddr library refuses is skipped.
func appendTCP(addrs []ma.Multiaddr, ip net.IP, port int) []ma.Multiaddr {
	proto := "ip6"
	if ip.To4() != nil {
		proto = "ip4"
	}
	a, err := ma.NewMultiaddr(fmt.Sprintf("/%s/%s/tcp/%d", proto, ip, port))
	if err != nil {
		return addrs
	}
	return append(addrs, a)
}

// ECDSAKey converts a libp2p secp256k1 private key (a Cairn host's
// identity) to the go-ethereum form that signs records and runs discv5.
// Other key types are an error.
func ECDSAKey(k crypto.PrivKey) (*ecdsa.PrivateKey, error) {
	sk, ok := k.(*crypto.Secp256k1PrivateKey)
	if !ok {
		return nil, fmt.Errorf("enr: %T is not a secp256k1 key; ENRs need one", k)
	}
	raw, err := sk.Raw()
	if err != nil {
		return nil, fmt.Errorf("enr: raw key: %w", err)
	}
	ek, err := gethcrypto.ToECDSA(raw)
	if err != nil {
		return nil, fmt.Errorf("enr: convert key: %w", err)
	}
	return ek, nil
}
