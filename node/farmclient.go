package node

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/cairn-node/cairn/node/config"
	"github.com/cairn-node/cairn/node/farm"
	"github.com/cairn-node/cairn/node/farm/rlnjob"
	"github.com/cairn-node/cairn/node/farm/sigjob"
	"github.com/cairn-node/cairn/node/farm/storagejob"
	"github.com/cairn-node/cairn/node/relay/rln"
	"github.com/cairn-node/cairn/node/storage/proofs"
	"github.com/cairn-node/cairn/node/storage/proofs/circuit"
	"github.com/cairn-node/cairn/node/storage/proofs/prover"
)

// farmClient is the node's side of a prover farm ([farm] url): a NATS
// connection that reconnects by itself, a Monitor for the farm's status,
// and a Submitter, set up on first use so that a farm that is down when
// the node starts costs nothing but a warning. Every result is verified
// by the Submitter before use; on any farm error the caller works
// locally.
type farmClient struct {
	cfg     config.Farm
	log     *slog.Logger
	reg     prometheus.Registerer
	nc      *nats.Conn
	js      jetstream.JetStream
	monitor *farm.Monitor

	// storage checks storage proofs under the keys proveStorage adds.
	storage *storagejob.Verifier

	mu  sync.Mutex
	sub *farm.Submitter // nil until the first job that reached the farm
}

// dialFarm connects to cfg.URL without waiting for the server: the
// connection retries in the background for as long as the node runs.
func dialFarm(cfg config.Farm, log *slog.Logger, reg prometheus.Registerer) (*farmClient, error) {
	log = log.With("subsys", "node/farm", "url", cfg.URL)
	nc, err := nats.Connect(cfg.URL, nats.Name("cairn node"),
		nats.RetryOnFailedConnect(true), nats.MaxReconnects(-1),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil {
				log.Warn("prover farm unreachable; proving locally until it is back", "err", err)
			}
		}),
		nats.ReconnectHandler(func(*nats.Conn) { log.Info("prover farm reachable again") }))
	if err != nil {
		return nil, fmt.Errorf("node: farm.url %s: %w", cfg.URL, err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("node: farm: %w", err)
	}
	f := &farmClient{cfg: cfg, log: log, reg: reg, nc: nc, js: js, monitor: farm.NewMonitor(js, log), storage: storagejob.NewVerifier()}
	// Queue depth, workers and throughput on the node's /metrics too.
	if err := reg.Register(f.monitor); err != nil {
		nc.Close()
		return nil, fmt.Errorf("node: farm metrics: %w", err)
	}
	return f, nil
}

// submitter returns the Submitter, creating it on first use.
func (f *farmClient) submitter(ctx context.Context) (*farm.Submitter, error) {
	// A disconnected client would buffer the job until the timeout.
	if !f.nc.IsConnected() {
		return nil, errors.New("node: prover farm not connected")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.sub != nil {
		return f.sub, nil
	}
	sub, err := farm.NewSubmitter(ctx, f.js,
		map[string]farm.Verifier{rlnjob.Kind: rlnjob.Verifier{}, sigjob.Kind: sigjob.Verifier{}, storagejob.Kind: f.storage},
		farm.WithLogger(f.log), farm.WithRegisterer(f.reg))
	if err != nil {
		return nil, err
	}
	f.sub = sub
	return sub, nil
}

// proveRLN has the farm make the RLN proof of in and returns it once it
// verified, within the farm timeout.
func (f *farmClient) proveRLN(in rln.ProveInput) (rln.ProofValues, error) {
	ctx, cancel := context.WithTimeout(context.Background(), f.cfg.TimeoutDuration())
	defer cancel()
	payload, err := rlnjob.EncodeInput(in)
	if err != nil {
		return rln.ProofValues{}, err
	}
	sub, err := f.submitter(ctx)
	if err != nil {
		return rln.ProofValues{}, err
	}
	res, err := sub.Submit(ctx, rlnjob.Kind, payload)
	if err != nil {
		return rln.ProofValues{}, err
	}
	return rln.DecodeProofValues(res)
}

// storageFarm is prover.Remote on the node's farm ([farm] storage_proofs).
type storageFarm struct{ f *farmClient }

// Prove has the farm prove w under keys (workers hold copies of the
// node's key files) and returns the proof once it verified under keys,
// within [farm] storage_timeout.
func (r storageFarm) Prove(ctx context.Context, keys *proofs.Keys, w *circuit.Witness) (*proofs.Proof, error) {
	ctx, cancel := context.WithTimeout(ctx, r.f.cfg.StorageTimeoutDuration())
	defer cancel()
	payload, err := storagejob.EncodeInput(keys, w)
	if err != nil {
		return nil, err
	}
	r.f.storage.Add(keys.VerifyingKey())
	sub, err := r.f.submitter(ctx)
	if err != nil {
		return nil, err
	}
	res, err := sub.Submit(ctx, storagejob.Kind, payload)
	if err != nil {
		return nil, err
	}
	return storagejob.DecodeResult(res)
}

// storageRemote returns where the node's storage proofs are made: the
// farm with [farm] storage_proofs, else nil (here).
func (n *Node) storageRemote() prover.Remote {
	if n.farm == nil || !n.cfg.Farm.StorageProofs {
		return nil
	}
	return storageFarm{n.farm}
}

// close stops the submitter and the connection.
func (f *farmClient) close() error {
	f.mu.Lock()
	sub := f.sub
	f.mu.Unlock()
	var err error
	if sub != nil {
		err = sub.Close()
	}
	f.nc.Close()
	return err
}

// rlnProve makes the RLN proof of in: on the farm when the node has one
// for RLN proofs, locally otherwise and whenever the farm fails (the
// reason is logged, and the proof is not lost, only slower).
func (s *rlnService) rlnProve(in rln.ProveInput) (rln.ProofValues, error) {
	if s.farm != nil {
		start := time.Now()
		pv, err := s.farm.proveRLN(in)
		if err == nil {
			return pv, nil
		}
		s.farm.log.Warn("farm RLN proof failed; proving locally", "err", err, "after", time.Since(start).Round(time.Millisecond))
	}
	return s.prover.Prove(in)
}

// FarmStatus returns the prover farm's status document, the one served at
// farm.StatusPath, read in process (no HTTP, so no API token is needed
// when --api-auth closes the API). ok is false when the node uses no farm
// ([farm] url unset) or has not started one.
func (n *Node) FarmStatus(ctx context.Context) (st farm.Status, ok bool, err error) {
	n.mu.Lock()
	f := n.farm
	n.mu.Unlock()
	if f == nil {
		return farm.Status{}, false, nil
	}
	st, err = f.monitor.Status(ctx)
	if err != nil {
		return farm.Status{}, true, fmt.Errorf("node: farm status: %w (is the NATS server up?)", err)
	}
	return st, true, nil
}
