package lightpush_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/host"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/cairn-node/cairn/node/relay"
	"github.com/cairn-node/cairn/node/relay/message"
	"github.com/cairn-node/cairn/node/waku/internal/wakutest"
	"github.com/cairn-node/cairn/node/waku/lightpush"
)

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
	ctx := wakutest.Context(t)
	hA, hB, hC := wakutest.NewHost(t), wakutest.NewHost(t), wakutest.NewHost(t)
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
	wakutest.Connect(t, hA, hB)
	wakutest.Connect(t, hC, hA)
	for _, tp := range []string{topic, autoTopic} {
		wakutest.WaitFor(t, "B as relay peer of A on "+tp, func() bool { return slices.Contains(rA.Peers(tp), hB.ID()) })
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
	if v := wakutest.Metric(t, reg, "waku_lightpush_v3_messages", "PushRequest"); v != 2 {
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
	ctx := wakutest.Context(t)
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
			hS, hC := wakutest.NewHost(t), wakutest.NewHost(t)
			wakutest.Connect(t, hC, hS)
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
	hS, hC := wakutest.NewHost(t), wakutest.NewHost(t)
	wakutest.Connect(t, hC, hS)
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
		{"no message", wakutest.Unhex(t, "0a0131"), 400},
		{"message too large", huge, 413},
		{"request too large", tooBig, 413},
	} {
		resp, err := lightpush.DecodeResponse(wakutest.RoundTrip(t, hC, hS.ID(), lightpush.ProtocolID, c.raw, lightpush.MaxRPCSize))
		if err != nil || resp.StatusCode != c.code || resp.RequestID != "N/A" || resp.StatusDesc == nil {
			t.Fatalf("%s: response = %+v, %v, want %d with request id N/A and a description", c.name, resp, err, c.code)
		}
	}
	if v := wakutest.Metric(t, reg, "waku_lightpush_v3_errors", "400"); v != 2 {
		t.Fatalf("waku_lightpush_v3_errors{type=400} = %v, want 2", v)
	}
	rpc, err := lightpush.DecodePushRPC(wakutest.RoundTrip(t, hC, hS.ID(), lightpush.LegacyProtocolID, wakutest.Unhex(t, "0a0131"), lightpush.MaxRPCSize))
	if err != nil || rpc.RequestID != "1" || rpc.Response == nil || rpc.Response.IsSuccess || *rpc.Response.Info != "empty_request_body_failure" {
		t.Fatalf("legacy response to a request without body = %+v, %v", rpc, err)
	}
	if _, err := lightpush.Push(wakutest.Context(t), hC, hS.ID(), topic, message.Message{Payload: []byte("ok"), ContentTopic: "/a/1/b/c"}); err != nil {
		t.Fatalf("Push() after malformed requests = %v", err)
	}
}
