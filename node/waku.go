package node

import (
	"context"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum/p2p/enode"
	"github.com/libp2p/go-libp2p/core/peer"
	ma "github.com/multiformats/go-multiaddr"
	manet "github.com/multiformats/go-multiaddr/net"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/cairn-node/cairn/node/api"
	"github.com/cairn-node/cairn/node/relay"
	"github.com/cairn-node/cairn/node/relay/message"
	"github.com/cairn-node/cairn/node/waku/discovery"
	"github.com/cairn-node/cairn/node/waku/enr"
	"github.com/cairn-node/cairn/node/waku/filter"
	"github.com/cairn-node/cairn/node/waku/lightpush"
	"github.com/cairn-node/cairn/node/waku/metadata"
	"github.com/cairn-node/cairn/node/waku/peerexchange"
	"github.com/cairn-node/cairn/node/waku/store"
	"github.com/cairn-node/cairn/node/waku/store/archive"
)

// waku holds the Waku services around the relay: the metadata handshake,
// the light-client services (filter, lightpush, peer exchange), discovery
// and the loops that feed relayed messages to filter subscribers.
//
// Lifecycle: startWaku builds everything after the relay and the host are
// up; close stops the feeding loops first (they read relay
// subscriptions), then the services, before the relay and host close.
type waku struct {
	cluster uint16
	shards  []uint16 // the shard indices the node relays
	topics  []string // their pubsub topics

	metadata  *metadata.Service
	filter    *filter.Server
	lightpush *lightpush.Server
	px        *peerexchange.Server
	store     *store.Server
	// storeMetrics are shared by the store server and the REST client.
	storeMetrics *store.Metrics
	discv5       *discovery.Discv5
	self         *enode.Node // our ENR, for /debug/v1/info

	dnsMu    sync.Mutex
	dnsNodes []*enode.Node // nodes found by DNS discovery, served by peer exchange

	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// startWaku starts the Waku services of cfg.Waku on the node's host and
// relay. On error, what was started is closed again.
func (n *Node) startWaku() (err error) {
	wc := n.cfg.Waku
	w := &waku{cluster: wc.ClusterID}
	for i := range wc.Shards {
		w.shards = append(w.shards, i)
		w.topics = append(w.topics, message.PubsubTopic{Cluster: wc.ClusterID, Shard: i}.String())
	}
	ctx, cancel := context.WithCancel(context.Background())
	w.cancel = cancel
	defer func() {
		if err != nil {
			w.close()
		}
	}()
	log := n.opts.log
	h := n.host
	if n.rln, err = n.startRLN(ctx); err != nil {
		return err
	}

	if w.metadata, err = metadata.New(h, metadata.Options{
		ClusterID: wc.ClusterID,
		Shards:    func() []uint16 { return w.shards },
		Logger:    log.With("subsys", "node/waku/metadata"),
	}); err != nil {
		return fmt.Errorf("node: waku metadata: %w", err)
	}
	w.metadata.Start()

	// nwaku's relay metrics, counted on the node's own subscriptions.
	msgs := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "waku_node_messages_total", Help: "number of messages received"}, []string{"type"})
	sizes := prometheus.NewHistogram(prometheus.HistogramOpts{Name: "waku_histogram_message_size", Help: "message size histogram in kB",
		Buckets: []float64{0, 1, 3, 5, 15, 50, 75, 100, 125, 150, 300, 700, 1000}})
	peers := prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "waku_relay_peers", Help: "number of relay peers over all shards"},
		func() float64 {
			seen := map[peer.ID]bool{}
			for _, t := range w.topics {
				for _, p := range n.relay.Peers(t) {
					seen[p] = true
				}
			}
			return float64(len(seen))
		})
	for _, c := range []prometheus.Collector{msgs, sizes, peers} {
		if err := n.metrics.Register(c); err != nil {
			return fmt.Errorf("node: relay metrics: %w", err)
		}
	}
	relayed := msgs.WithLabelValues("relay")
	feeds := []func(relay.Envelope){func(env relay.Envelope) {
		relayed.Inc()
		sizes.Observe(float64(len(env.Message.Payload)) / 1024)
	}}
	if wc.Filter {
		if w.filter, err = filter.NewServer(h, filter.WithLogger(log), filter.WithMetrics(n.metrics),
			filter.WithAutosharding(wc.ClusterID, int(wc.Shards))); err != nil {
			return fmt.Errorf("node: waku filter: %w", err)
		}
		feeds = append(feeds, func(env relay.Envelope) { w.filter.HandleMessage(env.PubsubTopic, env.Message) })
	}
	if wc.Lightpush {
		if w.lightpush, err = lightpush.NewServer(h, n.publisher(), lightpush.WithLogger(log), lightpush.WithMetrics(n.metrics),
			lightpush.WithAutosharding(wc.ClusterID, int(wc.Shards))); err != nil {
			return fmt.Errorf("node: waku lightpush: %w", err)
		}
	}
	feeds = append(feeds, n.archiveFeed(ctx)...)
	if n.archive != nil {
		if w.storeMetrics, err = store.NewMetrics(n.metrics); err != nil {
			return fmt.Errorf("node: waku store metrics: %w", err)
		}
		if w.store, err = store.NewServer(h, n.archive, store.ServerOptions{Metrics: w.storeMetrics, Logger: log}); err != nil {
			return fmt.Errorf("node: waku store: %w", err)
		}
	}
	// One subscription per shard feeds the metrics, filter and the archive.
	for _, t := range w.topics {
		sub, err := n.relay.Subscribe(t)
		if err != nil {
			return fmt.Errorf("node: waku: subscribe to %s: %w", t, err)
		}
		w.wg.Add(1)
		go func() {
			defer w.wg.Done()
			defer sub.Cancel()
			for {
				env, err := sub.Next(ctx)
				if err != nil {
					return
				}
				for _, f := range feeds {
					f(env)
				}
			}
		}()
	}

	key, err := enr.ECDSAKey(h.Peerstore().PrivKey(h.ID()))
	if err != nil {
		return fmt.Errorf("node: waku ENR key: %w", err)
	}
	rs, err := enr.NewRelayShards(wc.ClusterID, w.shards...)
	if err != nil {
		return fmt.Errorf("node: waku ENR shards: %w", err)
	}
	local := enr.Fields{Capabilities: w.capabilities(), Shards: &rs}
	for _, a := range h.Addrs() {
		if _, err := a.ValueForProtocol(ma.P_WS); err == nil {
			local.Multiaddrs = append(local.Multiaddrs, a)
		} else if port, err := a.ValueForProtocol(ma.P_TCP); err == nil && local.TCP == 0 {
			fmt.Sscan(port, &local.TCP)
		}
	}
	if wc.Discv5 {
		var boot []*enode.Node
		for _, s := range wc.Discv5Bootnodes {
			b, err := enr.Parse(s)
			if err != nil {
				return fmt.Errorf("node: waku.discv5_bootnodes: %q: %w", s, err)
			}
			boot = append(boot, b)
		}
		w.discv5, err = discovery.NewDiscv5(discovery.Discv5Options{
			Key: key, ListenAddr: fmt.Sprintf("0.0.0.0:%d", wc.Discv5Port), Bootnodes: boot, Local: local,
			OnPeer: func(ai peer.AddrInfo, _ *enode.Node) { w.dial(ctx, n, ai) },
			Logger: log.With("subsys", "node/waku/discovery"),
		})
		if err == nil {
			err = w.discv5.Start()
		}
		if err != nil {
			return fmt.Errorf("node: waku discv5 on UDP port %d: %w; pick another waku.discv5_port", wc.Discv5Port, err)
		}
		w.self = w.discv5.Self()
	} else if w.self, err = enr.Build(key, local); err != nil {
		return fmt.Errorf("node: waku ENR: %w", err)
	}
	if wc.PeerExchange {
		if w.px, err = peerexchange.NewServer(h, peerexchange.SourceFunc(w.peerENRs), peerexchange.ServerOptions{ClusterID: &w.cluster}); err != nil {
			return fmt.Errorf("node: waku peer exchange: %w", err)
		}
	}
	if len(wc.DNSDiscovery) > 0 {
		w.wg.Add(1)
		go func() {
			defer w.wg.Done()
			w.resolveDNS(ctx, n, wc.DNSDiscovery)
		}()
	}
	n.waku = w
	return nil
}

// capabilities returns the waku2 ENR field of the services that run.
func (w *waku) capabilities() enr.Capabilities {
	c := enr.Relay
	if w.filter != nil {
		c |= enr.Filter
	}
	if w.lightpush != nil {
		c |= enr.Lightpush
	}
	return c
}

// peerENRs is the peer-exchange source: nodes found by discv5 and DNS.
func (w *waku) peerENRs() []*enode.Node {
	w.dnsMu.Lock()
	out := append([]*enode.Node(nil), w.dnsNodes...)
	w.dnsMu.Unlock()
	if w.discv5 != nil {
		out = append(out, w.discv5.PeerENRs()...)
	}
	return out
}

// resolveDNS reads the EIP-1459 trees and dials the Waku nodes in them.
func (w *waku) resolveDNS(ctx context.Context, n *Node, urls []string) {
	nodes, err := discovery.ResolveDNS(ctx, urls, discovery.DNSOptions{})
	if err != nil {
		n.log.Warn("DNS discovery", "err", err)
	}
	w.dnsMu.Lock()
	w.dnsNodes = nodes
	w.dnsMu.Unlock()
	for _, ai := range enr.AddrInfos(nodes) {
		w.dial(ctx, n, ai)
	}
}

// dial connects to a discovered peer in the background.
func (w *waku) dial(ctx context.Context, n *Node, ai peer.AddrInfo) {
	if ai.ID == n.host.ID() {
		return
	}
	w.wg.Add(1)
	go func() {
		defer w.wg.Done()
		dctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		if err := n.host.Connect(dctx, ai); err != nil && !errors.Is(err, context.Canceled) {
			n.log.Debug("dial discovered peer", "peer", ai.ID, "err", err)
		}
	}()
}

// listenAddrs returns the host's addresses with /p2p/<id>, loopback and
// unspecified ones included, for /debug/v1/info.
func listenAddrs(n *Node) []string {
	var out []string
	for _, a := range n.host.Addrs() {
		if _, err := manet.ToNetAddr(a); err != nil && !isWS(a) {
			continue
		}
		out = append(out, a.String()+"/p2p/"+n.host.ID().String())
	}
	return out
}

func isWS(a ma.Multiaddr) bool {
	_, err := a.ValueForProtocol(ma.P_WS)
	return err == nil
}

// close stops the feeding loops and the services. Safe on a partly
// started waku.
func (w *waku) close() error {
	w.cancel()
	w.wg.Wait()
	var errs []error
	if w.px != nil {
		errs = append(errs, w.px.Close())
	}
	if w.store != nil {
		errs = append(errs, w.store.Close())
	}
	if w.discv5 != nil {
		errs = append(errs, w.discv5.Close())
	}
	if w.lightpush != nil {
		errs = append(errs, w.lightpush.Close())
	}
	if w.filter != nil {
		errs = append(errs, w.filter.Close())
	}
	if w.metadata != nil {
		errs = append(errs, w.metadata.Close())
	}
	return errors.Join(errs...)
}

// publisher is what lightpush and the relay REST API publish through: the
// relay, behind the node's own RLN proving when RLN is on.
func (n *Node) publisher() rlnPublisher { return rlnPublisher{r: n.relay, s: n.rln} }

// archiveFeed returns the consumer that archives relayed messages for
// store queries, or none when the store is off. Messages the archive
// refuses (ephemeral, duplicate, timestamp too far from now) are skipped,
// as nwaku's archive skips them.
func (n *Node) archiveFeed(ctx context.Context) []func(relay.Envelope) {
	if n.archive == nil {
		return nil
	}
	return []func(relay.Envelope){func(env relay.Envelope) {
		_, _ = n.archive.Add(ctx, env.PubsubTopic, env.Message)
	}}
}

// openArchive opens the Waku message archive in <data_dir>/waku-store
// when the store is on.
func (n *Node) openArchive() error {
	wc := n.cfg.Waku
	if !wc.Store {
		return nil
	}
	a, err := archive.Open(archive.Options{
		Dir: filepath.Join(n.cfg.DataDir, "waku-store"),
		Retention: archive.Retention{
			MaxAge:   wc.StoreMaxAgeDuration(),
			MaxBytes: int64(min(wc.StoreMaxSizeBytes(), math.MaxInt64)),
		},
		Registerer: n.metrics,
		Logger:     n.opts.log,
	})
	if err != nil {
		return fmt.Errorf("node: open waku message archive: %w", err)
	}
	a.Start()
	n.archive = a
	return nil
}

// wakuHealth is the nwaku-style readiness report of GET /health: one entry
// per Waku protocol; the node is ready when every mounted one is.
func (n *Node) wakuHealth() api.HealthReport {
	w := n.waku
	state := func(on bool) string {
		if on {
			return api.HealthReady
		}
		return api.HealthNotMounted
	}
	rep := api.HealthReport{ProtocolsHealth: []api.ProtocolHealth{
		{Protocol: "Relay", Health: api.HealthReady},
		{Protocol: "Rln Relay", Health: n.rlnHealth()},
		{Protocol: "Lightpush", Health: state(w.lightpush != nil)},
		{Protocol: "Filter", Health: state(w.filter != nil)},
		{Protocol: "Store", Health: state(n.storeOn())},
	}}
	rep.NodeHealth = api.HealthReady
	for _, p := range rep.ProtocolsHealth {
		if p.Health != api.HealthReady && p.Health != api.HealthNotMounted {
			rep.NodeHealth = api.HealthInitializing
		}
	}
	return rep
}

// rlnHealth is the state of RLN validation.
func (n *Node) rlnHealth() string { return n.rln.health() }

// storeOn reports whether the store service runs.
func (n *Node) storeOn() bool { return n.waku.store != nil }
