package discovery_test

import (
	"net"
	"sync"
	"testing"
	"time"

	gethcrypto "github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/p2p/enode"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/cairn-node/cairn/node/waku/discovery"
	"github.com/cairn-node/cairn/node/waku/enr"
)

// found collects what OnPeer reports.
type found struct {
	mu    sync.Mutex
	nodes map[enode.ID]*enode.Node
	infos map[enode.ID]peer.AddrInfo
}

func (f *found) add(ai peer.AddrInfo, n *enode.Node) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.nodes[n.ID()], f.infos[n.ID()] = n, ai
}

func (f *found) has(id enode.ID) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.nodes[id] != nil
}

// startNode runs discv5 on 127.0.0.1 (a free UDP port) on cluster with
// shards, TCP port tcp, reporting into the returned collector.
func startNode(t *testing.T, cluster uint16, shards []uint16, tcp int, boot ...*enode.Node) (*discovery.Discv5, *found) {
	t.Helper()
	key, err := gethcrypto.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	f := &found{nodes: map[enode.ID]*enode.Node{}, infos: map[enode.ID]peer.AddrInfo{}}
	d, err := discovery.NewDiscv5(discovery.Discv5Options{
		Key:        key,
		ListenAddr: "127.0.0.1:0",
		Bootnodes:  boot,
		Local: enr.Fields{TCP: tcp, Capabilities: enr.Relay | enr.Store,
			Shards: &enr.RelayShards{Cluster: cluster, Shards: shards}},
		OnPeer: f.add,
		Logger: quiet(),
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Start(); err != nil {
		t.Fatalf("Start = %v", err)
	}
	t.Cleanup(func() { d.Close() })
	return d, f
}

// TestDiscv5 runs four nodes on loopback: a bootnode on cluster 1, two
// cluster-1 nodes that know only the bootnode, and a cluster-2 node. The
// cluster-1 nodes must find each other with their Waku fields, and never
// report the cluster-2 node.
func TestDiscv5(t *testing.T) {
	boot, _ := startNode(t, 1, []uint16{0}, 60000)
	bootRec := boot.Self()
	if ip := bootRec.IPAddr(); !ip.IsLoopback() || bootRec.UDP() == 0 {
		t.Fatalf("bootnode record ip %v udp %d, want 127.0.0.1 and its port", ip, bootRec.UDP())
	}
	b, fb := startNode(t, 1, []uint16{0, 1}, 60001, bootRec)
	c, fc := startNode(t, 1, []uint16{1, 2}, 60002, bootRec)
	other, _ := startNode(t, 2, []uint16{0, 1}, 60003, bootRec)

	deadline := time.Now().Add(30 * time.Second)
	for !(fb.has(c.Self().ID()) && fc.has(b.Self().ID())) {
		if time.Now().After(deadline) {
			t.Fatalf("b found c: %v, c found b: %v", fb.has(c.Self().ID()), fc.has(b.Self().ID()))
		}
		time.Sleep(50 * time.Millisecond)
	}
	fb.mu.Lock()
	n, ai := fb.nodes[c.Self().ID()], fb.infos[c.Self().ID()]
	fb.mu.Unlock()
	if caps, err := enr.CapabilitiesOf(n.Record()); err != nil || caps != enr.Relay|enr.Store {
		t.Errorf("c's waku2 as b found it = %v, %v; want relay|store", caps, err)
	}
	if rs, err := enr.ShardsOf(n.Record()); err != nil || !rs.Contains(1, 1) || !rs.Contains(1, 2) {
		t.Errorf("c's shards as b found them = %v, %v; want cluster 1 shards 1, 2", rs, err)
	}
	wantID, _ := enr.PeerID(c.Self())
	if ai.ID != wantID || len(ai.Addrs) != 1 || ai.Addrs[0].String() != "/ip4/127.0.0.1/tcp/60002" {
		t.Errorf("c's AddrInfo = %v, want %s at /ip4/127.0.0.1/tcp/60002", ai, wantID)
	}
	if !fb.has(bootRec.ID()) {
		t.Error("b did not report its bootnode (nwaku's bootnode exception)")
	}
	if fb.has(other.Self().ID()) || fc.has(other.Self().ID()) {
		t.Error("a cluster-2 node was reported to cluster-1 nodes")
	}
	if got := len(b.PeerENRs()); got < 2 {
		t.Errorf("PeerENRs() = %d records, want at least bootnode and c", got)
	}
}

func TestDiscv5Lifecycle(t *testing.T) {
	if _, err := discovery.NewDiscv5(discovery.Discv5Options{}); err == nil {
		t.Error("NewDiscv5 without a key: no error")
	}
	key, _ := gethcrypto.GenerateKey()
	d, err := discovery.NewDiscv5(discovery.Discv5Options{Key: key, ListenAddr: "127.0.0.1:0", Logger: quiet(),
		Local: enr.Fields{IP: net.IPv4(127, 0, 0, 2), TCP: 1}})
	if err != nil {
		t.Fatal(err)
	}
	if d.Self() != nil {
		t.Error("Self before Start is not nil")
	}
	if err := d.Start(); err != nil {
		t.Fatal(err)
	}
	if got := d.Self().IPAddr().String(); got != "127.0.0.2" {
		t.Errorf("Self ip = %s, want the static 127.0.0.2", got)
	}
	if err := d.Start(); err == nil {
		t.Error("second Start: no error")
	}
	d.Close()
	if err := d.Close(); err != nil {
		t.Errorf("second Close = %v", err)
	}
	if err := d.Start(); err != discovery.ErrClosed {
		t.Errorf("Start after Close = %v, want ErrClosed", err)
	}
}
