package farm

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are a Submitter's Prometheus series (cairn_farm_*).
type metrics struct {
	submitted  *prometheus.CounterVec   // by kind: job attempts published
	completed  *prometheus.CounterVec   // by kind: verified results returned
	failed     *prometheus.CounterVec   // by kind: Submits that failed
	badResults *prometheus.CounterVec   // by kind, worker: results failing verification
	duplicates *prometheus.CounterVec   // by kind: results ignored as duplicates
	malformed  prometheus.Counter       // results with a malformed envelope
	latency    *prometheus.HistogramVec // by kind, worker: handler time on the worker
	roundTrip  *prometheus.HistogramVec // by kind: Submit to verified result
}

// latencyBuckets span a fast signature batch to a slow storage proof.
var latencyBuckets = prometheus.ExponentialBuckets(0.005, 2, 14) // 5 ms … 41 s

// newMetrics returns unregistered series; register adds them to a
// registry.
func newMetrics() *metrics {
	counter := func(name, help string, labels ...string) *prometheus.CounterVec {
		return prometheus.NewCounterVec(prometheus.CounterOpts{Name: "cairn_farm_" + name, Help: help}, labels)
	}
	m := &metrics{
		submitted:  counter("jobs_submitted_total", "Job attempts published to the farm, by kind.", "kind"),
		completed:  counter("jobs_completed_total", "Jobs whose result verified, by kind.", "kind"),
		failed:     counter("jobs_failed_total", "Jobs that failed: handler error, bad results on every attempt, or cancelled, by kind.", "kind"),
		badResults: counter("bad_results_total", "Results that failed verification, by kind and worker.", "kind", "worker"),
		duplicates: counter("duplicate_results_total", "Results ignored because their job already had one, by kind.", "kind"),
		malformed: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "cairn_farm_malformed_results_total", Help: "Result messages dropped for a malformed envelope.",
		}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "cairn_farm_worker_latency_seconds", Help: "Handler time of jobs on the worker, by kind and worker.", Buckets: latencyBuckets,
		}, []string{"kind", "worker"}),
		roundTrip: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "cairn_farm_job_seconds", Help: "Time from Submit to a verified result, by kind.", Buckets: latencyBuckets,
		}, []string{"kind"}),
	}
	return m
}

// register adds m's series to reg. It fails when reg already has them
// (one Submitter per registry).
func (m *metrics) register(reg prometheus.Registerer) error {
	for _, c := range []prometheus.Collector{m.submitted, m.completed, m.failed, m.badResults, m.duplicates, m.malformed, m.latency, m.roundTrip} {
		if err := reg.Register(c); err != nil {
			return fmt.Errorf("farm: register submitter metrics: %w (one submitter per registry)", err)
		}
	}
	return nil
}
