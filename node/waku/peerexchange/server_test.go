package peerexchange_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"os"
	"slices"
	"testing"
	"time"

	gethcrypto "github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/p2p/enode"
	"github.com/libp2p/go-libp2p"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-msgio"

	"github.com/cairn-node/cairn/node/waku/enr"
	"github.com/cairn-node/cairn/node/waku/peerexchange"
)

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// nwakuNodes returns the records of testdata/enrs.txt.
func nwakuNodes(t *testing.T) []*enode.Node {
	t.Helper()
	f, err := os.Open("testdata/enrs.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []*enode.Node
	for s := bufio.NewScanner(f); s.Scan(); {
		n, err := enr.Parse(s.Text())
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, n)
	}
	return out
}

// clusterNode builds a record on cluster with one shard.
func clusterNode(t *testing.T, cluster uint16, port int) *enode.Node {
	t.Helper()
	key, _ := gethcrypto.GenerateKey()
	n, err := enr.Build(key, enr.Fields{IP: net.IPv4(127, 0, 0, 1), TCP: port, Capabilities: enr.Relay,
		Shards: &enr.RelayShards{Cluster: cluster, Shards: []uint16{0}}})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// pair starts a server host with src and a client host connected to it.
func pair(t *testing.T, src peerexchange.Source, opts peerexchange.ServerOptions) (srv, cli host.Host) {
	t.Helper()
	var hs [2]host.Host
	for i := range hs {
		h, err := libp2p.New(libp2p.ListenAddrStrings("/ip4/127.0.0.1/tcp/0"), libp2p.DisableRelay())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { h.Close() })
		hs[i] = h
	}
	opts.Logger = quiet()
	s, err := peerexchange.NewServer(hs[0], src, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := hs[1].Connect(context.Background(), peer.AddrInfo{ID: hs[0].ID(), Addrs: hs[0].Addrs()}); err != nil {
		t.Fatal(err)
	}
	return hs[0], hs[1]
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return c
}

// TestExchangeNwakuRecords serves nwaku's two test records and checks what
// the client makes of them.
func TestExchangeNwakuRecords(t *testing.T) {
	nodes := nwakuNodes(t)
	srv, cli := pair(t, peerexchange.SourceFunc(func() []*enode.Node { return nodes }), peerexchange.ServerOptions{})
	got, err := peerexchange.Request(ctx(t), cli, srv.ID(), peerexchange.DefaultNumPeers)
	if err != nil {
		t.Fatalf("Request = %v", err)
	}
	if len(got) != 2 {
		t.Fatalf("Request returned %d records, want 2", len(got))
	}
	var gotTexts, wantTexts []string
	for i := range got {
		gotTexts, wantTexts = append(gotTexts, got[i].String()), append(wantTexts, nodes[i].String())
	}
	slices.Sort(gotTexts)
	slices.Sort(wantTexts)
	if !slices.Equal(gotTexts, wantTexts) {
		t.Errorf("records = %q, want %q", gotTexts, wantTexts)
	}
	var addrs []string
	for _, ai := range enr.AddrInfos(got) {
		for _, a := range ai.Addrs {
			addrs = append(addrs, a.String())
		}
	}
	slices.Sort(addrs)
	if want := []string{"/ip4/127.0.0.1/tcp/60002", "/ip4/142.93.233.82/tcp/60002"}; !slices.Equal(addrs, want) {
		t.Errorf("AddrInfos addresses = %q, want %q", addrs, want)
	}
	if caps, err := enr.CapabilitiesOf(nodes[0].Record()); err != nil || caps != enr.Relay|enr.Store|enr.Filter|enr.Lightpush {
		t.Errorf("nwaku enr1 waku2 = %v, %v; want relay|store|filter|lightpush (0x0f)", caps, err)
	}
}

func TestLimitsAndFilter(t *testing.T) {
	var nodes []*enode.Node
	for i := range 70 {
		nodes = append(nodes, clusterNode(t, 1, 1000+i))
	}
	nodes = append(nodes, clusterNode(t, 2, 999))
	cluster := uint16(2)
	srv, cli := pair(t, peerexchange.SourceFunc(func() []*enode.Node { return nodes }), peerexchange.ServerOptions{ClusterID: &cluster})
	got, err := peerexchange.Request(ctx(t), cli, srv.ID(), 100)
	if err != nil || len(got) != 1 || got[0].TCP() != 999 {
		t.Errorf("Request(cluster 2 filter) = %d records, %v; want the one on cluster 2", len(got), err)
	}

	srv2, cli2 := pair(t, peerexchange.SourceFunc(func() []*enode.Node { return nodes }), peerexchange.ServerOptions{})
	for _, tc := range []struct{ ask, want int }{{100, peerexchange.MaxPeersPerResponse}, {3, 3}, {0, 0}} {
		got, err := peerexchange.Request(ctx(t), cli2, srv2.ID(), uint64(tc.ask))
		if err != nil || len(got) != tc.want {
			t.Errorf("Request(%d) = %d records, %v; want %d", tc.ask, len(got), err, tc.want)
		}
	}
}

// TestBadRequest sends a message without the request field and expects
// BAD_REQUEST with a reason.
func TestBadRequest(t *testing.T) {
	srv, cli := pair(t, peerexchange.SourceFunc(func() []*enode.Node { return nil }), peerexchange.ServerOptions{})
	st, err := cli.NewStream(ctx(t), srv.ID(), peerexchange.ID)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := msgio.NewVarintWriter(st).WriteMsg([]byte{0x12, 0x00}); err != nil {
		t.Fatal(err)
	}
	b, err := msgio.NewVarintReaderSize(st, peerexchange.MaxRPCSize).ReadMsg()
	if err != nil {
		t.Fatal(err)
	}
	r, err := peerexchange.Unmarshal(b)
	if err != nil || r.Response.Status != peerexchange.StatusBadRequest || !r.Response.HasDesc {
		t.Errorf("response = %+v, %v; want BAD_REQUEST with a description", r, err)
	}
	var se *peerexchange.StatusError
	if !errors.As(&peerexchange.StatusError{Code: peerexchange.StatusBadRequest}, &se) || se.Error() != "peerexchange: status 400 BAD_REQUEST" {
		t.Errorf("StatusError text = %q", se.Error())
	}
}

// TestNotServed checks the error when the peer does not run the protocol.
func TestNotServed(t *testing.T) {
	srv, cli := pair(t, peerexchange.SourceFunc(func() []*enode.Node { return nil }), peerexchange.ServerOptions{})
	srv.RemoveStreamHandler(peerexchange.ID)
	if _, err := peerexchange.Request(ctx(t), cli, srv.ID(), 5); err == nil {
		t.Error("Request to a peer without the protocol: no error")
	}
}
