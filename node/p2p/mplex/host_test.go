package mplex_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"
	"github.com/libp2p/go-libp2p/p2p/muxer/yamux"
	"github.com/libp2p/go-libp2p/p2p/protocol/ping"
	"github.com/libp2p/go-libp2p/p2p/security/noise"
	"github.com/libp2p/go-libp2p/p2p/transport/tcp"
	"github.com/libp2p/go-libp2p/p2p/transport/websocket"
	"github.com/multiformats/go-multiaddr"

	"github.com/cairn-node/cairn/node/p2p"
	"github.com/cairn-node/cairn/node/p2p/mplex"
)

// echoID is the echo protocol of these tests and of mplex_echo.mjs.
const echoID protocol.ID = "/cairn/mplex-echo/1.0.0"

// newHost builds a go-libp2p host on 127.0.0.1 whose only muxer is mplex,
// with the echo protocol; listen is a multiaddr.
func newHost(t *testing.T, listen string, opts ...libp2p.Option) host.Host {
	t.Helper()
	opts = append([]libp2p.Option{
		libp2p.ListenAddrStrings(listen),
		libp2p.Transport(tcp.NewTCPTransport),
		libp2p.Security(noise.ID, noise.New),
		libp2p.Muxer(mplex.ID, mplex.DefaultTransport),
		libp2p.DisableRelay(),
		libp2p.DisableMetrics(),
	}, opts...)
	h, err := libp2p.New(opts...)
	if err != nil {
		t.Fatalf("libp2p.New: %v", err)
	}
	t.Cleanup(func() { h.Close() })
	h.SetStreamHandler(echoID, func(s network.Stream) {
		defer s.Close()
		io.Copy(s, s)
	})
	return h
}

// muxerOf returns the stream multiplexer of h's connection to p.
func muxerOf(t *testing.T, h host.Host, p peer.ID) protocol.ID {
	t.Helper()
	conns := h.Network().ConnsToPeer(p)
	if len(conns) == 0 {
		t.Fatalf("no connection to %s", p)
	}
	return conns[0].ConnState().StreamMultiplexer
}

func TestHostsPingAndEcho(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	a := newHost(t, "/ip4/127.0.0.1/tcp/0")
	b := newHost(t, "/ip4/127.0.0.1/tcp/0")
	if err := a.Connect(ctx, peer.AddrInfo{ID: b.ID(), Addrs: b.Addrs()}); err != nil {
		t.Fatalf("Connect: %v", err)
	}
	if m := muxerOf(t, a, b.ID()); m != mplex.ID {
		t.Fatalf("muxer = %q, want %q", m, mplex.ID)
	}

	// libp2p.New serves /ipfs/ping/1.0.0 by default.
	res := <-ping.Ping(ctx, a, b.ID())
	if res.Error != nil || res.RTT <= 0 {
		t.Fatalf("ping = %v, %v; want an RTT", res.RTT, res.Error)
	}

	msg := bytes.Repeat([]byte("cairn mplex "), 300_000) // 3.6 MB: many frames
	for range 3 {                                        // both hosts open streams concurrently
		errs := make(chan error, 2)
		for _, pair := range [][2]host.Host{{a, b}, {b, a}} {
			go func() {
				s, err := pair[0].NewStream(ctx, pair[1].ID(), echoID)
				if err != nil {
					errs <- err
					return
				}
				defer s.Close()
				go func() {
					s.Write(msg)
					s.CloseWrite()
				}()
				got, err := io.ReadAll(s)
				if err == nil && !bytes.Equal(got, msg) {
					t.Errorf("echo returned %d bytes, want %d equal bytes", len(got), len(msg))
				}
				errs <- err
			}()
		}
		for range 2 {
			if err := <-errs; err != nil {
				t.Fatalf("echo: %v", err)
			}
		}
	}
}

// TestCairnHostOffersMplex dials a Cairn host (node/p2p) from clients
// with only mplex, over TCP and WebSocket (as js-waku does), and from one
// with yamux and mplex: the first get mplex, the last yamux.
func TestCairnHostOffersMplex(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ch, err := p2p.New(ctx, p2p.Options{
		ListenAddrs:         []string{"/ip4/127.0.0.1/tcp/0", "/ip4/127.0.0.1/tcp/0/ws"},
		DisableRelay:        true,
		DisableHolePunching: true,
		DisableAutoNATv2:    true,
		Logger:              slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer ch.Close()
	for _, tc := range []struct {
		name string
		ws   bool // dial the WebSocket address
		opts []libp2p.Option
		want protocol.ID
	}{
		{"mplex only over tcp", false, nil, mplex.ID},
		{"mplex only over websocket", true, []libp2p.Option{libp2p.Transport(websocket.New)}, mplex.ID},
		// Muxer options are in preference order.
		{"yamux and mplex", false, []libp2p.Option{libp2p.Muxer(yamux.ID, yamux.DefaultTransport), libp2p.Muxer(mplex.ID, mplex.DefaultTransport)}, yamux.ID},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := []libp2p.Option{
				libp2p.NoListenAddrs,
				libp2p.Transport(tcp.NewTCPTransport),
				libp2p.Security(noise.ID, noise.New),
				libp2p.DisableRelay(),
				libp2p.DisableMetrics(),
			}
			opts = append(opts, tc.opts...)
			if tc.want == mplex.ID {
				opts = append(opts, libp2p.Muxer(mplex.ID, mplex.DefaultTransport))
			}
			c, err := libp2p.New(opts...)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			ai := peer.AddrInfo{ID: ch.ID()}
			for _, a := range ch.Addrs() {
				if _, err := a.ValueForProtocol(multiaddr.P_WS); (err == nil) == tc.ws {
					ai.Addrs = append(ai.Addrs, a)
				}
			}
			if err := c.Connect(ctx, ai); err != nil {
				t.Fatalf("Connect(%v): %v", ai.Addrs, err)
			}
			if m := muxerOf(t, c, ch.ID()); m != tc.want {
				t.Fatalf("muxer = %q, want %q", m, tc.want)
			}
			if res := <-ping.Ping(ctx, c, ch.ID()); res.Error != nil {
				t.Fatalf("ping: %v", res.Error)
			}
		})
	}
}
