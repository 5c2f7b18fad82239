package store

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
)

// Label values of waku_store_errors, nwaku's (protocol_metrics.nim).
const (
	errDial          = "dial_failure"
	errDecodeRPC     = "decode_rpc_failure"
	errNoSuccessCode = "status_code_no_success"
)

// Metrics are nwaku's store protocol metrics (waku/waku_store/
// protocol_metrics.nim): waku_store_queries, waku_store_errors{type} and
// waku_store_time_seconds{phase}. One Metrics serves a node's server and
// client, which share waku_store_errors as in nwaku. A nil *Metrics counts
// nothing.
type Metrics struct {
	queries prometheus.Counter
	errors  *prometheus.CounterVec
	time    *prometheus.GaugeVec
}

// NewMetrics creates the metrics and registers them on reg (nil registers
// nothing). It fails if reg already holds metrics of these names.
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		queries: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "waku_store_queries", Help: "number of store queries received",
		}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "waku_store_errors", Help: "number of store protocol errors",
		}, []string{"type"}),
		time: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "waku_store_time_seconds", Help: "Time in seconds spent by each store phase",
		}, []string{"phase"}),
	}
	if reg != nil {
		if err := errors.Join(reg.Register(m.queries), reg.Register(m.errors), reg.Register(m.time)); err != nil {
			return nil, err
		}
	}
	return m, nil
}

func (m *Metrics) query() {
	if m != nil {
		m.queries.Inc()
	}
}

func (m *Metrics) fail(kind string) {
	if m != nil {
		m.errors.WithLabelValues(kind).Inc()
	}
}

func (m *Metrics) phase(name string, seconds float64) {
	if m != nil {
		m.time.WithLabelValues(name).Set(seconds)
	}
}
