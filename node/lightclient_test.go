package node_test

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/cairn-node/cairn/node"
	"github.com/cairn-node/cairn/node/api"
	"github.com/cairn-node/cairn/node/relay/message"
	"github.com/cairn-node/cairn/node/waku/filter"
	"github.com/cairn-node/cairn/node/waku/lightpush"
	storeapi "github.com/cairn-node/cairn/node/waku/store/httpapi"
)

// addrInfo returns n's libp2p address from /debug/v1/info.
func addrInfo(t *testing.T, n *node.Node) peer.AddrInfo {
	t.Helper()
	var info api.DebugInfo
	getJSON(t, n.URL()+api.WakuDebugInfoPath, &info)
	if len(info.ListenAddresses) == 0 || !strings.HasPrefix(info.ENRURI, "enr:") {
		t.Fatalf("/debug/v1/info = %+v, want addresses and an ENR", info)
	}
	ai, err := peer.AddrInfoFromString(info.ListenAddresses[0])
	if err != nil {
		t.Fatal(err)
	}
	return *ai
}

// TestLightClientServices: a light client lightpushes a message through
// node A; a second light client subscribed with filter on node B receives
// it over the relay, and B's store answers a query for it through
// /store/v3/messages. /health reports every service ready.
func TestLightClientServices(t *testing.T) {
	a, b := startNode(t), startNode(t)
	connect(t, b, a)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	newLight := func() host.Host {
		h, err := libp2p.New(libp2p.ListenAddrStrings("/ip4/127.0.0.1/tcp/0"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { h.Close() })
		return h
	}
	pusher, listener := newLight(), newLight()
	aInfo, bInfo := addrInfo(t, a), addrInfo(t, b)
	if err := pusher.Connect(ctx, aInfo); err != nil {
		t.Fatal(err)
	}
	if err := listener.Connect(ctx, bInfo); err != nil {
		t.Fatal(err)
	}
	got := make(chan message.Message, 4)
	fc := filter.NewClient(listener, func(_ peer.ID, _ string, m message.Message) { got <- m }, nil)
	defer fc.Close()
	const ct = "/cairn/1/light/proto"
	ctp, _ := message.ParseContentTopic(ct)
	shard := message.Shard(ctp, message.DefaultClusterID, message.DefaultShardCount).String()
	if err := fc.Subscribe(ctx, bInfo.ID, shard, ct); err != nil {
		t.Fatalf("filter subscribe on B: %v", err)
	}

	// Push until A's mesh on the shard includes B (meshes form on the 1 s
	// heartbeat); before that, lightpush answers 505 (no peers).
	m := message.Message{Payload: []byte("hello, light client"), ContentTopic: ct, Timestamp: time.Now().UnixNano()}
	for {
		res, err := lightpush.Push(ctx, pusher, aInfo.ID, shard, m)
		if err == nil && res.RelayPeerCount > 0 {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("lightpush through A never reached a relay peer: %v", err)
		}
		time.Sleep(300 * time.Millisecond)
	}
	select {
	case pm := <-got:
		if string(pm.Payload) != string(m.Payload) || pm.ContentTopic != ct {
			t.Fatalf("filter push = %+v, want the pushed message", pm)
		}
	case <-ctx.Done():
		t.Fatal("no filter push from B")
	}

	var resp storeapi.Response
	for {
		getJSON(t, b.URL()+"/store/v3/messages?includeData=true&contentTopics="+url.QueryEscape(ct), &resp)
		if len(resp.Messages) > 0 || ctx.Err() != nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if resp.StatusCode != 200 || len(resp.Messages) != 1 || resp.Messages[0].Message == nil {
		t.Fatalf("store query on B = %+v, want the one message", resp)
	}
	if p, _ := base64.StdEncoding.DecodeString(resp.Messages[0].Message.Payload); string(p) != string(m.Payload) {
		t.Errorf("stored payload = %q, want %q", p, m.Payload)
	}

	var health api.HealthReport
	getJSON(t, a.URL()+api.WakuHealthPath, &health)
	if !health.Ready() {
		t.Errorf("/health = %+v, want Ready", health)
	}
	for _, p := range health.ProtocolsHealth {
		if p.Protocol == "Store" && p.Health != api.HealthReady {
			t.Errorf("/health Store = %s, want Ready", p.Health)
		}
	}
}

// TestRelayMetrics: relayed messages show in nwaku's metric names.
func TestRelayMetrics(t *testing.T) {
	a := startNode(t)
	postJSON(t, a.URL()+"/relay/v1/auto/messages", map[string]any{"payload": []byte("counted"), "contentTopic": "/cairn/1/metrics/proto"})
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		body := string(get(t, http.DefaultClient, a.URL()+"/metrics"))
		if strings.Contains(body, `waku_node_messages_total{type="relay"} 1`) {
			for _, name := range []string{"waku_histogram_message_size_bucket", "waku_relay_peers 0", "waku_archive_messages"} {
				if !strings.Contains(body, name) {
					t.Errorf("/metrics lacks %s", name)
				}
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("/metrics never counted the relayed message")
		}
	}
}

// TestClusterZero: a node on cluster 0 autoshards REST messages into its
// own cluster, so they reach its archive.
func TestClusterZero(t *testing.T) {
	cfg := testConfig(t)
	cfg.Waku.ClusterID = 0
	n := newNode(t, cfg)
	if err := n.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	const ct = "/cairn/1/zero/proto"
	postJSON(t, n.URL()+"/relay/v1/auto/messages", map[string]any{"payload": []byte("cluster 0"), "contentTopic": ct, "timestamp": time.Now().UnixNano()})
	var resp storeapi.Response
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		getJSON(t, n.URL()+"/store/v3/messages?includeData=true&contentTopics="+url.QueryEscape(ct), &resp)
		if len(resp.Messages) > 0 || time.Now().After(deadline) {
			break
		}
	}
	if len(resp.Messages) != 1 || resp.Messages[0].PubsubTopic == nil || !strings.HasPrefix(*resp.Messages[0].PubsubTopic, "/waku/2/rs/0/") {
		t.Fatalf("archive of a cluster-0 node = %+v, want the message on a /waku/2/rs/0/ shard", resp.Messages)
	}
}
