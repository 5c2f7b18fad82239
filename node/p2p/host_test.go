package p2p_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/p2p/protocol/ping"
	"github.com/multiformats/go-multiaddr"

	"github.com/cairn-node/cairn/node/p2p"
	"github.com/cairn-node/cairn/node/storage/cids"
)

// Loopback only: tests never listen on or dial another address.
var (
	tcpLoopback  = "/ip4/127.0.0.1/tcp/0"
	quicLoopback = "/ip4/127.0.0.1/udp/0/quic-v1"
)

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func newHost(t *testing.T, opts p2p.Options) *p2p.Host {
	t.Helper()
	if opts.ListenAddrs == nil {
		opts.ListenAddrs = []string{tcpLoopback}
	}
	if opts.Logger == nil {
		opts.Logger = quiet()
	}
	h, err := p2p.New(context.Background(), opts)
	if err != nil {
		t.Fatalf("p2p.New(%+v) = %v", opts, err)
	}
	t.Cleanup(func() { h.Close() })
	for _, a := range h.Addrs() {
		if !strings.HasPrefix(a.String(), "/ip4/127.0.0.1/") {
			t.Fatalf("host listens on %s, want loopback only", a)
		}
	}
	return h
}

// only keeps the addresses of ai that contain the protocol code proto.
func only(ai peer.AddrInfo, proto int) peer.AddrInfo {
	var out []multiaddr.Multiaddr
	for _, a := range ai.Addrs {
		if _, err := a.ValueForProtocol(proto); err == nil {
			out = append(out, a)
		}
	}
	return peer.AddrInfo{ID: ai.ID, Addrs: out}
}

func TestIdentityPersists(t *testing.T) {
	dir := t.TempDir()
	h1 := newHost(t, p2p.Options{DataDir: dir})
	id := h1.ID()
	if err := h1.Close(); err != nil {
		t.Fatalf("Close() = %v", err)
	}
	if err := h1.Close(); err != nil {
		t.Fatalf("second Close() = %v, want nil", err)
	}
	st, err := os.Stat(filepath.Join(dir, p2p.KeyFile))
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("key file mode = %v, want 0600", st.Mode().Perm())
	}
	h2 := newHost(t, p2p.Options{DataDir: dir})
	if h2.ID() != id {
		t.Errorf("peer ID after restart = %s, want %s", h2.ID(), id)
	}
	// Logos Storage peer IDs are secp256k1 ("16Uiu2…").
	if !strings.HasPrefix(id.String(), "16Uiu2") {
		t.Errorf("peer ID %s is not a secp256k1 ID", id)
	}

	keyPath := filepath.Join(t.TempDir(), "sub", "k.key")
	h3 := newHost(t, p2p.Options{PrivKeyPath: keyPath, DataDir: dir})
	if h3.ID() == id {
		t.Errorf("PrivKeyPath ignored: got the data dir's key")
	}
	if _, err := os.Stat(keyPath); err != nil {
		t.Errorf("PrivKeyPath not created: %v", err)
	}
}

func TestBadKeyFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bad.key")
	if err := os.WriteFile(path, []byte("not a key"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := p2p.New(context.Background(), p2p.Options{PrivKeyPath: path, ListenAddrs: []string{}, Logger: quiet()})
	if err == nil {
		t.Fatal("New with a corrupt key file = nil error")
	}
}

func TestTransports(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	a := newHost(t, p2p.Options{ListenAddrs: []string{tcpLoopback, quicLoopback}})
	for _, tc := range []struct {
		name  string
		proto int
	}{
		{"tcp", multiaddr.P_TCP},
		{"quic", multiaddr.P_QUIC_V1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := newHost(t, p2p.Options{ListenAddrs: []string{}})
			ai := only(a.AddrInfo(), tc.proto)
			if len(ai.Addrs) == 0 {
				t.Fatalf("host has no %s address: %v", tc.name, a.Addrs())
			}
			if err := b.Connect(ctx, ai); err != nil {
				t.Fatalf("Connect(%v) = %v", ai, err)
			}
			conns := b.Network().ConnsToPeer(a.ID())
			if len(conns) == 0 {
				t.Fatal("no connection after Connect")
			}
			if _, err := conns[0].RemoteMultiaddr().ValueForProtocol(tc.proto); err != nil {
				t.Errorf("connection over %s, want %s", conns[0].RemoteMultiaddr(), tc.name)
			}
			if got := conns[0].ConnState().Security; tc.proto == multiaddr.P_TCP && got != "/noise" {
				t.Errorf("security = %q, want /noise", got)
			}
			res := <-ping.Ping(ctx, b, a.ID())
			if res.Error != nil {
				t.Fatalf("ping = %v", res.Error)
			}
		})
	}
}

func TestDHT(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	off := newHost(t, p2p.Options{})
	if err := off.Provide(ctx, cids.Block([]byte("x"))); !errors.Is(err, p2p.ErrNoDHT) {
		t.Errorf("Provide without DHT = %v, want ErrNoDHT", err)
	}

	a := newHost(t, p2p.Options{DHT: p2p.DHTServer})
	boot := []peer.AddrInfo{a.AddrInfo()}
	b := newHost(t, p2p.Options{DHT: p2p.DHTServer, BootstrapPeers: boot})
	c := newHost(t, p2p.Options{DHT: p2p.DHTServer, BootstrapPeers: boot})
	for _, h := range []*p2p.Host{a, b, c} {
		if err := h.Start(ctx); err != nil {
			t.Fatalf("Start() = %v", err)
		}
	}
	// Wait until b and c have a in their routing tables.
	for _, h := range []*p2p.Host{b, c} {
		for h.DHT().RoutingTable().Size() == 0 {
			select {
			case <-ctx.Done():
				t.Fatal("routing table still empty")
			case <-time.After(20 * time.Millisecond):
			}
		}
	}
	key := cids.Manifest([]byte("a manifest"))
	if err := b.Provide(ctx, key); err != nil {
		t.Fatalf("Provide() = %v", err)
	}
	provs, err := c.FindProviders(ctx, key, 10)
	if err != nil {
		t.Fatalf("FindProviders() = %v", err)
	}
	if len(provs) != 1 || provs[0].ID != b.ID() {
		t.Fatalf("FindProviders() = %v, want [%s]", provs, b.ID())
	}
	none, err := c.FindProviders(ctx, cids.Manifest([]byte("nobody has this")), 10)
	if err != nil || len(none) != 0 {
		t.Errorf("FindProviders(unknown) = %v, %v; want none", none, err)
	}

	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.FindProviders(ctx, key, 1); !errors.Is(err, p2p.ErrClosed) {
		t.Errorf("FindProviders after Close = %v, want ErrClosed", err)
	}
}
