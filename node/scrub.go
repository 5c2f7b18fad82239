package node

import (
	"context"
	"errors"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/cairn-node/cairn/node/storage/cids"
	"github.com/cairn-node/cairn/node/storage/ec"
	"github.com/cairn-node/cairn/node/storage/manifest"
)

// DefaultScrubInterval is how often the node re-verifies its erasure-coded
// datasets: every block is read and hashed, and lost or corrupt blocks are
// rebuilt from parity and stored again. A scrub of 10 GB reads 10 GB, so
// it runs rarely; reads repair what they meet in between.
const DefaultScrubInterval = 24 * time.Hour

// WithScrubInterval sets the period of the background scrubber; zero or
// negative disables it. The default is DefaultScrubInterval.
func WithScrubInterval(d time.Duration) Option {
	return func(o *options) error {
		o.scrubInterval = d
		return nil
	}
}

// scrubLoop scrubs every erasure-coded dataset once per interval until ctx
// ends. It runs on a goroutine owned by the node (n.wg).
func (n *Node) scrubLoop(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			n.scrubAll(ctx)
		}
	}
}

// scrubAll scrubs each erasure-coded dataset in turn and logs what it found.
func (n *Node) scrubAll(ctx context.Context) {
	log := n.log.With("subsys", "node/scrub")
	infos, err := n.store.Datasets(ctx)
	if err != nil {
		log.Warn("list datasets", "err", err)
		return
	}
	for _, d := range infos {
		if ctx.Err() != nil {
			return
		}
		raw, err := n.store.Get(ctx, d.Manifest)
		if err != nil {
			log.Warn("read manifest", "manifest", cids.String(d.Manifest), "err", err)
			continue
		}
		m, _, err := manifest.Decode(raw)
		if err != nil || !m.Protected() {
			continue // plain datasets have no parity to repair from
		}
		rep, err := ec.Scrub(ctx, n.store, d.Manifest, ec.Options{Router: n.router, Hasher: n.hasher, Logger: n.opts.log})
		n.scrubMetrics.add(rep)
		switch {
		case errors.Is(err, ec.ErrUnrecoverable):
			log.Error("dataset has lost more blocks than parity can rebuild", "manifest", cids.String(d.Manifest), "report", rep, "err", err)
		case err != nil:
			log.Warn("scrub", "manifest", cids.String(d.Manifest), "err", err)
		default:
			log.Info("scrubbed", "manifest", cids.String(d.Manifest), "report", rep)
		}
	}
}

// scrubMetrics count what scrubs found (cairn_storage_scrub_*).
type scrubMetrics struct {
	checked, missing, corrupt, repaired, lost prometheus.Counter
}

func newScrubMetrics(reg prometheus.Registerer) *scrubMetrics {
	c := func(name, help string) prometheus.Counter {
		m := prometheus.NewCounter(prometheus.CounterOpts{Name: "cairn_storage_scrub_" + name, Help: help})
		reg.MustRegister(m)
		return m
	}
	return &scrubMetrics{
		checked:  c("checked_blocks_total", "Blocks of erasure-coded datasets read and verified by the scrubber."),
		missing:  c("missing_blocks_total", "Blocks the scrubber found missing."),
		corrupt:  c("corrupt_blocks_total", "Blocks the scrubber found not matching their CID."),
		repaired: c("repaired_blocks_total", "Blocks the scrubber rebuilt from parity and stored again."),
		lost:     c("lost_blocks_total", "Blocks in columns with more losses than parity can rebuild."),
	}
}

func (s *scrubMetrics) add(r ec.Report) {
	s.checked.Add(float64(r.Checked))
	s.missing.Add(float64(r.Missing))
	s.corrupt.Add(float64(r.Corrupt))
	s.repaired.Add(float64(r.Repaired))
	s.lost.Add(float64(r.LostBlocks))
}
