package filter

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/cairn-node/cairn/node/relay/message"
)

// Defaults of the service, nwaku's unless noted
// (waku_filter_v2/subscriptions.nim, protocol.nim, common/rate_limit).
const (
	// DefaultMaxPeers is how many peers may hold subscriptions (nwaku
	// MaxFilterPeers).
	DefaultMaxPeers = 100
	// DefaultMaxCriteriaPerPeer is how many (pubsub topic, content topic)
	// criteria one peer may hold (nwaku MaxFilterCriteriaPerPeer).
	DefaultMaxCriteriaPerPeer = 1000
	// MaxContentTopicsPerRequest is the most content topics one
	// Subscribe or Unsubscribe may name (nwaku, not configurable).
	MaxContentTopicsPerRequest = 100
	// DefaultSubscriptionTimeout is how long a subscription lives without
	// a request of its peer (nwaku DefaultSubscriptionTimeToLiveSec).
	DefaultSubscriptionTimeout = 5 * time.Minute
	// DefaultMessageCacheTTL is how long a pushed message's hash is
	// remembered so that it is pushed once (nwaku MessageCacheTTL).
	DefaultMessageCacheTTL = 2 * time.Minute
	// DefaultRateLimit and DefaultRateLimitPeriod: requests per period
	// per peer (nwaku FilterDefaultPerPeerRateLimit, 30 per minute).
	DefaultRateLimit       = 30
	DefaultRateLimitPeriod = time.Minute
	// DefaultPushQueue is how many pushes wait per subscriber before
	// newer ones are dropped (Cairn; nwaku awaits each push instead).
	DefaultPushQueue = 64
	// DefaultPushTimeout bounds opening the push stream and writing one
	// push (Cairn; nwaku gives all pushes of a message 20 s).
	DefaultPushTimeout = 10 * time.Second
	// DefaultMaxPushFailures is how many pushes in a row may fail before
	// the subscriber's subscriptions are removed (Cairn).
	DefaultMaxPushFailures = 3
	// maintenanceInterval is how often timed-out subscriptions are removed
	// (nwaku MaintainSubscriptionsInterval).
	maintenanceInterval = time.Minute
)

// Size limits of the codecs (waku_filter_v2/rpc_codec.nim).
const (
	// MaxSubscribeRequestSize is the largest request read:
	// 10 × message.MaxSize + 64 KiB (nwaku DefaultMaxSubscribeSize).
	MaxSubscribeRequestSize = 10*message.MaxSize + 64<<10
	// MaxSubscribeResponseSize is the largest response read (64 KiB).
	MaxSubscribeResponseSize = 64 << 10
	// MaxPushSize is the largest push read (nwaku DefaultMaxPushSize).
	MaxPushSize = 10*message.MaxSize + 64<<10
)

// Option configures NewServer.
type Option func(*config) error

type config struct {
	log             *slog.Logger
	reg             prometheus.Registerer
	maxPeers        int
	maxCriteria     int
	timeout         time.Duration
	cacheTTL        time.Duration
	rateLimit       int
	ratePeriod      time.Duration
	pushQueue       int
	pushTimeout     time.Duration
	maxPushFailures int
	autoshard       bool
	cluster         uint16
	numShards       int
	now             func() time.Time
}

func defaultConfig() config {
	return config{
		maxPeers:        DefaultMaxPeers,
		maxCriteria:     DefaultMaxCriteriaPerPeer,
		timeout:         DefaultSubscriptionTimeout,
		cacheTTL:        DefaultMessageCacheTTL,
		rateLimit:       DefaultRateLimit,
		ratePeriod:      DefaultRateLimitPeriod,
		pushQueue:       DefaultPushQueue,
		pushTimeout:     DefaultPushTimeout,
		maxPushFailures: DefaultMaxPushFailures,
		autoshard:       true,
		cluster:         message.DefaultClusterID,
		numShards:       message.DefaultShardCount,
		now:             time.Now,
	}
}

// WithLogger sets the logger; the default is slog.Default() with
// subsys=node/waku/filter.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error {
		if l == nil {
			return errors.New("filter: nil logger")
		}
		c.log = l
		return nil
	}
}

// WithMetrics registers the service's metrics (nwaku's names, see
// metrics.go) on reg; nil, the default, keeps them unregistered.
func WithMetrics(reg prometheus.Registerer) Option {
	return func(c *config) error { c.reg = reg; return nil }
}

// WithLimits sets the most subscribed peers and criteria per peer; the
// defaults are DefaultMaxPeers and DefaultMaxCriteriaPerPeer.
func WithLimits(maxPeers, maxCriteriaPerPeer int) Option {
	return func(c *config) error {
		if maxPeers < 1 || maxCriteriaPerPeer < 1 {
			return fmt.Errorf("filter: limits %d peers, %d criteria: both must be ≥ 1", maxPeers, maxCriteriaPerPeer)
		}
		c.maxPeers, c.maxCriteria = maxPeers, maxCriteriaPerPeer
		return nil
	}
}

// WithSubscriptionTimeout sets how long a subscription lives without a
// request of its peer; the default is DefaultSubscriptionTimeout.
func WithSubscriptionTimeout(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return fmt.Errorf("filter: subscription timeout %v ≤ 0", d)
		}
		c.timeout = d
		return nil
	}
}

// WithRateLimit allows n subscribe requests per period per peer, answering
// 429 beyond; n = 0 turns the limit off. The default is DefaultRateLimit
// per DefaultRateLimitPeriod.
func WithRateLimit(n int, period time.Duration) Option {
	return func(c *config) error {
		if n < 0 || (n > 0 && period <= 0) {
			return fmt.Errorf("filter: rate limit %d per %v is invalid", n, period)
		}
		c.rateLimit, c.ratePeriod = n, period
		return nil
	}
}

// WithPush sets the per-subscriber push queue length, the timeout of one
// push and how many failed pushes in a row remove a subscriber; the
// defaults are DefaultPushQueue, DefaultPushTimeout and
// DefaultMaxPushFailures.
func WithPush(queue int, timeout time.Duration, maxFailures int) Option {
	return func(c *config) error {
		if queue < 1 || timeout <= 0 || maxFailures < 1 {
			return fmt.Errorf("filter: push queue %d, timeout %v, failures %d: all must be > 0", queue, timeout, maxFailures)
		}
		c.pushQueue, c.pushTimeout, c.maxPushFailures = queue, timeout, maxFailures
		return nil
	}
}

// WithAutosharding sets the cluster and shard count used to derive the
// pubsub topic of requests that omit it; the default is
// message.DefaultClusterID with message.DefaultShardCount shards.
func WithAutosharding(cluster uint16, numShards int) Option {
	return func(c *config) error {
		if numShards < 1 || numShards > 1<<16 {
			return fmt.Errorf("filter: %d shards is out of range", numShards)
		}
		c.autoshard, c.cluster, c.numShards = true, cluster, numShards
		return nil
	}
}

// WithStaticSharding makes requests without a pubsub topic fail with 400,
// as in nwaku.
func WithStaticSharding() Option {
	return func(c *config) error { c.autoshard = false; return nil }
}
