package blockexc

import "github.com/prometheus/client_golang/prometheus"

// metrics are the exchange's Prometheus series (cairn_exchange_*).
type metrics struct {
	servedBlocks, servedBytes     prometheus.Counter
	receivedBlocks, receivedBytes prometheus.Counter
	invalidBlocks                 prometheus.Counter
	fetches                       *prometheus.CounterVec // by result: ok, error
}

// WithRegisterer registers the exchange's Prometheus series with reg:
// blocks and bytes served and received, blocks rejected (CID or proof
// mismatch) and fetches by result. The default registers nothing.
func WithRegisterer(reg prometheus.Registerer) Option {
	return func(c *config) error {
		c.registerer = reg
		return nil
	}
}

func newMetrics(reg prometheus.Registerer) *metrics {
	c := func(name, help string) prometheus.Counter {
		return prometheus.NewCounter(prometheus.CounterOpts{Name: "cairn_exchange_" + name, Help: help})
	}
	m := &metrics{
		servedBlocks:   c("served_blocks_total", "Blocks sent to peers in WantBlocks responses."),
		servedBytes:    c("served_bytes_total", "Block bytes sent to peers."),
		receivedBlocks: c("received_blocks_total", "Blocks received from peers, verified and staged."),
		receivedBytes:  c("received_bytes_total", "Block bytes received from peers, verified and staged."),
		invalidBlocks:  c("invalid_responses_total", "Block responses rejected: a block not matching its CID or its Merkle proof."),
		fetches: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "cairn_exchange_fetches_total", Help: "Dataset fetches, by result (ok, error).",
		}, []string{"result"}),
	}
	if reg != nil {
		reg.MustRegister(m.servedBlocks, m.servedBytes, m.receivedBlocks, m.receivedBytes, m.invalidBlocks, m.fetches)
	}
	return m
}
