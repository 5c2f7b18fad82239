package relay

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	pubsub "github.com/libp2p/go-libp2p-pubsub"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"

	"github.com/cairn-node/cairn/node/relay/message"
)

// ProtocolID is the Waku relay protocol: gossipsub v1.1 under nwaku's codec
// (WakuRelayCodec in waku/waku_core/codecs.nim). Incoming streams for
// ProtocolID followed by any suffix are accepted, as nwaku does.
const ProtocolID protocol.ID = "/vac/waku/relay/2.0.0"

// Errors returned by Relay and Subscription.
var (
	// ErrClosed is returned after Close, and by Next after Cancel.
	ErrClosed = errors.New("relay: closed")
	// ErrRejected is wrapped by Publish when a validator (or the default
	// WakuMessage check) rejects or ignores the message.
	ErrRejected = errors.New("relay: message rejected by validator")
	// ErrTooLarge is wrapped by Publish when the encoded message is larger
	// than the maximum message size.
	ErrTooLarge = errors.New("relay: message too large")
)

// Verdict is what a Validator says about a message.
type Verdict int

const (
	// Accept delivers the message and relays it on.
	Accept Verdict = iota
	// Ignore drops the message without penalising the peer that sent it.
	Ignore
	// Reject drops the message and penalises the peer that sent it (P4 of
	// the peer score).
	Reject
)

// String returns the verdict's name.
func (v Verdict) String() string {
	switch v {
	case Accept:
		return "accept"
	case Ignore:
		return "ignore"
	case Reject:
		return "reject"
	}
	return fmt.Sprintf("Verdict(%d)", int(v))
}

// Validator checks a decoded Waku message received (or published) on
// pubsubTopic. It must not modify m, and must be safe for concurrent use:
// messages are validated in parallel. Any value other than Accept, Ignore
// or Reject counts as Reject.
type Validator func(ctx context.Context, pubsubTopic string, m message.Message) Verdict

// Option configures New.
type Option func(*config) error

type config struct {
	log        *slog.Logger
	maxMsgSize int
	bufSize    int
}

// WithLogger sets the logger. The default is slog.Default() with
// subsys=node/relay.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error {
		if l == nil {
			return errors.New("relay: nil logger")
		}
		c.log = l
		return nil
	}
}

// WithMaxMessageSize sets the largest encoded WakuMessage accepted and
// published, 1 to message.MaxSize bytes; the default is message.MaxSize
// (150 KiB, nwaku's DefaultMaxWakuMessageSize).
func WithMaxMessageSize(n int) Option {
	return func(c *config) error {
		if n < 1 || n > message.MaxSize {
			return fmt.Errorf("relay: max message size %d outside [1, %d]", n, message.MaxSize)
		}
		c.maxMsgSize = n
		return nil
	}
}

// WithSubscriptionBuffer sets how many messages a Subscription holds for
// a slow reader before newer ones are dropped; the default is 256.
func WithSubscriptionBuffer(n int) Option {
	return func(c *config) error {
		if n < 1 {
			return fmt.Errorf("relay: subscription buffer %d < 1", n)
		}
		c.bufSize = n
		return nil
	}
}

// Relay is a Waku relay node: gossipsub with nwaku's parameters on
// ProtocolID (see params.go for the values and their sources).
//
// concurrency: all methods are safe for concurrent use.
type Relay struct {
	h      host.Host
	ps     *pubsub.PubSub
	log    *slog.Logger
	cfg    config
	cancel context.CancelFunc

	// validators is copy-on-write: AddValidator stores a new slice.
	validators atomic.Pointer[[]Validator]

	mu struct {
		sync.Mutex
		closed bool
		topics map[string]*pubsub.Topic
		subs   map[*Subscription]struct{}
	}
	closeOnce sync.Once
}

// New starts a Waku relay on h and registers its stream handler for
// ProtocolID. ctx bounds the construction only; the relay runs until
// Close. Every message, received or published, is first decoded as a
// WakuMessage: one that does not decode, or is larger than the maximum
// message size, is rejected before the validators added with AddValidator
// see it.
func New(ctx context.Context, h host.Host, opts ...Option) (*Relay, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("relay: new: %w", err)
	}
	cfg := config{maxMsgSize: message.MaxSize, bufSize: 256}
	for _, o := range opts {
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	if cfg.log == nil {
		cfg.log = slog.Default().With("subsys", "node/relay")
	}
	r := &Relay{h: h, log: cfg.log, cfg: cfg}
	r.validators.Store(&[]Validator{})
	r.mu.topics = make(map[string]*pubsub.Topic)
	r.mu.subs = make(map[*Subscription]struct{})

	// The lifetime context of the pubsub router; Close cancels it.
	life, cancel := context.WithCancel(context.Background())
	ps, err := pubsub.NewGossipSub(life, h,
		pubsub.WithGossipSubProtocols([]protocol.ID{ProtocolID}, features),
		pubsub.WithProtocolMatchFn(matchProtocol),
		pubsub.WithGossipSubParams(gossipSubParams()),
		pubsub.WithPeerScore(peerScoreParams(), peerScoreThresholds()),
		pubsub.WithFloodPublish(true),
		pubsub.WithPeerExchange(false),
		pubsub.WithMessageSignaturePolicy(pubsub.StrictNoSign),
		pubsub.WithNoAuthor(),
		pubsub.WithMessageIdFn(messageID),
		pubsub.WithSeenMessagesTTL(seenTTL),
		pubsub.WithMaxMessageSize(maxRPCSize),
		pubsub.WithDefaultValidator(pubsub.ValidatorEx(r.validate)),
		pubsub.WithLogger(cfg.log),
	)
	if err != nil {
		cancel()
		return nil, fmt.Errorf("relay: start gossipsub: %w", err)
	}
	r.ps = ps
	r.cancel = cancel
	return r, nil
}

// AddValidator adds v to the validators every message must pass, after the
// WakuMessage check and after the validators added before it; the first
// verdict other than Accept decides. It applies to messages validated
// from now on, on all topics.
func (r *Relay) AddValidator(v Validator) {
	if v == nil {
		panic("BUG: relay: AddValidator(nil)")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	old := *r.validators.Load()
	vs := make([]Validator, len(old), len(old)+1)
	copy(vs, old)
	vs = append(vs, v)
	r.validators.Store(&vs)
}

// validate is the default validator of every topic: nwaku's
// generateOrderedValidator. It stores the decoded message in
// ValidatorData for Subscription.Next.
func (r *Relay) validate(ctx context.Context, from peer.ID, pm *pubsub.Message) pubsub.ValidationResult {
	topic := pm.GetTopic()
	data := pm.GetData()
	if len(data) > r.cfg.maxMsgSize {
		r.log.Debug("reject: message too large", "topic", topic, "from", from, "size", len(data))
		return pubsub.ValidationReject
	}
	m, err := message.Decode(data)
	if err != nil {
		r.log.Debug("reject: not a waku message", "topic", topic, "from", from, "err", err)
		return pubsub.ValidationReject
	}
	for _, v := range *r.validators.Load() {
		switch verdict := v(ctx, topic, m); verdict {
		case Accept:
			continue
		case Ignore:
			return pubsub.ValidationIgnore
		default:
			r.log.Debug("reject: validator", "topic", topic, "from", from,
				"content_topic", m.ContentTopic, "verdict", verdict)
			return pubsub.ValidationReject
		}
	}
	pm.ValidatorData = m
	return pubsub.ValidationAccept
}

// topic returns the joined handle of pubsubTopic, joining it if needed.
// The caller holds r.mu.
func (r *Relay) topicLocked(pubsubTopic string) (*pubsub.Topic, error) {
	if r.mu.closed {
		return nil, ErrClosed
	}
	if t, ok := r.mu.topics[pubsubTopic]; ok {
		return t, nil
	}
	if _, err := message.ParsePubsubTopic(pubsubTopic); err != nil {
		return nil, fmt.Errorf("relay: join %q: %w", pubsubTopic, err)
	}
	t, err := r.ps.Join(pubsubTopic)
	if err != nil {
		return nil, fmt.Errorf("relay: join %q: %w", pubsubTopic, err)
	}
	if err := t.SetScoreParams(topicScoreParams()); err != nil {
		_ = t.Close()
		return nil, fmt.Errorf("relay: set score parameters of %q: %w", pubsubTopic, err)
	}
	r.mu.topics[pubsubTopic] = t
	return t, nil
}

// Subscribe subscribes to pubsubTopic, a static-sharding topic such as
// /waku/2/rs/1/0 (errors wrap message.ErrInvalidPubsubTopic otherwise),
// and relays its messages from now on. Several subscriptions to one topic
// each get every message. It returns ErrClosed after Close.
func (r *Relay) Subscribe(pubsubTopic string) (*Subscription, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	t, err := r.topicLocked(pubsubTopic)
	if err != nil {
		return nil, err
	}
	sub, err := t.Subscribe(pubsub.WithBufferSize(r.cfg.bufSize))
	if err != nil {
		return nil, fmt.Errorf("relay: subscribe %q: %w", pubsubTopic, err)
	}
	s := &Subscription{r: r, topic: pubsubTopic, sub: sub}
	r.mu.subs[s] = struct{}{}
	return s, nil
}

// Publish sends m on pubsubTopic and returns its deterministic hash
// (message.Hash). A zero Timestamp is set to the current time first, as
// nwaku does; the hash covers the timestamp sent. The message passes the
// same validators as received ones: a rejected or ignored message is not
// sent, and the error wraps ErrRejected. A message larger than the
// maximum message size wraps ErrTooLarge. Publish does not wait for peers:
// with none subscribed, the message is only delivered locally. Publishing
// a message whose bytes were seen in the last two minutes sends nothing
// and returns no error. m is not retained.
func (r *Relay) Publish(ctx context.Context, pubsubTopic string, m message.Message) ([32]byte, error) {
	if m.Timestamp == 0 {
		m.Timestamp = time.Now().UnixNano()
	}
	data := m.Encode()
	if len(data) > r.cfg.maxMsgSize {
		return [32]byte{}, fmt.Errorf("relay: publish: %w: %d bytes > %d", ErrTooLarge, len(data), r.cfg.maxMsgSize)
	}
	r.mu.Lock()
	t, err := r.topicLocked(pubsubTopic)
	r.mu.Unlock()
	if err != nil {
		return [32]byte{}, err
	}
	if err := t.Publish(ctx, data); err != nil {
		var verr pubsub.ValidationError
		if errors.As(err, &verr) {
			return [32]byte{}, fmt.Errorf("relay: publish on %q: %w (%s)", pubsubTopic, ErrRejected, verr.Reason)
		}
		if r.isClosed() {
			return [32]byte{}, ErrClosed
		}
		return [32]byte{}, fmt.Errorf("relay: publish on %q: %w", pubsubTopic, err)
	}
	return message.Hash(pubsubTopic, m), nil
}

// Peers returns the connected peers known to be subscribed to pubsubTopic.
func (r *Relay) Peers(pubsubTopic string) []peer.ID {
	if r.isClosed() {
		return nil
	}
	return r.ps.ListPeers(pubsubTopic)
}

func (r *Relay) isClosed() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.mu.closed
}

// Close cancels every subscription, stops the gossipsub router and removes
// the stream handler. It does not close the host. It is safe to call more
// than once; it always returns nil. The router's own goroutines stop
// when its context is cancelled here; go-libp2p-pubsub offers no way to
// wait for them.
func (r *Relay) Close() error {
	r.closeOnce.Do(func() {
		r.mu.Lock()
		r.mu.closed = true
		subs := r.mu.subs
		r.mu.subs = nil
		r.mu.topics = nil
		r.mu.Unlock()
		for s := range subs {
			s.cancel()
		}
		r.cancel()
		r.h.RemoveStreamHandler(ProtocolID)
	})
	return nil
}

// Envelope is a message delivered by a Subscription.
type Envelope struct {
	// PubsubTopic is the shard the message came on.
	PubsubTopic string
	// Message is the decoded message; the caller owns it.
	Message message.Message
	// Hash is message.Hash(PubsubTopic, Message).
	Hash [32]byte
	// From is the peer that forwarded the message to us (not its
	// author, which Waku relay does not record); our own ID for local
	// publications.
	From peer.ID
}

// Subscription delivers the messages of one pubsub topic. Messages are
// buffered (WithSubscriptionBuffer); a reader that falls behind loses the
// newest ones.
//
// concurrency: Next may be called from one goroutine at a time; Cancel
// from any.
type Subscription struct {
	r     *Relay
	topic string
	sub   *pubsub.Subscription
	once  sync.Once
}

// Topic returns the subscription's pubsub topic.
func (s *Subscription) Topic() string { return s.topic }

// Next blocks until a message arrives and returns it. It returns ctx's
// error when ctx ends, and ErrClosed after Cancel or the relay's Close.
func (s *Subscription) Next(ctx context.Context) (Envelope, error) {
	for {
		pm, err := s.sub.Next(ctx)
		if err != nil {
			if ctxErr := ctx.Err(); ctxErr != nil {
				return Envelope{}, ctxErr
			}
			return Envelope{}, ErrClosed
		}
		m, ok := pm.ValidatorData.(message.Message)
		if !ok {
			// Every delivered message passed validate, which sets
			// ValidatorData; decode anyway rather than trust it.
			if m, err = message.Decode(pm.GetData()); err != nil {
				s.r.log.Warn("dropping undecodable delivered message", "topic", s.topic, "err", err)
				continue
			}
		} else {
			m = cloneMessage(m)
		}
		return Envelope{
			PubsubTopic: s.topic,
			Message:     m,
			Hash:        message.Hash(s.topic, m),
			From:        pm.ReceivedFrom,
		}, nil
	}
}

// Cancel ends the subscription; pending and later Next calls return
// ErrClosed. When it is the topic's last subscription, the relay stops
// relaying the topic's messages. Safe to call more than once.
func (s *Subscription) Cancel() {
	s.r.mu.Lock()
	if s.r.mu.subs != nil {
		delete(s.r.mu.subs, s)
	}
	s.r.mu.Unlock()
	s.cancel()
}

func (s *Subscription) cancel() {
	s.once.Do(s.sub.Cancel)
}

// cloneMessage copies m's byte slices: one decoded message is shared by
// every subscription of its topic.
func cloneMessage(m message.Message) message.Message {
	m.Payload = cloneBytes(m.Payload)
	m.Meta = cloneBytes(m.Meta)
	m.RateLimitProof = cloneBytes(m.RateLimitProof)
	return m
}

func cloneBytes(b []byte) []byte {
	if b == nil {
		return nil
	}
	return append([]byte{}, b...)
}
