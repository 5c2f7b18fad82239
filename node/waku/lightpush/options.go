package lightpush

import (
	"errors"
	"fmt"
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/cairn-node/cairn/node/relay/message"
)

// MaxRPCSize is the largest request or response read: a message of
// message.MaxSize plus 64 KiB for the envelope. nwaku reads without a
// limit (DefaultMaxRpcSize = -1); a larger request is answered 413.
const MaxRPCSize = message.MaxSize + 64<<10

// Option configures NewServer.
type Option func(*config) error

type config struct {
	log       *slog.Logger
	reg       prometheus.Registerer
	autoshard bool
	cluster   uint16
	numShards int
}

// WithLogger sets the logger; the default is slog.Default() with
// subsys=node/waku/lightpush.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error {
		if l == nil {
			return errors.New("lightpush: nil logger")
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

// WithAutosharding sets the cluster of the node and the shard count used
// to derive the pubsub topic of v3 requests that omit it. Requests for
// another cluster are answered 421. The default is
// message.DefaultClusterID with message.DefaultShardCount shards.
func WithAutosharding(cluster uint16, numShards int) Option {
	return func(c *config) error {
		if numShards < 1 || numShards > 1<<16 {
			return fmt.Errorf("lightpush: %d shards is out of range", numShards)
		}
		c.autoshard, c.cluster, c.numShards = true, cluster, numShards
		return nil
	}
}

// WithStaticSharding makes v3 requests without a pubsub topic fail with
// 420, as nwaku does without autosharding; cluster is still checked.
func WithStaticSharding(cluster uint16) Option {
	return func(c *config) error {
		c.autoshard, c.cluster = false, cluster
		return nil
	}
}
