package filter_test

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/cairn-node/cairn/node/relay/message"
	"github.com/cairn-node/cairn/node/waku/filter"
	"github.com/cairn-node/cairn/node/waku/internal/wakutest"
)

type pushed struct {
	from  peer.ID
	topic string
	msg   message.Message
}

// fixture is a filter server and one connected client.
type fixture struct {
	srv    *filter.Server
	srvH   host.Host
	client *filter.Client
	inbox  chan pushed
	reg    *prometheus.Registry
}

func newFixture(t *testing.T, opts ...filter.Option) *fixture {
	t.Helper()
	f := &fixture{srvH: wakutest.NewHost(t), inbox: make(chan pushed, 100), reg: prometheus.NewRegistry()}
	srv, err := filter.NewServer(f.srvH, append([]filter.Option{filter.WithMetrics(f.reg), filter.WithLogger(quiet)}, opts...)...)
	if err != nil {
		t.Fatalf("NewServer() = %v", err)
	}
	t.Cleanup(func() { srv.Close() })
	f.srv = srv
	f.client = f.newClient(t, func(from peer.ID, topic string, m message.Message) { f.inbox <- pushed{from, topic, m} })
	return f
}

func (f *fixture) newClient(t *testing.T, h filter.PushHandler) *filter.Client {
	t.Helper()
	ch := wakutest.NewHost(t)
	wakutest.Connect(t, ch, f.srvH)
	c := filter.NewClient(ch, h, quiet)
	t.Cleanup(func() { c.Close() })
	return c
}

func msg(ct, payload string) message.Message {
	return message.Message{Payload: []byte(payload), ContentTopic: ct, Timestamp: 42}
}

// next returns the next push, failing after 3 s.
func (f *fixture) next(t *testing.T) pushed {
	t.Helper()
	select {
	case p := <-f.inbox:
		return p
	case <-time.After(3 * time.Second):
		t.Fatalf("no push within 3 s")
		return pushed{}
	}
}

// wantStatus checks that err is a *filter.StatusError with code and desc.
func wantStatus(t *testing.T, what string, err error, code uint32, desc string) {
	t.Helper()
	var se *filter.StatusError
	if !errors.As(err, &se) || se.Code != code || (desc != "" && se.Desc != desc) {
		t.Fatalf("%s = %v, want status %d %q", what, err, code, desc)
	}
}

// quiet discards the logs of the services under test.
var quiet = slog.New(slog.DiscardHandler)

const ct1, ct2 = "/app/1/one/proto", "/app/1/two/proto"

func TestSubscribePushUnsubscribe(t *testing.T) {
	f := newFixture(t)
	ctx := wakutest.Context(t)
	srvID := f.srvH.ID()
	if err := f.client.Subscribe(ctx, srvID, topic, ct1); err != nil {
		t.Fatalf("Subscribe() = %v", err)
	}
	if err := f.client.Ping(ctx, srvID); err != nil {
		t.Fatalf("Ping() = %v", err)
	}
	// Non-matching messages first; pushes to one peer keep their order,
	// so the first push must be the matching one.
	f.srv.HandleMessage(topic, msg(ct2, "other content topic"))
	f.srv.HandleMessage("/waku/2/rs/1/5", msg(ct1, "other shard"))
	want := msg(ct1, "hello")
	f.srv.HandleMessage(topic, want)
	f.srv.HandleMessage(topic, want) // duplicate: pushed once
	f.srv.HandleMessage(topic, msg(ct1, "second"))
	if got := f.next(t); got.from != srvID || got.topic != topic || string(got.msg.Payload) != "hello" || got.msg.Timestamp != 42 {
		t.Fatalf("first push = %+v, want hello on %s from the server", got, topic)
	}
	if got := f.next(t); string(got.msg.Payload) != "second" {
		t.Fatalf("second push = %q, want %q (the duplicate must be dropped)", got.msg.Payload, "second")
	}

	if err := f.client.Subscribe(ctx, srvID, topic, ct2); err != nil {
		t.Fatalf("Subscribe(ct2) = %v", err)
	}
	if err := f.client.Unsubscribe(ctx, srvID, topic, ct1); err != nil {
		t.Fatalf("Unsubscribe(ct1) = %v", err)
	}
	f.srv.HandleMessage(topic, msg(ct1, "after unsubscribe"))
	f.srv.HandleMessage(topic, msg(ct2, "marker"))
	if got := f.next(t); string(got.msg.Payload) != "marker" {
		t.Fatalf("push after Unsubscribe(ct1) = %q, want marker", got.msg.Payload)
	}
	if err := f.client.UnsubscribeAll(ctx, srvID); err != nil {
		t.Fatalf("UnsubscribeAll() = %v", err)
	}
	wantStatus(t, "Ping() after UnsubscribeAll", f.client.Ping(ctx, srvID), filter.StatusNotFound, "NOT_FOUND: peer has no subscriptions")
	if n := f.srv.SubscriberCount(); n != 0 {
		t.Fatalf("SubscriberCount() = %d, want 0", n)
	}
	if v := wakutest.Metric(t, f.reg, "waku_filter_requests", "SUBSCRIBE"); v != 2 {
		t.Fatalf("waku_filter_requests{type=SUBSCRIBE} = %v, want 2", v)
	}
}

func TestAutosharding(t *testing.T) {
	f := newFixture(t)
	ctx := wakutest.Context(t)
	if err := f.client.Subscribe(ctx, f.srvH.ID(), "", ct1); err != nil {
		t.Fatalf("Subscribe(no pubsub topic) = %v", err)
	}
	parsed, _ := message.ParseContentTopic(ct1)
	shard := message.Shard(parsed, 1, 8).String()
	f.srv.HandleMessage(shard, msg(ct1, "autosharded"))
	if got := f.next(t); got.topic != shard || string(got.msg.Payload) != "autosharded" {
		t.Fatalf("push = %+v, want autosharded on %s", got, shard)
	}
	static := newFixture(t, filter.WithStaticSharding())
	wantStatus(t, "Subscribe(no pubsub topic, static sharding)", static.client.Subscribe(ctx, static.srvH.ID(), "", ct1),
		filter.StatusBadRequest, "BAD_REQUEST: pubsubTopic and contentTopics must be specified")
	wantStatus(t, "Subscribe(bad content topic)", f.client.Subscribe(ctx, f.srvH.ID(), "", "not-a-topic"), filter.StatusBadRequest, "")
}

func TestRequestErrors(t *testing.T) {
	f := newFixture(t, filter.WithLimits(1, 3))
	ctx := wakutest.Context(t)
	id := f.srvH.ID()
	wantStatus(t, "Subscribe(no content topics)", f.client.Subscribe(ctx, id, topic),
		filter.StatusBadRequest, "BAD_REQUEST: pubsubTopic and contentTopics must be specified")
	many := make([]string, filter.MaxContentTopicsPerRequest+1)
	for i := range many {
		many[i] = fmt.Sprintf("/app/1/t%d/proto", i)
	}
	wantStatus(t, "Subscribe(101 content topics)", f.client.Subscribe(ctx, id, topic, many...),
		filter.StatusBadRequest, "BAD_REQUEST: exceeds maximum content topics: 100")
	wantStatus(t, "Unsubscribe() without subscription", f.client.Unsubscribe(ctx, id, topic, ct1),
		filter.StatusNotFound, "NOT_FOUND: peer has no subscriptions")
	wantStatus(t, "Ping() without subscription", f.client.Ping(ctx, id), filter.StatusNotFound, "")
	if err := f.client.Subscribe(ctx, id, topic, ct1, ct2); err != nil {
		t.Fatalf("Subscribe() = %v", err)
	}
	wantStatus(t, "Subscribe() above 3 criteria", f.client.Subscribe(ctx, id, topic, "/a/1/c/p", "/a/1/d/p"),
		filter.StatusServiceUnavailable, "SERVICE_UNAVAILABLE: peer has reached maximum number of filter criteria")
	other := f.newClient(t, nil)
	wantStatus(t, "Subscribe() of a second peer with max 1 peer", other.Subscribe(ctx, id, topic, ct1),
		filter.StatusServiceUnavailable, "SERVICE_UNAVAILABLE: node has reached maximum number of subscriptions: 1")

	// Raw requests a Client never sends: the server answers 400, stays up.
	for _, raw := range [][]byte{{0xff, 0xff}, {0x10, 0x01}, {0x0a, 0x01, 'x', 0x10, 0x07}} {
		resp := rawRequest(t, f.srvH, raw)
		if resp.StatusCode != filter.StatusBadRequest || !strings.HasPrefix(*resp.StatusDesc, "BAD_REQUEST: decode_rpc_failure") || resp.RequestID != "N/A" {
			t.Fatalf("response to %x = %+v %q, want 400 decode_rpc_failure, N/A", raw, resp, *resp.StatusDesc)
		}
	}
	if v := wakutest.Metric(t, f.reg, "waku_filter_errors", "decode_rpc_failure"); v != 3 {
		t.Fatalf("waku_filter_errors{type=decode_rpc_failure} = %v, want 3", v)
	}
	if err := f.client.Ping(ctx, id); err != nil {
		t.Fatalf("Ping() after malformed requests = %v", err)
	}
}

// rawRequest sends raw as a framed request from a fresh host.
func rawRequest(t *testing.T, srv host.Host, raw []byte) filter.SubscribeResponse {
	t.Helper()
	h := wakutest.NewHost(t)
	wakutest.Connect(t, h, srv)
	buf := wakutest.RoundTrip(t, h, srv.ID(), filter.SubscribeProtocolID, raw, filter.MaxSubscribeResponseSize)
	resp, err := filter.DecodeSubscribeResponse(buf)
	if err != nil {
		t.Fatalf("DecodeSubscribeResponse(%x) = %v", buf, err)
	}
	return resp
}

func TestRateLimit(t *testing.T) {
	f := newFixture(t, filter.WithRateLimit(2, time.Minute))
	ctx := wakutest.Context(t)
	_ = f.client.Subscribe(ctx, f.srvH.ID(), topic, ct1)
	_ = f.client.Ping(ctx, f.srvH.ID())
	wantStatus(t, "third request within a minute", f.client.Ping(ctx, f.srvH.ID()),
		filter.StatusTooManyRequests, "filter request rejected due rate limit exceeded")
}

func TestSubscriptionTimeout(t *testing.T) {
	f := newFixture(t, filter.WithSubscriptionTimeout(300*time.Millisecond))
	ctx := wakutest.Context(t)
	id := f.srvH.ID()
	if err := f.client.Subscribe(ctx, id, topic, ct1); err != nil {
		t.Fatalf("Subscribe() = %v", err)
	}
	time.Sleep(200 * time.Millisecond)
	if err := f.client.Ping(ctx, id); err != nil { // refreshes
		t.Fatalf("Ping() within the timeout = %v", err)
	}
	time.Sleep(200 * time.Millisecond)
	if err := f.client.Ping(ctx, id); err != nil {
		t.Fatalf("Ping() 200 ms after a refresh = %v", err)
	}
	time.Sleep(400 * time.Millisecond)
	wantStatus(t, "Ping() after the timeout", f.client.Ping(ctx, id), filter.StatusNotFound, "")
	f.srv.HandleMessage(topic, msg(ct1, "late"))
	select {
	case p := <-f.inbox:
		t.Fatalf("push %q to a timed-out subscriber", p.msg.Payload)
	case <-time.After(100 * time.Millisecond):
	}
	wakutest.WaitFor(t, "expiry pass", func() bool { return f.srv.SubscriberCount() == 0 })
}

func TestDeadSubscriberRemoved(t *testing.T) {
	f := newFixture(t, filter.WithPush(8, time.Second, 3))
	ctx := wakutest.Context(t)
	ch := wakutest.NewHost(t)
	wakutest.Connect(t, ch, f.srvH)
	c := filter.NewClient(ch, nil, quiet)
	if err := c.Subscribe(ctx, f.srvH.ID(), topic, ct1); err != nil {
		t.Fatalf("Subscribe() = %v", err)
	}
	ch.Close() // the subscriber goes away without unsubscribing
	wakutest.WaitFor(t, "disconnect", func() bool { return len(f.srvH.Network().ConnsToPeer(ch.ID())) == 0 })
	start := time.Now()
	for i := range 5 {
		f.srv.HandleMessage(topic, msg(ct1, fmt.Sprint(i)))
	}
	if d := time.Since(start); d > 100*time.Millisecond {
		t.Fatalf("HandleMessage blocked for %v on a dead subscriber", d)
	}
	// Three failed pushes in a row remove the dead subscriber.
	wakutest.WaitFor(t, "dead subscriber removal", func() bool { return f.srv.SubscriberCount() == 0 })
	if v := wakutest.Metric(t, f.reg, "waku_filter_errors", "dial_failure"); v < 3 {
		t.Fatalf("waku_filter_errors{type=dial_failure} = %v, want ≥ 3", v)
	}
}

func TestSlowSubscriberDoesNotBlock(t *testing.T) {
	// A 10 s write timeout: a HandleMessage that waited for the network
	// would take that long.
	f := newFixture(t, filter.WithPush(2, 10*time.Second, 3))
	ctx := wakutest.Context(t)
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	slow := f.newClient(t, func(peer.ID, string, message.Message) { <-release })
	if err := slow.Subscribe(ctx, f.srvH.ID(), topic, ct1); err != nil {
		t.Fatalf("Subscribe() = %v", err)
	}
	// 60 × 100 KiB is far beyond the stream window of a reader that
	// stopped reading, so the pusher stalls and its queue fills.
	payload := strings.Repeat("x", 100<<10)
	var slowest time.Duration
	for i := range 60 {
		start := time.Now()
		f.srv.HandleMessage(topic, msg(ct1, fmt.Sprint(i, payload)))
		slowest = max(slowest, time.Since(start))
	}
	if slowest > time.Second {
		t.Fatalf("slowest HandleMessage call took %v with a stalled subscriber", slowest)
	}
	wakutest.WaitFor(t, "dropped pushes", func() bool { return wakutest.Metric(t, f.reg, "waku_filter_errors", "push_queue_full") > 0 })
}

func TestMetricsRegisteredOnce(t *testing.T) {
	reg := prometheus.NewRegistry()
	s1, err := filter.NewServer(wakutest.NewHost(t), filter.WithMetrics(reg), filter.WithLogger(quiet))
	if err != nil {
		t.Fatalf("NewServer() = %v", err)
	}
	defer s1.Close()
	if s2, err := filter.NewServer(wakutest.NewHost(t), filter.WithMetrics(reg)); err == nil {
		s2.Close()
		t.Fatalf("second NewServer() on the same registry = nil error, want a registration error")
	}
	if v := wakutest.Metric(t, reg, "waku_filter_subscriptions", ""); v != 0 {
		t.Fatalf("waku_filter_subscriptions = %v, want 0", v)
	}
}
