package node

import (
	"context"
	"fmt"

	"github.com/ipfs/go-cid"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/multiformats/go-multiaddr"

	"github.com/cairn-node/cairn/node/p2p"
	"github.com/cairn-node/cairn/node/storage/blockexc"
	"github.com/cairn-node/cairn/node/storage/httpapi"
)

// network adapts the libp2p host and the block exchange to the storage
// API's httpapi.Network.
type network struct {
	host *p2p.Host
	ex   *blockexc.Exchange
}

var _ httpapi.Network = (*network)(nil)

func (n *network) PeerID() string { return n.host.ID().String() }

func (n *network) Addrs() []string {
	info := n.host.AddrInfo()
	out := make([]string, 0, len(info.Addrs))
	for _, a := range info.Addrs {
		out = append(out, a.String()+"/p2p/"+info.ID.String())
	}
	return out
}

func (n *network) Connect(ctx context.Context, id string, addrs []string) error {
	pid, err := peer.Decode(id)
	if err != nil {
		return fmt.Errorf("peer id %q: %w", id, err)
	}
	info := peer.AddrInfo{ID: pid}
	for _, a := range addrs {
		ma, err := multiaddr.NewMultiaddr(a)
		if err != nil {
			return fmt.Errorf("address %q: %w", a, err)
		}
		info.Addrs = append(info.Addrs, ma)
	}
	return n.host.Connect(ctx, info)
}

// Provide announces on the DHT that this node has dataset m; without a
// DHT it does nothing.
func (n *network) Provide(ctx context.Context, m cid.Cid) error {
	if n.host.DHT() == nil {
		return nil
	}
	return n.host.Provide(ctx, m)
}

// FetchManifest returns manifest m from a provider, storing nothing.
func (n *network) FetchManifest(ctx context.Context, m cid.Cid) ([]byte, error) {
	raw, _, err := n.ex.FetchManifest(ctx, m, n.providers(ctx, m))
	return raw, err
}

// Fetch downloads dataset m from the providers (see providers).
func (n *network) Fetch(ctx context.Context, m cid.Cid, progress func(done, total uint64)) error {
	var opts []blockexc.FetchOption
	if progress != nil {
		opts = append(opts, blockexc.WithProgress(func(p blockexc.Progress) { progress(p.Blocks, p.TotalBlocks) }))
	}
	return n.ex.FetchFrom(ctx, m, n.providers(ctx, m), opts...)
}

// providers returns the peers this node is connected to and the providers
// of m that the DHT knows, when it runs.
func (n *network) providers(ctx context.Context, m cid.Cid) []peer.ID {
	seen := map[peer.ID]bool{}
	var providers []peer.ID
	for _, p := range n.host.Network().Peers() {
		seen[p] = true
		providers = append(providers, p)
	}
	if n.host.DHT() != nil {
		if infos, err := n.host.FindProviders(ctx, m, 20); err == nil {
			for _, info := range infos {
				if !seen[info.ID] && info.ID != n.host.ID() {
					n.host.Peerstore().AddAddrs(info.ID, info.Addrs, 0)
					providers = append(providers, info.ID)
				}
			}
		}
	}
	return providers
}
