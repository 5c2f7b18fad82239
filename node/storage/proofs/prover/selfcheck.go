package prover

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	mrand "math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ipfs/go-cid"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/cairn-node/cairn/accel/poseidon2"
	"github.com/cairn-node/cairn/node/storage/cids"
	"github.com/cairn-node/cairn/node/storage/manifest"
)

// selfCheckSamples is the sample count of a self-check: one cell is
// enough to show the slot trees, the block and the prover all work, and
// its keys take the least time to set up.
const selfCheckSamples = 1

// serviceMetrics are the service's metrics: the self-check's gauge and
// counter, and the proving time of every proof.
type serviceMetrics struct {
	ok       *prometheus.GaugeVec
	failures prometheus.Counter
	// duration is Prove's time by sample count and where the Groth16
	// part ran ("local", or "farm" when Options.Remote made it).
	duration *prometheus.HistogramVec
	// fallbacks counts Remote failures that were proved locally instead.
	fallbacks prometheus.Counter
}

func newServiceMetrics(reg prometheus.Registerer) *serviceMetrics {
	m := &serviceMetrics{
		ok: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "cairn_storage_proof_selfcheck_ok",
			Help: "1 when the last storage-proof self-check of the dataset (manifest CID) proved and verified, 0 when it failed.",
		}, []string{"cid"}),
		failures: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "cairn_storage_proof_selfcheck_failures_total",
			Help: "Storage-proof self-checks that failed to prove or verify a stored slot.",
		}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "cairn_storage_proof_duration_seconds",
			Help:    "Time to make a storage proof (slot trees, cells and Groth16; not a key setup), by sample count and where the Groth16 part ran (local or farm).",
			Buckets: []float64{0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 60, 120},
		}, []string{"samples", "prover"}),
		fallbacks: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "cairn_storage_proof_farm_fallbacks_total",
			Help: "Storage proofs the prover farm failed to make in time, made locally instead.",
		}),
	}
	if reg != nil {
		reg.MustRegister(m.ok, m.failures, m.duration, m.fallbacks)
	}
	return m
}

// SelfCheck is the outcome of one self-check.
type SelfCheck struct {
	// CID is the protected dataset checked; undefined when there was none.
	CID  cid.Cid
	Slot int
	// Err is nil when the proof was made and verified.
	Err error
}

// SelfCheckOnce proves one random slot of one random erasure-coded dataset
// of the store with one sample and random entropy, verifies the proof and
// records the outcome in the metrics (cairn_storage_proof_selfcheck_ok
// {cid} = 1 or 0, cairn_storage_proof_selfcheck_failures_total). It
// returns false when there was nothing to check (no erasure-coded
// dataset, or the keys are still being set up). Datasets no longer stored
// lose their gauge.
func (s *Service) SelfCheckOnce(ctx context.Context) (SelfCheck, bool) {
	ds, err := s.protectedDatasets(ctx)
	if err != nil {
		s.log.Warn("proof self-check: list datasets", "err", err)
		return SelfCheck{}, false
	}
	if len(ds) == 0 {
		return SelfCheck{}, false
	}
	d := ds[mrand.IntN(len(ds))]
	c := SelfCheck{CID: d.cid, Slot: mrand.IntN(d.slots)}
	c.Err = s.checkSlot(ctx, c.CID, c.Slot)
	switch {
	case errors.Is(c.Err, ErrSetupRunning), ctx.Err() != nil:
		return c, false
	case c.Err != nil:
		s.setGauge(c.CID, 0)
		s.metrics.failures.Inc()
		s.log.Error("storage proof self-check FAILED: the node cannot prove it holds this slot",
			"manifest", cids.String(c.CID), "slot", c.Slot, "err", c.Err)
	default:
		s.setGauge(c.CID, 1)
		s.log.Info("storage proof self-check passed", "manifest", cids.String(c.CID), "slot", c.Slot)
	}
	return c, true
}

// checkSlot proves and verifies one slot with random entropy.
func (s *Service) checkSlot(ctx context.Context, c cid.Cid, slot int) error {
	e, err := rand.Int(rand.Reader, poseidon2.Modulus())
	if err != nil {
		return fmt.Errorf("prover: entropy: %w", err)
	}
	res, err := s.Prove(ctx, c, slot, e, selfCheckSamples)
	if err != nil {
		return err
	}
	return s.Verify(ctx, selfCheckSamples, res.Proof, res.Public)
}

type protectedDataset struct {
	cid   cid.Cid
	tree  cid.Cid // the manifest's tree CID, which names its slot files
	slots int
}

// protectedDatasets lists the erasure-coded datasets of the store and
// drops the gauges of datasets no longer there.
func (s *Service) protectedDatasets(ctx context.Context) ([]protectedDataset, error) {
	infos, err := s.opts.Store.Datasets(ctx)
	if err != nil {
		return nil, err
	}
	var out []protectedDataset
	keep := map[string]bool{}
	for _, info := range infos {
		raw, err := s.opts.Store.Get(ctx, info.Manifest)
		if err != nil {
			continue // deleted meanwhile, or lost: the scrubber reports it
		}
		m, _, err := manifest.Decode(raw)
		if err != nil || !m.Protected() {
			continue
		}
		out = append(out, protectedDataset{cid: info.Manifest, tree: m.TreeCID, slots: int(m.Erasure.K + m.Erasure.M)})
		keep[cids.String(info.Manifest)] = true
	}
	s.pruneGauges(keep)
	return out, nil
}

// setGauge sets the self-check gauge of dataset c.
func (s *Service) setGauge(c cid.Cid, v float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gauged[cids.String(c)] = true
	s.metrics.ok.WithLabelValues(cids.String(c)).Set(v)
}

// pruneGauges drops the gauges of datasets not in keep.
func (s *Service) pruneGauges(keep map[string]bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.gauged {
		if !keep[c] {
			s.metrics.ok.DeleteLabelValues(c)
			delete(s.gauged, c)
		}
	}
}

// SelfCheckAll proves every slot of every erasure-coded dataset of the
// store once (one sample each, random entropy), which also builds the
// slot trees of datasets stored since the last round, and records each
// dataset's outcome in the metrics: cairn_storage_proof_selfcheck_ok{cid}
// is 1 only when all its slots proved. Slot trees of datasets no longer
// stored are deleted first. It returns the failed checks; it stops early,
// returning what it has, when ctx ends or the keys are still being set up.
func (s *Service) SelfCheckAll(ctx context.Context) []SelfCheck {
	ds, err := s.protectedDatasets(ctx)
	if err != nil {
		s.log.Warn("proof self-check: list datasets", "err", err)
		return nil
	}
	if n, err := s.pruneSlotFiles(ds); err != nil {
		s.log.Warn("proof self-check: prune slot trees", "err", err)
	} else if n > 0 {
		s.log.Info("deleted slot trees of datasets no longer stored", "files", n)
	}
	var failed []SelfCheck
	for _, d := range ds {
		ok := true
		for slot := range d.slots {
			err := s.checkSlot(ctx, d.cid, slot)
			if errors.Is(err, ErrSetupRunning) || ctx.Err() != nil {
				return failed
			}
			if err != nil {
				ok = false
				failed = append(failed, SelfCheck{CID: d.cid, Slot: slot, Err: err})
				s.metrics.failures.Inc()
				s.log.Error("storage proof self-check FAILED: the node cannot prove it holds this slot",
					"manifest", cids.String(d.cid), "slot", slot, "err", err)
			}
		}
		if ok {
			s.setGauge(d.cid, 1)
			s.log.Info("storage proof self-check passed", "manifest", cids.String(d.cid), "slots", d.slots)
		} else {
			s.setGauge(d.cid, 0)
		}
	}
	return failed
}

// pruneSlotFiles deletes the files in the slot-tree directory that belong
// to none of ds (by tree CID) and returns how many it deleted.
func (s *Service) pruneSlotFiles(ds []protectedDataset) (int, error) {
	dir := filepath.Join(s.opts.Dir, "slots")
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	} else if err != nil {
		return 0, err
	}
	keep := map[string]bool{}
	for _, d := range ds {
		keep[d.tree.String()] = true
	}
	// Hold the prover slot, so no proof writes a slot file meanwhile.
	_ = s.acquire(context.Background()) // never fails: Background never ends
	defer s.release()
	n := 0
	for _, e := range entries {
		tree, _, _ := strings.Cut(e.Name(), ".")
		if keep[tree] || e.IsDir() {
			continue
		}
		if err := os.Remove(filepath.Join(dir, e.Name())); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return n, err
		}
		n++
	}
	return n, nil
}

// RunSelfCheck runs SelfCheckAll every interval until ctx ends.
func (s *Service) RunSelfCheck(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			s.SelfCheckAll(ctx)
		}
	}
}
