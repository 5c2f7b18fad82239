package relay_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"

	pubsub "github.com/libp2p/go-libp2p-pubsub"
	pb "github.com/libp2p/go-libp2p-pubsub/pb"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"

	"github.com/cairn-node/cairn/node/p2p"
	"github.com/cairn-node/cairn/node/relay"
	"github.com/cairn-node/cairn/node/relay/message"
)

const shard = "/waku/2/rs/1/0"

func newHost(t *testing.T) *p2p.Host {
	t.Helper()
	h, err := p2p.New(t.Context(), p2p.Options{ListenAddrs: []string{"/ip4/127.0.0.1/tcp/0"}})
	if err != nil {
		t.Fatalf("p2p.New() = %v", err)
	}
	t.Cleanup(func() { h.Close() })
	return h
}

func newRelay(t *testing.T) (*p2p.Host, *relay.Relay) {
	t.Helper()
	h := newHost(t)
	r, err := relay.New(t.Context(), h)
	if err != nil {
		t.Fatalf("relay.New() = %v", err)
	}
	t.Cleanup(func() { r.Close() })
	return h, r
}

func connect(t *testing.T, a, b *p2p.Host) {
	t.Helper()
	if err := a.Connect(t.Context(), b.AddrInfo()); err != nil {
		t.Fatalf("Connect(%s) = %v", b.ID(), err)
	}
}

// waitPeer waits until peers() lists p.
func waitPeer(t *testing.T, what string, peers func() []peer.ID, p peer.ID) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !slices.Contains(peers(), p) {
		if time.Now().After(deadline) {
			t.Fatalf("%s: peer %s never subscribed", what, p)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func msg(ct, payload string) message.Message {
	return message.Message{
		Payload:      []byte(payload),
		ContentTopic: ct,
		Timestamp:    time.Now().UnixNano(),
	}
}

// warmUp publishes from pub until sub receives one message, so the mesh
// is formed, and drains what arrives.
func warmUp(t *testing.T, pub *relay.Relay, sub *relay.Subscription) {
	t.Helper()
	for i := 0; ; i++ {
		if i == 50 {
			t.Fatal("warm-up: no message arrived in 10 s")
		}
		if _, err := pub.Publish(t.Context(), shard, msg("/test/1/warmup/proto", fmt.Sprint(i))); err != nil {
			t.Fatalf("Publish(warm-up) = %v", err)
		}
		ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
		_, err := sub.Next(ctx)
		cancel()
		if err == nil {
			break
		}
	}
	drain(t, sub)
}

func drain(t *testing.T, sub *relay.Subscription) {
	t.Helper()
	for {
		ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
		_, err := sub.Next(ctx)
		cancel()
		if err != nil {
			return
		}
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

func equal(a, b message.Message) bool {
	return bytes.Equal(a.Payload, b.Payload) && a.ContentTopic == b.ContentTopic &&
		a.Version == b.Version && a.Timestamp == b.Timestamp && bytes.Equal(a.Meta, b.Meta) &&
		bytes.Equal(a.RateLimitProof, b.RateLimitProof) && a.Ephemeral == b.Ephemeral
}

// TestLine runs three relays in a line, A–B–C: C subscribes, A publishes.
func TestLine(t *testing.T) {
	ha, a := newRelay(t)
	hb, b := newRelay(t)
	hc, c := newRelay(t)
	connect(t, ha, hb)
	connect(t, hb, hc)

	bSub, err := b.Subscribe(shard)
	if err != nil {
		t.Fatalf("b.Subscribe(%s) = %v", shard, err)
	}
	cSub, err := c.Subscribe(shard)
	if err != nil {
		t.Fatalf("c.Subscribe(%s) = %v", shard, err)
	}
	const blocked = "/test/1/blocked/proto"
	b.AddValidator(func(_ context.Context, topic string, m message.Message) relay.Verdict {
		if topic == shard && m.ContentTopic == blocked {
			return relay.Reject
		}
		return relay.Accept
	})
	waitPeer(t, "a", func() []peer.ID { return a.Peers(shard) }, hb.ID())
	waitPeer(t, "c", func() []peer.ID { return c.Peers(shard) }, hb.ID())
	warmUp(t, a, cSub)
	drain(t, bSub)

	t.Run("deliver", func(t *testing.T) {
		m := msg("/test/1/chat/proto", "hello from A")
		m.Meta = []byte("meta")
		m.Version = 1
		m.Ephemeral = true
		h, err := a.Publish(t.Context(), shard, m)
		if err != nil {
			t.Fatalf("Publish() = %v", err)
		}
		if want := message.Hash(shard, m); h != want {
			t.Errorf("Publish() hash = %x, want %x", h, want)
		}
		env := next(t, cSub)
		if env.PubsubTopic != shard || !equal(env.Message, m) || env.Hash != h {
			t.Errorf("c received %+v, want %+v on %s with hash %x", env, m, shard, h)
		}
		if env.From != hb.ID() {
			t.Errorf("c received from %s, want %s (B)", env.From, hb.ID())
		}
	})

	t.Run("zero timestamp", func(t *testing.T) {
		m := message.Message{Payload: []byte("no time"), ContentTopic: "/test/1/chat/proto"}
		h, err := a.Publish(t.Context(), shard, m)
		if err != nil {
			t.Fatalf("Publish() = %v", err)
		}
		env := next(t, cSub)
		if env.Message.Timestamp == 0 || env.Hash != h || message.Hash(shard, env.Message) != h {
			t.Errorf("c received timestamp %d hash %x, want non-zero and %x", env.Message.Timestamp, env.Hash, h)
		}
	})

	t.Run("validator stops propagation", func(t *testing.T) {
		if _, err := a.Publish(t.Context(), shard, msg(blocked, "spam")); err != nil {
			t.Fatalf("Publish(blocked) = %v", err)
		}
		after := msg("/test/1/chat/proto", "after the blocked one")
		if _, err := a.Publish(t.Context(), shard, after); err != nil {
			t.Fatalf("Publish(after) = %v", err)
		}
		// Messages from A travel in order on each stream, so the next
		// message C gets would be the blocked one had B relayed it.
		if env := next(t, cSub); !equal(env.Message, after) {
			t.Errorf("c received %q on %s, want only %q", env.Message.Payload, env.Message.ContentTopic, after.Payload)
		}
		// Validation runs in parallel, so wait a little for a late one.
		ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
		if env, err := cSub.Next(ctx); err == nil {
			t.Errorf("c received %q on %s after %q, want nothing", env.Message.Payload, env.Message.ContentTopic, after.Payload)
		}
		cancel()
		// B's subscription still holds the earlier subtests' messages.
		for {
			env := next(t, bSub)
			if env.Message.ContentTopic == blocked {
				t.Errorf("b received %q on %s, want it rejected", env.Message.Payload, blocked)
			}
			if equal(env.Message, after) {
				break
			}
		}
		// B's own publication is checked too.
		if _, err := b.Publish(t.Context(), shard, msg(blocked, "local")); !errors.Is(err, relay.ErrRejected) {
			t.Errorf("b.Publish(blocked) = %v, want ErrRejected", err)
		}
	})

	t.Run("duplicates delivered once", func(t *testing.T) {
		m := msg("/test/1/chat/proto", "twice")
		for i, r := range []*relay.Relay{a, a, b} {
			if _, err := r.Publish(t.Context(), shard, m); err != nil {
				t.Fatalf("Publish #%d = %v", i, err)
			}
		}
		end := msg("/test/1/chat/proto", "end")
		if _, err := a.Publish(t.Context(), shard, end); err != nil {
			t.Fatalf("Publish(end) = %v", err)
		}
		// Relays validate in parallel, so messages may overtake each
		// other: read until both came, then a little longer.
		count := map[string]int{}
		for count["twice"] == 0 || count["end"] == 0 {
			count[string(next(t, cSub).Message.Payload)]++
		}
		ctx, cancel := context.WithTimeout(t.Context(), 500*time.Millisecond)
		defer cancel()
		for {
			env, err := cSub.Next(ctx)
			if err != nil {
				break
			}
			count[string(env.Message.Payload)]++
		}
		if want := map[string]int{"twice": 1, "end": 1}; !maps.Equal(count, want) {
			t.Errorf("c received %v, want %v", count, want)
		}
	})
}

// rawNode is a gossipsub node on relay.ProtocolID without Waku's
// validation, as a misbehaving or foreign peer would be.
func rawNode(t *testing.T) (*p2p.Host, *pubsub.Topic) {
	t.Helper()
	h := newHost(t)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	ps, err := pubsub.NewGossipSub(ctx, h,
		pubsub.WithGossipSubProtocols([]protocol.ID{relay.ProtocolID},
			func(f pubsub.GossipSubFeature, _ protocol.ID) bool { return f <= pubsub.GossipSubFeaturePX }),
		pubsub.WithMessageSignaturePolicy(pubsub.StrictNoSign),
		pubsub.WithNoAuthor(),
		pubsub.WithMessageIdFn(func(m *pb.Message) string {
			h := sha256.Sum256(m.GetData())
			return string(h[:])
		}),
	)
	if err != nil {
		t.Fatalf("pubsub.NewGossipSub() = %v", err)
	}
	topic, err := ps.Join(shard)
	if err != nil {
		t.Fatalf("Join(%s) = %v", shard, err)
	}
	return h, topic
}

// TestMalformedDropped has a raw gossipsub peer publish bytes that are
// not a WakuMessage through a relay; another raw peer, behind the relay,
// must never see them.
func TestMalformedDropped(t *testing.T) {
	hb, b := newRelay(t)
	bSub, err := b.Subscribe(shard)
	if err != nil {
		t.Fatalf("Subscribe() = %v", err)
	}
	hp, pubTopic := rawNode(t)
	hs, subTopic := rawNode(t)
	rawSub, err := subTopic.Subscribe()
	if err != nil {
		t.Fatalf("raw Subscribe() = %v", err)
	}
	t.Cleanup(rawSub.Cancel)
	connect(t, hp, hb)
	connect(t, hs, hb)
	waitPeer(t, "publisher", pubTopic.ListPeers, hb.ID())
	waitPeer(t, "relay", func() []peer.ID { return b.Peers(shard) }, hs.ID())

	// Warm up until the raw subscriber is in B's mesh.
	for i := 0; ; i++ {
		if i == 50 {
			t.Fatal("warm-up: no message reached the raw subscriber")
		}
		m := msg("/test/1/warmup/proto", fmt.Sprint(i))
		if err := pubTopic.Publish(t.Context(), m.Encode()); err != nil {
			t.Fatalf("raw Publish(warm-up) = %v", err)
		}
		ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
		_, err := rawSub.Next(ctx)
		cancel()
		if err == nil {
			break
		}
	}
	for {
		ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
		_, err := rawSub.Next(ctx)
		cancel()
		if err != nil {
			break
		}
	}
	drain(t, bSub)

	bad := [][]byte{
		{0xff, 0xff, 0xff},                  // truncated varint tag
		{0x0a, 0x05, 'a'},                   // payload length past the end
		[]byte("not a waku message at all"), // garbage
		{},                                  // empty: no payload, no content topic
		append(msg("/test/1/chat/proto", "x").Encode(), 0x08), // trailing tag
	}
	for i, data := range bad {
		if err := pubTopic.Publish(t.Context(), data); err != nil {
			t.Fatalf("raw Publish(bad #%d) = %v", i, err)
		}
	}
	good := msg("/test/1/chat/proto", "good")
	if err := pubTopic.Publish(t.Context(), good.Encode()); err != nil {
		t.Fatalf("raw Publish(good) = %v", err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	got, err := rawSub.Next(ctx)
	if err != nil {
		t.Fatalf("raw Next() = %v", err)
	}
	if !bytes.Equal(got.GetData(), good.Encode()) {
		t.Errorf("raw subscriber received %x, want only the good message %x", got.GetData(), good.Encode())
	}
	// Relays validate in parallel: give a late bad message time to show.
	late, cancelLate := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancelLate()
	if extra, err := rawSub.Next(late); err == nil {
		t.Errorf("raw subscriber received %x after the good message, want nothing", extra.GetData())
	}
	if env := next(t, bSub); !equal(env.Message, good) {
		t.Errorf("b received %q, want %q", env.Message.Payload, good.Payload)
	}
}

func TestPublishErrors(t *testing.T) {
	_, r := newRelay(t)
	big := message.Message{Payload: make([]byte, message.MaxSize), ContentTopic: "/test/1/chat/proto"}
	if _, err := r.Publish(t.Context(), shard, big); !errors.Is(err, relay.ErrTooLarge) {
		t.Errorf("Publish(%d-byte payload) = %v, want ErrTooLarge", len(big.Payload), err)
	}
	if _, err := r.Publish(t.Context(), "not-a-shard", msg("/test/1/chat/proto", "x")); !errors.Is(err, message.ErrInvalidPubsubTopic) {
		t.Errorf("Publish(not-a-shard) = %v, want ErrInvalidPubsubTopic", err)
	}
	r.AddValidator(func(context.Context, string, message.Message) relay.Verdict { return relay.Ignore })
	if _, err := r.Publish(t.Context(), shard, msg("/test/1/chat/proto", "x")); !errors.Is(err, relay.ErrRejected) {
		t.Errorf("Publish(ignored) = %v, want ErrRejected", err)
	}
}

func TestClose(t *testing.T) {
	_, r := newRelay(t)
	sub, err := r.Subscribe(shard)
	if err != nil {
		t.Fatalf("Subscribe() = %v", err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := sub.Next(context.Background())
		done <- err
	}()
	if err := r.Close(); err != nil {
		t.Errorf("Close() = %v", err)
	}
	if err := r.Close(); err != nil {
		t.Errorf("second Close() = %v", err)
	}
	select {
	case err := <-done:
		if !errors.Is(err, relay.ErrClosed) {
			t.Errorf("Next() after Close = %v, want ErrClosed", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Next() still blocked 5 s after Close")
	}
	sub.Cancel()
	if _, err := r.Subscribe(shard); !errors.Is(err, relay.ErrClosed) {
		t.Errorf("Subscribe() after Close = %v, want ErrClosed", err)
	}
	if _, err := r.Publish(t.Context(), shard, msg("/test/1/chat/proto", "x")); !errors.Is(err, relay.ErrClosed) {
		t.Errorf("Publish() after Close = %v, want ErrClosed", err)
	}
}
