package lightpush_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/cairn-node/cairn/node/relay"
	"github.com/cairn-node/cairn/node/relay/message"
	"github.com/cairn-node/cairn/node/waku/internal/wakustream"
	"github.com/cairn-node/cairn/node/waku/lightpush"
)

func newHost(t *testing.T) host.Host {
	t.Helper()
	h, err := libp2p.New(libp2p.ListenAddrStrings("/ip4/127.0.0.1/tcp/0"))
	if err != nil {
		t.Fatalf("libp2p.New() = %v", err)
	}
	t.Cleanup(func() { h.Close() })
	return h
}

func connect(t *testing.T, a, b host.Host) {
	t.Helper()
	if err := a.Connect(t.Context(), peer.AddrInfo{ID: b.ID(), Addrs: b.Addrs()}); err != nil {
		t.Fatalf("Connect() = %v", err)
	}
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func newRelay(t *testing.T, h host.Host) *relay.Relay {
	t.Helper()
	r, err := relay.New(t.Context(), h)
	if err != nil {
		t.Fatalf("relay.New() = %v", err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

// TestPushReachesRelayPeer runs a lightpush service on relay node A;
// a light client C pushes through A, and B, a relay peer of A, receives
// the message on its subscription: with v3 (explicit and autosharded
// topic) and with v2.
func TestPushReachesRelayPeer(t *testing.T) {
	ctx := ctxT(t)
	hA, hB, hC := newHost(t), newHost(t), newHost(t)
	rA, rB := newRelay(t, hA), newRelay(t, hB)
	const ct = "/app/1/lightpush/proto"
	parsed, _ := message.ParseContentTopic(ct)
	autoTopic := message.Shard(parsed, 1, 8).String()
	var subs []*relay.Subscription
	for _, tp := range []string{topic, autoTopic} {
		sub, err := rB.Subscribe(tp)
		if err != nil {
			t.Fatalf("Subscribe(%s) = %v", tp, err)
		}
		subs = append(subs, sub)
		if _, err := rA.Subscribe(tp); err != nil {
			t.Fatalf("Subscribe(%s) = %v", tp, err)
		}
	}
	connect(t, hA, hB)
	connect(t, hC, hA)
	for _, tp := range []string{topic, autoTopic} {
		waitFor(t, "B as relay peer of A on "+tp, func() bool { return slices.Contains(rA.Peers(tp), hB.ID()) })
	}
	reg := prometheus.NewRegistry()
	srv, err := lightpush.NewServer(hA, lightpush.RelayPublisher(rA), lightpush.WithMetrics(reg))
	if err != nil {
		t.Fatalf("NewServer() = %v", err)
	}
	t.Cleanup(func() { srv.Close() })

	m := message.Message{Payload: []byte("via lightpush v3"), ContentTopic: ct}
	res, err := lightpush.Push(ctx, hC, hA.ID(), topic, m)
	if err != nil || res.RelayPeerCount != 1 {
		t.Fatalf("Push() = %+v, %v, want 1 relay peer", res, err)
	}
	env := next(t, subs[0])
	if string(env.Message.Payload) != "via lightpush v3" || env.Hash != res.Hash || env.Message.Timestamp == 0 {
		t.Fatalf("B received %+v (hash %x), want the pushed message with hash %x", env.Message, env.Hash, res.Hash)
	}

	m.Payload = []byte("autosharded")
	if _, err := lightpush.Push(ctx, hC, hA.ID(), "", m); err != nil {
		t.Fatalf("Push(no pubsub topic) = %v", err)
	}
	if env := next(t, subs[1]); string(env.Message.Payload) != "autosharded" || env.PubsubTopic != autoTopic {
		t.Fatalf("B received %q on %s, want autosharded on %s", env.Message.Payload, env.PubsubTopic, autoTopic)
	}

	m.Payload = []byte("via lightpush v2")
	hash, err := lightpush.PushLegacy(ctx, hC, hA.ID(), topic, m)
	if err != nil {
		t.Fatalf("PushLegacy() = %v", err)
	}
	if env := next(t, subs[0]); string(env.Message.Payload) != "via lightpush v2" || env.Hash != hash {
		t.Fatalf("B received %q (hash %x), want the v2 message with hash %x", env.Message.Payload, env.Hash, hash)
	}
	if v := counterValue(t, reg, "waku_lightpush_v3_messages", "PushRequest"); v != 2 {
		t.Fatalf("waku_lightpush_v3_messages = %v, want 2", v)
	}
}

func next(t *testing.T, sub *relay.Subscription) relay.Envelope {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	env, err := sub.Next(ctx)
	if err != nil {
		t.Fatalf("Next() = %v", err)
	}
	return env
}

// fakePublisher answers with err and peers, and records the topics.
type fakePublisher struct {
	err    error
	peers  int
	topics chan string
}

func (f *fakePublisher) Publish(_ context.Context, t string, m message.Message) ([32]byte, error) {
	f.topics <- t
	return message.Hash(t, m), f.err
}

func (f *fakePublisher) PeerCount(string) int { return f.peers }

func TestStatusCodes(t *testing.T) {
	ctx := ctxT(t)
	m := message.Message{Payload: []byte("x"), ContentTopic: "/app/1/x/proto", Timestamp: 1}
	cases := []struct {
		name   string
		pub    fakePublisher
		opts   []lightpush.Option
		topic  string
		code   uint32
		desc   string
		legacy string // info of the v2 answer to the same push ("" = skip)
	}{
		{"no peers", fakePublisher{}, nil, topic, 505, "No peers for topic, skipping publish", "not_published_to_any_peer"},
		{"rejected", fakePublisher{err: fmt.Errorf("x: %w", relay.ErrRejected), peers: 1}, nil, topic, 420, "", "x: relay: message rejected by validator"},
		{"publisher status", fakePublisher{err: &lightpush.StatusError{Code: 504, Desc: "could not generate rln proof"}, peers: 1}, nil, topic, 504, "could not generate rln proof", "could not generate rln proof"},
		{"internal", fakePublisher{err: errors.New("boom"), peers: 1}, nil, topic, 500, "boom", "not_published_to_any_peer"},
		{"closed", fakePublisher{err: relay.ErrClosed, peers: 1}, nil, topic, 503, "", "not_published_to_any_peer"},
		{"other cluster", fakePublisher{}, nil, "/waku/2/rs/2/0", 421, "pubsub topic /waku/2/rs/2/0 is not in cluster 1", "pubsub topic /waku/2/rs/2/0 is not in cluster 1"},
		{"not a shard", fakePublisher{}, nil, "/my/topic", 421, "", ""},
		{"static sharding", fakePublisher{}, []lightpush.Option{lightpush.WithStaticSharding(1)}, "", 420, "Pubsub topic must be specified when static sharding is enabled", ""},
		{"other cluster configured", fakePublisher{peers: 2}, []lightpush.Option{lightpush.WithAutosharding(2, 4)}, "/waku/2/rs/2/3", 200, "", "OK"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			hS, hC := newHost(t), newHost(t)
			connect(t, hC, hS)
			c.pub.topics = make(chan string, 4)
			srv, err := lightpush.NewServer(hS, &c.pub, c.opts...)
			if err != nil {
				t.Fatalf("NewServer() = %v", err)
			}
			defer srv.Close()
			res, err := lightpush.Push(ctx, hC, hS.ID(), c.topic, m)
			if c.code == 200 {
				if err != nil || res.RelayPeerCount != 2 {
					t.Fatalf("Push() = %+v, %v, want 2 relay peers", res, err)
				}
			} else {
				var se *lightpush.StatusError
				if !errors.As(err, &se) || se.Code != c.code || (c.desc != "" && se.Desc != c.desc) {
					t.Fatalf("Push() = %v, want status %d %q", err, c.code, c.desc)
				}
			}
			if c.code == 505 && len(c.pub.topics) != 0 {
				t.Error("a push refused for lack of peers was published anyway")
			}
			if c.legacy == "" {
				return
			}
			_, err = lightpush.PushLegacy(ctx, hC, hS.ID(), c.topic, m)
			if c.legacy == "OK" {
				if err != nil {
					t.Fatalf("PushLegacy() = %v, want success", err)
				}
				return
			}
			if !errors.Is(err, lightpush.ErrRejected) || !strings.HasSuffix(err.Error(), ": "+c.legacy) {
				t.Fatalf("PushLegacy() = %v, want rejection %q", err, c.legacy)
			}
		})
	}
}

// TestMalformedRequests sends raw bytes no client sends; the server
// answers with an error status and keeps serving.
func TestMalformedRequests(t *testing.T) {
	hS, hC := newHost(t), newHost(t)
	connect(t, hC, hS)
	pub := &fakePublisher{peers: 1, topics: make(chan string, 4)}
	reg := prometheus.NewRegistry()
	srv, err := lightpush.NewServer(hS, pub, lightpush.WithMetrics(reg))
	if err != nil {
		t.Fatalf("NewServer() = %v", err)
	}
	defer srv.Close()
	huge := lightpush.Request{RequestID: "1", PubsubTopic: &topic,
		Message: message.Message{Payload: make([]byte, message.MaxSize), ContentTopic: "/a/1/b/c"}}.Encode()
	tooBig := make([]byte, lightpush.MaxRPCSize+1)
	for _, c := range []struct {
		name string
		raw  []byte
		code uint32
	}{
		{"garbage", []byte{0xff, 0xff}, 400},
		{"no message", unhex(t, "0a0131"), 400},
		{"message too large", huge, 413},
		{"request too large", tooBig, 413},
	} {
		resp, err := lightpush.DecodeResponse(raw(t, hC, hS.ID(), lightpush.ProtocolID, c.raw))
		if err != nil || resp.StatusCode != c.code || resp.RequestID != "N/A" || resp.StatusDesc == nil {
			t.Fatalf("%s: response = %+v, %v, want %d with request id N/A and a description", c.name, resp, err, c.code)
		}
	}
	if v := counterValue(t, reg, "waku_lightpush_v3_errors", "400"); v != 2 {
		t.Fatalf("waku_lightpush_v3_errors{type=400} = %v, want 2", v)
	}
	rpc, err := lightpush.DecodePushRPC(raw(t, hC, hS.ID(), lightpush.LegacyProtocolID, unhex(t, "0a0131")))
	if err != nil || rpc.RequestID != "1" || rpc.Response == nil || rpc.Response.IsSuccess || *rpc.Response.Info != "empty_request_body_failure" {
		t.Fatalf("legacy response to a request without body = %+v, %v", rpc, err)
	}
	if _, err := lightpush.Push(ctxT(t), hC, hS.ID(), topic, message.Message{Payload: []byte("ok"), ContentTopic: "/a/1/b/c"}); err != nil {
		t.Fatalf("Push() after malformed requests = %v", err)
	}
}

// raw sends b as one framed request on protocol id and returns the
// framed answer.
func raw(t *testing.T, h host.Host, p peer.ID, id protocol.ID, b []byte) []byte {
	t.Helper()
	st, err := h.NewStream(ctxT(t), p, id)
	if err != nil {
		t.Fatalf("NewStream() = %v", err)
	}
	defer st.Close()
	if err := wakustream.WriteMsg(st, b); err != nil {
		t.Fatalf("WriteMsg() = %v", err)
	}
	buf, err := wakustream.ReadMsg(st, lightpush.MaxRPCSize)
	if err != nil {
		t.Fatalf("ReadMsg() = %v", err)
	}
	return buf
}

// counterValue returns the counter name{type=label} registered on reg.
func counterValue(t *testing.T, reg *prometheus.Registry, name, label string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatalf("Gather() = %v", err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, lp := range m.GetLabel() {
				if lp.GetName() == "type" && lp.GetValue() == label {
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	t.Fatalf("no metric %s{type=%q}", name, label)
	return 0
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
