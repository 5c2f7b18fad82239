package node

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/ethclient"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/cairn-node/cairn/node/api"
	"github.com/cairn-node/cairn/node/config"
	"github.com/cairn-node/cairn/node/relay"
	"github.com/cairn-node/cairn/node/relay/message"
	"github.com/cairn-node/cairn/node/relay/rln"
	"github.com/cairn-node/cairn/node/relay/rln/budget"
	"github.com/cairn-node/cairn/node/relay/rln/membership"
	"github.com/cairn-node/cairn/node/relay/rln/membership/keystore"
	"github.com/cairn-node/cairn/node/relay/rln/membership/onchain"
	"github.com/cairn-node/cairn/node/relay/rlnrelay"
	"github.com/cairn-node/cairn/node/waku/lightpush"
)

// EnvRLNPassword names the environment variable that holds the password of
// the RLN keystore (waku.rln.keystore).
const EnvRLNPassword = "CAIRN_RLN_PASSWORD"

// rlnService is RLN v2 on the node: the membership group (from a static
// file or the chain), the relay validator fed with the group's roots, and,
// when the keystore holds one of the group's members, the prover and the
// message budget that put proofs on the node's own messages.
//
// Lifecycle: startRLN builds it before the relay carries traffic; close
// stops the root feed and the chain syncer, then the validator and budget.
type rlnService struct {
	cfgEpoch  uint64 // epoch length in seconds
	group     *membership.Group
	validator *rlnrelay.Validator
	syncer    *onchain.Syncer // nil for a static membership
	ready     atomic.Bool     // the group holds the members (first sync done)

	// Own publishing; nil cred when the node has no membership.
	cred   *keystore.Credential
	index  uint64
	budget *budget.Budget
	prover *rln.Prover
	// farm, when set, makes the proofs first ([farm] rln_proofs).
	farm *farmClient
	// proveMu serialises proofs: each allocates a message id first.
	proveMu sync.Mutex

	verdicts *prometheus.CounterVec
	spam     prometheus.Counter
	proveDur prometheus.Histogram

	cancel context.CancelFunc
	wg     sync.WaitGroup
	// closeMu orders goBackground against close, so no goroutine starts
	// once close waits for them.
	closeMu sync.Mutex
	closed  bool
}

// goBackground counts a goroutine the caller is about to start; false
// once close has begun.
func (s *rlnService) goBackground() bool {
	s.closeMu.Lock()
	defer s.closeMu.Unlock()
	if s.closed {
		return false
	}
	s.wg.Add(1)
	return true
}

// startRLN sets up RLN when waku.rln.enabled, and installs its validator on
// the relay. It returns nil, nil when RLN is off.
func (n *Node) startRLN(ctx context.Context) (_ *rlnService, err error) {
	rc := n.cfg.Waku.RLN
	if !rc.Enabled {
		return nil, nil
	}
	s := &rlnService{cfgEpoch: uint64(rc.EpochDuration() / time.Second)}
	bg, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	defer func() {
		if err != nil {
			s.close() // s, not the nil result: a failed start leaves nothing running
		}
	}()
	dir := filepath.Join(n.cfg.DataDir, "rln")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("node: rln: %w", err)
	}
	if s.group, err = membership.NewGroup(); err != nil {
		return nil, fmt.Errorf("node: rln: %w", err)
	}
	if err := s.registerMetrics(n.metrics); err != nil {
		return nil, err
	}
	var chainID, contract string
	switch {
	case rc.Membership != "":
		if err := membership.LoadStaticFile(s.group, rc.Membership); err != nil {
			return nil, fmt.Errorf("node: waku.rln.membership: %w", err)
		}
		s.ready.Store(true)
	default:
		client, err := ethclient.DialContext(ctx, rc.EthRPC)
		if err != nil {
			return nil, fmt.Errorf("node: waku.rln.eth_rpc %s: %w", rc.EthRPC, err)
		}
		id, err := client.ChainID(ctx)
		if err != nil {
			client.Close()
			return nil, fmt.Errorf("node: waku.rln.eth_rpc %s: chain id: %w; is it an Ethereum JSON-RPC endpoint?", rc.EthRPC, err)
		}
		addr := common.HexToAddress(rc.Contract)
		start, err := onchain.DeployedBlock(ctx, client, addr)
		if err != nil {
			client.Close()
			return nil, fmt.Errorf("node: waku.rln.contract %s: %w", rc.Contract, err)
		}
		if s.syncer, err = onchain.NewSyncer(client, s.group, onchain.Config{
			ChainID: id.Uint64(), Contract: addr, StartBlock: start,
			CheckpointPath: filepath.Join(dir, onchain.CheckpointFileName(id.Uint64(), addr)),
			Logger:         n.opts.log,
		}); err != nil {
			client.Close()
			return nil, fmt.Errorf("node: rln membership sync: %w", err)
		}
		chainID, contract = id.String(), rc.Contract
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer client.Close()
			if err := s.syncer.SyncOnce(bg); err != nil && bg.Err() == nil {
				n.log.Warn("RLN membership: first sync failed; retrying in the background", "err", err)
			}
			s.ready.Store(true)
			if err := s.syncer.Run(bg); err != nil && bg.Err() == nil {
				n.log.Error("RLN membership sync stopped", "err", err)
			}
		}()
	}

	if s.validator, err = rlnrelay.New(rlnrelay.Options{
		EpochSeconds: s.cfgEpoch, Logger: n.opts.log,
		OnSpam: func(sp rlnrelay.Spam) {
			s.spam.Inc()
			n.log.Warn("RLN spam: a member signalled twice in one epoch; its secret is recovered and its messages dropped",
				"epoch", sp.Epoch, "nullifier", fmt.Sprintf("%x", sp.Nullifier[:8]))
			if n.opts.onSpam != nil {
				n.opts.onSpam(sp)
			}
			if !s.goBackground() {
				return // closing
			}
			go func() { // finding the leaf takes up to a second
				defer s.wg.Done()
				rec := slashingRecord(sp, s.group, contract, chainID)
				path, err := writeSlashingRecord(filepath.Join(dir, SlashingDir), rec)
				if err != nil {
					n.log.Error("RLN spam: write slashing record", "err", err)
					return
				}
				n.log.Warn("RLN spam: slashing record written", "path", path, "id_commitment", rec.IDCommitment)
			}()
		},
	}); err != nil {
		return nil, fmt.Errorf("node: rln validator: %w", err)
	}
	membership.PushRoots(s.group, s.validator, 0)
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		_ = membership.FeedRoots(bg, s.group, s.validator) // ends with bg
	}()
	n.relay.AddValidator(s.validate)

	if rc.Keystore != "" {
		if err := s.loadMembership(rc, dir, chainID, contract, n); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// loadMembership reads the node's own credential from the keystore and
// opens the message budget, so the node can prove its messages.
func (s *rlnService) loadMembership(rc config.RLN, dir, chainID, contract string, n *Node) error {
	creds, err := keystore.Load(rc.Keystore, os.Getenv(EnvRLNPassword))
	if err != nil {
		return fmt.Errorf("node: waku.rln.keystore %s: %w; set %s to its password", rc.Keystore, err, EnvRLNPassword)
	}
	var cred *keystore.Credential
	if contract != "" {
		c, err := keystore.Find(creds, chainID, contract)
		if err != nil {
			return fmt.Errorf("node: waku.rln.keystore %s: %w; register with `cairn rln register`", rc.Keystore, err)
		}
		cred = &c
	} else if len(creds) > 0 {
		cred = &creds[0]
	}
	if cred == nil {
		return fmt.Errorf("node: waku.rln.keystore %s holds no membership; create one with `cairn rln keygen`", rc.Keystore)
	}
	s.cred = cred
	s.index = cred.TreeIndex
	if s.budget, err = budget.Open(filepath.Join(dir, "budget"), budget.Options{
		Limit: cred.UserMessageLimit, EpochSeconds: s.cfgEpoch, Logger: n.opts.log,
	}); err != nil {
		return fmt.Errorf("node: rln message budget: %w", err)
	}
	if s.prover, err = rln.NewProver(); err != nil {
		return fmt.Errorf("node: rln prover: %w", err)
	}
	if n.farm != nil && n.cfg.Farm.RLNProofs {
		s.farm = n.farm
	}
	return nil
}

// validate is the relay validator: the RLN checks, counted by verdict.
func (s *rlnService) validate(ctx context.Context, topic string, m message.Message) relay.Verdict {
	v := s.validator.Validate(ctx, topic, m)
	s.verdicts.WithLabelValues(v.String()).Inc()
	return v
}

// errNoMembership reports a publish with RLN on but no own membership.
var errNoMembership = errors.New("this node has no RLN membership; set waku.rln.keystore (see `cairn rln keygen`)")

// attachProof returns m with a RateLimitProof for the node's membership:
// it takes the next message id of the epoch from the budget (persisted
// before the proof is made, so a crash never reuses an id), and proves
// with the group's current path to the node's leaf.
func (s *rlnService) attachProof(m message.Message) (message.Message, error) {
	if s.cred == nil {
		return m, errNoMembership
	}
	s.proveMu.Lock()
	defer s.proveMu.Unlock()
	path, _, err := s.group.Proof(s.index)
	if err != nil {
		return m, fmt.Errorf("membership path of leaf %d: %w", s.index, err)
	}
	epoch, id, err := s.budget.Allocate()
	if err != nil {
		return m, err
	}
	rlnID, err := rln.RLNIdentifierField(rln.DefaultRLNIdentifier)
	if err != nil {
		return m, err
	}
	start := time.Now()
	pv, err := s.rlnProve(rln.ProveInput{
		IdentitySecret: s.cred.Identity.SecretHash, UserMessageLimit: s.cred.UserMessageLimit,
		MessageID: id, Path: path, Signal: rlnrelay.Signal(m),
		ExternalNullifier: rln.ExternalNullifier(rln.EpochField(epoch), rlnID),
	})
	if err != nil {
		return m, err
	}
	s.proveDur.Observe(time.Since(start).Seconds())
	p, err := rln.NewRateLimitProof(pv, epoch, rln.DefaultRLNIdentifier)
	if err != nil {
		return m, err
	}
	m.RateLimitProof = p.Encode()
	return m, nil
}

// health is the "Rln Relay" entry of /health.
func (s *rlnService) health() string {
	switch {
	case s == nil:
		return api.HealthNotMounted
	case !s.ready.Load():
		return api.HealthSynchronizing
	}
	return api.HealthReady
}

func (s *rlnService) registerMetrics(reg prometheus.Registerer) error {
	s.verdicts = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "waku_rln_messages_total",
		Help: "Relayed messages checked by the RLN validator, by verdict (accept, ignore, reject).",
	}, []string{"verdict"})
	s.spam = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "waku_rln_spam_messages_total",
		Help: "Messages of members caught signalling twice in one epoch.",
	})
	s.proveDur = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "waku_rln_proof_generation_duration_seconds",
		Help:    "Time to make one RLN proof for the node's own messages.",
		Buckets: prometheus.ExponentialBuckets(0.01, 2, 10),
	})
	for _, c := range []prometheus.Collector{s.verdicts, s.spam, s.proveDur} {
		if err := reg.Register(c); err != nil {
			return fmt.Errorf("node: rln metrics: %w", err)
		}
	}
	return nil
}

// close stops the background work; safe on a partly built service.
func (s *rlnService) close() error {
	s.closeMu.Lock()
	s.closed = true
	s.closeMu.Unlock()
	s.cancel()
	s.wg.Wait()
	var errs []error
	if s.validator != nil {
		s.validator.Close()
	}
	if s.budget != nil {
		errs = append(errs, s.budget.Close())
	}
	return errors.Join(errs...)
}

// rlnPublisher publishes through the relay, attaching the node's RLN proof
// to messages that have none when RLN is on. It serves lightpush and the
// relay REST API.
type rlnPublisher struct {
	r *relay.Relay
	s *rlnService // nil when RLN is off
}

// Publish implements lightpush.Publisher.
func (p rlnPublisher) Publish(ctx context.Context, topic string, m message.Message) ([32]byte, error) {
	if p.s != nil && len(m.RateLimitProof) == 0 {
		var err error
		if m, err = p.s.attachProof(m); err != nil {
			return [32]byte{}, &lightpush.StatusError{Code: lightpush.StatusOutOfRLNProof, Desc: "could not generate rln proof: " + err.Error()}
		}
	}
	return p.r.Publish(ctx, topic, m)
}

// PeerCount implements lightpush.Publisher.
func (p rlnPublisher) PeerCount(topic string) int { return len(p.r.Peers(topic)) }
