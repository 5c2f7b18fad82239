package p2p_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/p2p/protocol/ping"
	"github.com/multiformats/go-multiaddr"

	"github.com/cairn-node/cairn/node/p2p"
)

func TestDefaultListenAddrsHaveWebSocket(t *testing.T) {
	want := "/ip4/0.0.0.0/tcp/0/ws"
	if !slices.Contains(p2p.DefaultListenAddrs, want) {
		t.Errorf("DefaultListenAddrs = %v, want it to contain %s", p2p.DefaultListenAddrs, want)
	}
	if p2p.DefaultWebSocketPort != 8000 {
		t.Errorf("DefaultWebSocketPort = %d, want 8000 (nwaku's --websocket-port)", p2p.DefaultWebSocketPort)
	}
}

// TestWebSocketDial checks that a host listening on /ws is reachable over
// WebSocket alone, as a browser (js-waku) reaches it.
func TestWebSocketDial(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	a := newHost(t, p2p.Options{ListenAddrs: []string{tcpLoopback, "/ip4/127.0.0.1/tcp/0/ws"}})
	ai := only(a.AddrInfo(), multiaddr.P_WS)
	if len(ai.Addrs) != 1 {
		t.Fatalf("host /ws addresses = %v, want one (all: %v)", ai.Addrs, a.Addrs())
	}
	b := newHost(t, p2p.Options{ListenAddrs: []string{}})
	if err := b.Connect(ctx, ai); err != nil {
		t.Fatalf("Connect(%v) = %v", ai, err)
	}
	conns := b.Network().ConnsToPeer(a.ID())
	if len(conns) != 1 {
		t.Fatalf("ConnsToPeer = %d connections, want 1", len(conns))
	}
	if _, err := conns[0].RemoteMultiaddr().ValueForProtocol(multiaddr.P_WS); err != nil {
		t.Errorf("connection over %s, want a /ws address", conns[0].RemoteMultiaddr())
	}
	if res := <-ping.Ping(ctx, b, a.ID()); res.Error != nil {
		t.Fatalf("ping over /ws = %v", res.Error)
	}
}
