package bench

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync/atomic"
	"time"

	"github.com/cairn-node/cairn/accel"
	"github.com/cairn-node/cairn/node/p2p"
	"github.com/cairn-node/cairn/node/relay"
	"github.com/cairn-node/cairn/node/relay/message"
	"github.com/cairn-node/cairn/node/relay/rlnrelay"
)

const (
	// relayMessages is K, the messages one waku-relay-rln call sends.
	relayMessages = 200
	// relayWindow is how many messages A keeps in flight (published, not
	// yet delivered at B). It stays below go-libp2p-pubsub's per-peer
	// outbound queue (32 RPCs), which drops what does not fit.
	relayWindow = 24
	// relayShard is the pubsub topic of the relay case.
	relayShard = "/waku/2/rs/1/0"
	// relayTimeout bounds one call; a lost message fails it.
	relayTimeout = 30 * time.Second
)

// relayCases is waku-relay-rln: Waku relay between two local nodes, the
// receiver validating every message with RLN v2 as nwaku does. The value
// is messages per second delivered at B.
func relayCases() []Case {
	return []Case{{
		Kernel: "waku-relay-rln", Params: fmt.Sprintf("K=%d,payload=%dB,tcp", relayMessages, rlnPayloadSize),
		Unit: "msg/s", Quick: true, Setup: relaySetup(relayMessages),
	}}
}

// relaySetup sets up two relay hosts on 127.0.0.1, A publishing and B
// subscribed, and returns a call in which A publishes k messages of one
// RLN member (message ids 0 to k-1 of one epoch, proved once per process
// by provedMessages) and B receives all k, each accepted by an
// rlnrelay.Validator whose root window holds the member's tree root: the
// proof is decoded and verified (coalesced into batches across concurrent
// validations, as the node runs it), its root, epoch and signal checked,
// and its nullifier logged. Only the go backend runs it: the relay has no
// backend choice.
//
// Every call sends the same k proofs, which a second call would see
// dropped twice: by gossipsub's seen cache (message id = sha256 of the
// encoded message, kept for two minutes) and by the validator's nullifier
// log (same nullifier and share: a duplicate). So each call
//   - writes a fresh nonce into the messages' Meta field, which is part of
//     the encoding and the message hash but not of the RLN signal
//     (payload ‖ content topic ‖ timestamp), so the proofs stay valid and
//     gossipsub sees new messages, and
//   - installs a fresh validator on B (the registered validator reads it
//     through an atomic pointer), whose nullifier log starts empty.
//
// The call fails unless B's validator accepted exactly k messages and B's
// subscription, which only delivers accepted ones, got the k of this call.
// The validators run with the fixed clock rlnClock, so that proofs made at
// the start of a run stay in their epoch.
func relaySetup(k int) func(accel.Backend) (func() error, float64, error) {
	return func(b accel.Backend) (func() error, float64, error) {
		if err := goOnly(b, "waku-relay-rln"); err != nil {
			return nil, 0, err
		}
		pool, err := provedMessages(k)
		if err != nil {
			return nil, 0, err
		}
		m, err := member()
		if err != nil {
			return nil, 0, err
		}
		ctx := context.Background()
		ha, ra, err := newBenchRelay(ctx)
		if err != nil {
			return nil, 0, err
		}
		hb, rb, err := newBenchRelay(ctx, relay.WithSubscriptionBuffer(2*relayWindow))
		if err != nil {
			return nil, 0, err
		}
		var (
			current  atomic.Pointer[rlnrelay.Validator]
			accepted atomic.Int64
		)
		atCaseEnd(func() {
			if v := current.Load(); v != nil {
				v.Close()
			}
		})
		rb.AddValidator(func(ctx context.Context, topic string, msg message.Message) relay.Verdict {
			cur := current.Load()
			if cur == nil {
				return relay.Ignore // before the first call: nothing is published then
			}
			v := cur.Validate(ctx, topic, msg)
			if v == relay.Accept {
				accepted.Add(1)
			}
			return v
		})
		sub, err := rb.Subscribe(relayShard)
		if err != nil {
			return nil, 0, err
		}
		atCaseEnd(sub.Cancel)
		if err := ha.Connect(ctx, hb.AddrInfo()); err != nil {
			return nil, 0, err
		}
		if err := waitSubscribed(ctx, ra, hb); err != nil {
			return nil, 0, err
		}
		msgs := make([]message.Message, k)
		for i, p := range pool {
			msgs[i] = p.msg
		}
		nonce := uint64(0)
		return func() error {
			v, err := rlnrelay.New(rlnrelay.Options{Now: func() time.Time { return rlnClock }})
			if err != nil {
				return err
			}
			v.AddRoot(m.root)
			if old := current.Swap(v); old != nil {
				old.Close()
			}
			accepted.Store(0)
			nonce++
			meta := binary.LittleEndian.AppendUint64(nil, nonce)
			for i := range msgs {
				msgs[i].Meta = meta
			}
			ctx, cancel := context.WithTimeout(ctx, relayTimeout)
			defer cancel()
			got, err := relayRound(ctx, ra, sub, msgs)
			if n := accepted.Load(); err == nil && n != int64(k) {
				err = fmt.Errorf("bench: B's validator accepted %d messages, want %d", n, k)
			}
			if err != nil {
				return fmt.Errorf("bench: relay call %d: %d of %d messages delivered: %w", nonce, got, k, err)
			}
			return nil
		}, float64(k), nil
	}
}

// relayRound publishes msgs from a, at most relayWindow ahead of what sub
// has delivered, and waits until sub has delivered them all. It returns
// how many sub delivered.
func relayRound(ctx context.Context, a *relay.Relay, sub *relay.Subscription, msgs []message.Message) (int, error) {
	window := make(chan struct{}, relayWindow)
	pubErr := make(chan error, 1)
	go func() {
		for _, msg := range msgs {
			select {
			case window <- struct{}{}:
			case <-ctx.Done():
				pubErr <- ctx.Err()
				return
			}
			if _, err := a.Publish(ctx, relayShard, msg); err != nil {
				pubErr <- err
				return
			}
		}
		pubErr <- nil
	}()
	meta := msgs[0].Meta
	got := 0
	for got < len(msgs) {
		env, err := sub.Next(ctx)
		if err != nil {
			// The publisher's error says more than the timeout it caused.
			select {
			case perr := <-pubErr:
				if perr != nil {
					return got, perr
				}
			default:
			}
			return got, err
		}
		if !slices.Equal(env.Message.Meta, meta) {
			return got, errors.New("bench: B delivered a message of an earlier call")
		}
		got++
		<-window
	}
	return got, <-pubErr
}

// newBenchRelay starts a relay, logging nothing, on a new host listening on
// 127.0.0.1; both are closed when the case ends.
func newBenchRelay(ctx context.Context, opts ...relay.Option) (*p2p.Host, *relay.Relay, error) {
	h, err := loopbackHost(ctx)
	if err != nil {
		return nil, nil, err
	}
	opts = append([]relay.Option{relay.WithLogger(quietLog)}, opts...)
	r, err := relay.New(ctx, h, opts...)
	if err != nil {
		return nil, nil, err
	}
	atCaseEnd(func() { r.Close() })
	return h, r, nil
}

// quietLog is the logger of the hosts and relays that cases start: their
// start and shutdown messages would only interleave with the progress bar.
var quietLog = slog.New(slog.DiscardHandler)

// loopbackHost starts a libp2p host, logging nothing, on a free TCP port of
// 127.0.0.1 and closes it when the case ends.
func loopbackHost(ctx context.Context) (*p2p.Host, error) {
	h, err := p2p.New(ctx, p2p.Options{ListenAddrs: []string{"/ip4/127.0.0.1/tcp/0"}, Logger: quietLog})
	if err != nil {
		return nil, err
	}
	atCaseEnd(func() { h.Close() })
	return h, nil
}

// waitSubscribed waits until a knows that b subscribes to relayShard, so
// that a's first publication reaches b.
func waitSubscribed(ctx context.Context, a *relay.Relay, b *p2p.Host) error {
	deadline := time.Now().Add(10 * time.Second)
	for !slices.Contains(a.Peers(relayShard), b.ID()) {
		if time.Now().After(deadline) {
			return fmt.Errorf("bench: relay A never saw B (%s) subscribe to %s", b.ID(), relayShard)
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		time.Sleep(20 * time.Millisecond)
	}
	return nil
}
