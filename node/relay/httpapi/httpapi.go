// Package httpapi serves nwaku's relay REST API over a relay.Relay:
//
//	POST   /relay/v1/auto/subscriptions           ["/app/1/chat/proto", …]   subscribe content topics
//	DELETE /relay/v1/auto/subscriptions           ["/app/1/chat/proto", …]
//	POST   /relay/v1/auto/messages                {"payload": base64, "contentTopic": …, "timestamp": ns}
//	GET    /relay/v1/auto/messages/{contentTopic} messages received since the last GET
//	POST   /relay/v1/subscriptions                ["/waku/2/rs/1/0", …]      static sharding
//	DELETE /relay/v1/subscriptions
//	POST   /relay/v1/messages/{pubsubTopic}       {"payload": …, "contentTopic": …}
//	GET    /relay/v1/messages/{pubsubTopic}
//
// Content topics map to shards by autosharding (cluster and shard count of
// Options). Received messages wait in a bounded per-topic cache until a GET
// takes them, as in nwaku; the oldest are dropped first.
package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/cairn-node/cairn/node/relay"
	"github.com/cairn-node/cairn/node/relay/message"
)

// DefaultCacheSize is how many messages a topic's cache holds until a GET
// takes them (nwaku's relay REST cache is of the same order).
const DefaultCacheSize = 100

// Options configure a Server. The zero value uses cluster 1, 8 shards.
type Options struct {
	// ClusterID and ShardCount drive autosharding. A zero ShardCount
	// means the Waku Network's message.DefaultClusterID and
	// message.DefaultShardCount for both; otherwise ClusterID is taken as
	// it is, so cluster 0 works.
	ClusterID  uint16
	ShardCount int
	// CacheSize bounds each topic's cache; zero means DefaultCacheSize.
	CacheSize int
	// Logger receives errors; nil means slog.Default().
	Logger *slog.Logger
	// Publish, when set, publishes instead of the relay's Publish: the
	// node passes one that attaches its own RLN proof first.
	Publish func(ctx context.Context, pubsubTopic string, m message.Message) ([32]byte, error)
}

// Server is the relay REST API. Close stops its subscriptions. It is safe
// for concurrent use.
type Server struct {
	r    *relay.Relay
	opts Options
	log  *slog.Logger
	ctx  context.Context
	stop context.CancelFunc
	wg   sync.WaitGroup
	mu   struct {
		sync.Mutex
		subs  map[string]*relay.Subscription // by pubsub topic
		cache map[string][]Message           // by content topic ("auto") or pubsub topic
		auto  map[string]bool                // subscribed content topics
	}
}

// New returns a server over r.
func New(r *relay.Relay, opts Options) *Server {
	if opts.ShardCount == 0 {
		opts.ClusterID, opts.ShardCount = message.DefaultClusterID, message.DefaultShardCount
	}
	if opts.CacheSize == 0 {
		opts.CacheSize = DefaultCacheSize
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	s := &Server{r: r, opts: opts, log: opts.Logger.With("subsys", "node/relay/httpapi")}
	s.ctx, s.stop = context.WithCancel(context.Background())
	s.mu.subs = map[string]*relay.Subscription{}
	s.mu.cache = map[string][]Message{}
	s.mu.auto = map[string]bool{}
	return s
}

// Register mounts the routes on mux.
func (s *Server) Register(mux *http.ServeMux) {
	mux.HandleFunc("POST /relay/v1/auto/subscriptions", s.subscribeAuto)
	mux.HandleFunc("DELETE /relay/v1/auto/subscriptions", s.unsubscribe)
	mux.HandleFunc("POST /relay/v1/auto/messages", s.publishAuto)
	mux.HandleFunc("GET /relay/v1/auto/messages/{topic}", s.messages)
	mux.HandleFunc("POST /relay/v1/subscriptions", s.subscribeStatic)
	mux.HandleFunc("DELETE /relay/v1/subscriptions", s.unsubscribe)
	mux.HandleFunc("POST /relay/v1/messages/{topic}", s.publishStatic)
	mux.HandleFunc("GET /relay/v1/messages/{topic}", s.messages)
}

// Join subscribes to pubsub topics so that this node relays them, without
// caching their messages for the API (a relay node joins its shards at
// start, as nwaku does).
func (s *Server) Join(pubsubTopics ...string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, pt := range pubsubTopics {
		if err := s.ensureSubLocked(pt); err != nil {
			return fmt.Errorf("join %s: %w", pt, err)
		}
	}
	return nil
}

// Close cancels the subscriptions and waits for their readers.
func (s *Server) Close() error {
	s.stop()
	s.mu.Lock()
	for _, sub := range s.mu.subs {
		sub.Cancel()
	}
	s.mu.Unlock()
	s.wg.Wait()
	return nil
}

// Message is a WakuMessage in nwaku's REST JSON (bytes as base64).
type Message struct {
	Payload      []byte `json:"payload"`
	ContentTopic string `json:"contentTopic"`
	Version      uint32 `json:"version,omitempty"`
	Timestamp    int64  `json:"timestamp,omitempty"`
	Meta         []byte `json:"meta,omitempty"`
	Ephemeral    bool   `json:"ephemeral,omitempty"`
}

func fromMessage(m message.Message) Message {
	return Message{Payload: m.Payload, ContentTopic: m.ContentTopic, Version: m.Version, Timestamp: m.Timestamp, Meta: m.Meta, Ephemeral: m.Ephemeral}
}

func (m Message) toMessage() message.Message {
	return message.Message{Payload: m.Payload, ContentTopic: m.ContentTopic, Version: m.Version, Timestamp: m.Timestamp, Meta: m.Meta, Ephemeral: m.Ephemeral}
}

func fail(w http.ResponseWriter, status int, format string, args ...any) {
	w.Header().Set("Content-Type", "text/plain")
	w.WriteHeader(status)
	fmt.Fprintf(w, format, args...)
}

func ok(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/plain")
	fmt.Fprint(w, "OK")
}

// shard maps a content topic to its pubsub topic.
func (s *Server) shard(contentTopic string) (string, error) {
	ct, err := message.ParseContentTopic(contentTopic)
	if err != nil {
		return "", err
	}
	return message.Shard(ct, s.opts.ClusterID, s.opts.ShardCount).String(), nil
}

func decodeList(r *http.Request) ([]string, error) {
	var topics []string
	if err := json.NewDecoder(http.MaxBytesReader(nil, r.Body, 1<<20)).Decode(&topics); err != nil {
		return nil, fmt.Errorf("want a JSON list of topics: %w", err)
	}
	return topics, nil
}

// ensureSub subscribes to pubsub topic pt once and feeds its cache.
// Called with s.mu held.
func (s *Server) ensureSubLocked(pt string) error {
	if _, ok := s.mu.subs[pt]; ok {
		return nil
	}
	sub, err := s.r.Subscribe(pt)
	if err != nil {
		return err
	}
	s.mu.subs[pt] = sub
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			env, err := sub.Next(s.ctx)
			if err != nil {
				return
			}
			s.mu.Lock()
			// Auto subscriptions cache by content topic, static ones by
			// pubsub topic; a message may land in both.
			if s.mu.auto[env.Message.ContentTopic] {
				s.pushLocked(env.Message.ContentTopic, fromMessage(env.Message))
			}
			if _, static := s.mu.cache[env.PubsubTopic]; static {
				s.pushLocked(env.PubsubTopic, fromMessage(env.Message))
			}
			s.mu.Unlock()
		}
	}()
	return nil
}

func (s *Server) pushLocked(key string, m Message) {
	c := append(s.mu.cache[key], m)
	if len(c) > s.opts.CacheSize {
		c = c[len(c)-s.opts.CacheSize:]
	}
	s.mu.cache[key] = c
}

// subscribe subscribes to the topics of the request body. shard maps a
// topic to its pubsub topic (and validates it); auto marks content-topic
// subscriptions, whose messages are cached by content topic.
func (s *Server) subscribe(w http.ResponseWriter, r *http.Request, shard func(string) (string, error), auto bool) {
	topics, err := decodeList(r)
	if err != nil {
		fail(w, http.StatusBadRequest, "%v", err)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, t := range topics {
		pt, err := shard(t)
		if err != nil {
			fail(w, http.StatusBadRequest, "topic %q: %v", t, err)
			return
		}
		if err := s.ensureSubLocked(pt); err != nil {
			fail(w, http.StatusInternalServerError, "subscribe %s: %v", pt, err)
			return
		}
		if auto {
			s.mu.auto[t] = true
		}
		if s.mu.cache[t] == nil {
			s.mu.cache[t] = []Message{}
		}
	}
	ok(w)
}

// unsubscribe drops the caches (and content-topic marks) of the topics of
// the request body. The relay subscriptions stay: the node keeps relaying.
func (s *Server) unsubscribe(w http.ResponseWriter, r *http.Request) {
	topics, err := decodeList(r)
	if err != nil {
		fail(w, http.StatusBadRequest, "%v", err)
		return
	}
	s.mu.Lock()
	for _, t := range topics {
		delete(s.mu.auto, t)
		delete(s.mu.cache, t)
	}
	s.mu.Unlock()
	ok(w)
}

func (s *Server) subscribeAuto(w http.ResponseWriter, r *http.Request) {
	s.subscribe(w, r, s.shard, true)
}

func (s *Server) subscribeStatic(w http.ResponseWriter, r *http.Request) {
	s.subscribe(w, r, func(pt string) (string, error) {
		_, err := message.ParsePubsubTopic(pt)
		return pt, err
	}, false)
}

// messages returns and clears the cache of the {topic} path value.
func (s *Server) messages(w http.ResponseWriter, r *http.Request) {
	key := r.PathValue("topic") // already unescaped: clients send %2F for the topic's slashes
	s.mu.Lock()
	msgs, subscribed := s.mu.cache[key]
	if subscribed {
		s.mu.cache[key] = []Message{}
	}
	s.mu.Unlock()
	if !subscribed {
		fail(w, http.StatusNotFound, "not subscribed to %q; subscribe first", key)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(msgs)
}

func (s *Server) publish(w http.ResponseWriter, r *http.Request, pt string, m Message) {
	msg := m.toMessage()
	if msg.Timestamp == 0 {
		msg.Timestamp = time.Now().UnixNano()
	}
	ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
	defer cancel()
	publish := s.r.Publish
	if s.opts.Publish != nil {
		publish = s.opts.Publish
	}
	if _, err := publish(ctx, pt, msg); err != nil {
		status := http.StatusInternalServerError
		if errors.Is(err, relay.ErrRejected) || errors.Is(err, relay.ErrTooLarge) {
			status = http.StatusBadRequest
		}
		fail(w, status, "publish on %s: %v", pt, err)
		return
	}
	ok(w)
}

func decodeMessage(r *http.Request) (Message, error) {
	var m Message
	if err := json.NewDecoder(http.MaxBytesReader(nil, r.Body, 1<<20)).Decode(&m); err != nil {
		return m, fmt.Errorf("want a JSON message {\"payload\": base64, \"contentTopic\": …}: %w", err)
	}
	if m.ContentTopic == "" {
		return m, errors.New("contentTopic is required")
	}
	return m, nil
}

func (s *Server) publishAuto(w http.ResponseWriter, r *http.Request) {
	m, err := decodeMessage(r)
	if err != nil {
		fail(w, http.StatusBadRequest, "%v", err)
		return
	}
	pt, err := s.shard(m.ContentTopic)
	if err != nil {
		fail(w, http.StatusBadRequest, "content topic %q: %v", m.ContentTopic, err)
		return
	}
	s.publish(w, r, pt, m)
}

func (s *Server) publishStatic(w http.ResponseWriter, r *http.Request) {
	pt := r.PathValue("topic")
	if _, err := message.ParsePubsubTopic(pt); err != nil {
		fail(w, http.StatusBadRequest, "pubsub topic: %v", err)
		return
	}
	m, err := decodeMessage(r)
	if err != nil {
		fail(w, http.StatusBadRequest, "%v", err)
		return
	}
	s.publish(w, r, pt, m)
}
