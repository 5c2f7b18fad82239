package metadata_test

import (
	"context"
	"io"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/cairn-node/cairn/node/waku/metadata"
)

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// newHost starts a libp2p host on loopback TCP only.
func newHost(t *testing.T) host.Host {
	t.Helper()
	h, err := libp2p.New(libp2p.ListenAddrStrings("/ip4/127.0.0.1/tcp/0"), libp2p.DisableRelay())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	return h
}

// newService runs metadata on h for cluster with shards 0..7, vetting.
func newService(t *testing.T, h host.Host, cluster uint16, dropNonWaku bool) *metadata.Service {
	t.Helper()
	s, err := metadata.New(h, metadata.Options{
		ClusterID:   cluster,
		Shards:      func() []uint16 { return []uint16{0, 1, 2, 3, 4, 5, 6, 7} },
		DropNonWaku: dropNonWaku,
		Timeout:     5 * time.Second,
		Logger:      quiet(),
	})
	if err != nil {
		t.Fatal(err)
	}
	s.Start()
	t.Cleanup(func() { s.Close() })
	return s
}

func connect(t *testing.T, from, to host.Host) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := from.Connect(ctx, peer.AddrInfo{ID: to.ID(), Addrs: to.Addrs()}); err != nil {
		t.Fatalf("Connect = %v", err)
	}
}

// waitFor polls cond for up to 10 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

func TestRequest(t *testing.T) {
	a, b := newHost(t), newHost(t)
	sa, _ := metadata.New(a, metadata.Options{ClusterID: 1, Logger: quiet()})
	defer sa.Close()
	sb, _ := metadata.New(b, metadata.Options{ClusterID: 1, Shards: func() []uint16 { return []uint16{3, 4} }, Logger: quiet()})
	defer sb.Close()
	connect(t, a, b)
	m, err := sa.Request(context.Background(), b.ID())
	if err != nil || !m.HasClusterID || m.ClusterID != 1 || !slices.Equal(m.Shards, []uint32{3, 4}) {
		t.Fatalf("Request = %+v, %v; want cluster 1 shards [3 4]", m, err)
	}
	sb.Close()
	if _, err := sb.Request(context.Background(), a.ID()); err != metadata.ErrClosed {
		t.Errorf("Request after Close = %v, want ErrClosed", err)
	}
}

// TestVetting connects a cluster-1 node to a cluster-1 node, a cluster-2
// node and a host without the protocol, with nwaku's rules.
func TestVetting(t *testing.T) {
	a := newHost(t)
	sa := newService(t, a, 1, false)

	same := newHost(t)
	newService(t, same, 1, false)
	connect(t, a, same)
	waitFor(t, "same-cluster peer vetted", func() bool { _, ok := sa.PeerShards(same.ID()); return ok })
	if got, _ := sa.PeerShards(same.ID()); !slices.Equal(got, []uint32{0, 1, 2, 3, 4, 5, 6, 7}) {
		t.Errorf("PeerShards(same) = %v, want 0..7", got)
	}
	if a.Network().Connectedness(same.ID()) != network.Connected {
		t.Error("same-cluster peer disconnected")
	}

	other := newHost(t)
	newService(t, other, 2, false)
	connect(t, other, a) // inbound to a: both ends vet and both drop
	waitFor(t, "other-cluster peer dropped", func() bool {
		return a.Network().Connectedness(other.ID()) != network.Connected
	})
	if _, ok := sa.PeerShards(other.ID()); ok {
		t.Error("PeerShards(other cluster) reported shards")
	}

	plain := newHost(t) // speaks no Waku metadata: kept by default
	connect(t, a, plain)
	time.Sleep(500 * time.Millisecond)
	if a.Network().Connectedness(plain.ID()) != network.Connected {
		t.Error("non-Waku peer dropped without DropNonWaku")
	}
	if a.Network().Connectedness(same.ID()) != network.Connected {
		t.Error("same-cluster peer dropped later")
	}
}

func TestDropNonWaku(t *testing.T) {
	a := newHost(t)
	newService(t, a, 1, true)
	plain := newHost(t)
	connect(t, plain, a)
	waitFor(t, "non-Waku peer dropped", func() bool {
		return a.Network().Connectedness(plain.ID()) != network.Connected
	})
}

// TestStartVetsExisting checks that Start vets peers connected before it.
func TestStartVetsExisting(t *testing.T) {
	a, other := newHost(t), newHost(t)
	newService(t, other, 7, false)
	connect(t, a, other)
	sa, err := metadata.New(a, metadata.Options{ClusterID: 1, Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	defer sa.Close()
	sa.Start()
	waitFor(t, "existing other-cluster peer dropped", func() bool {
		return a.Network().Connectedness(other.ID()) != network.Connected
	})
}
