package filter

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// Values of the "type" label of waku_filter_errors (nwaku
// waku_filter_v2/protocol_metrics.nim, plus Cairn's push_queue_full).
const (
	errDialFailure    = "dial_failure"
	errDecodeRPC      = "decode_rpc_failure"
	errPushTimeout    = "push_timeout_failure"
	errPushQueueFull  = "push_queue_full"
	errSubscriberGone = "subscriber_removed"
)

// metrics are the service's collectors, named as nwaku names them.
type metrics struct {
	subscriptions   prometheus.Gauge
	requests        *prometheus.CounterVec
	errors          *prometheus.CounterVec
	requestDuration *prometheus.HistogramVec
	handleDuration  prometheus.Histogram
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		subscriptions: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "waku_filter_subscriptions", Help: "number of subscribed filter clients",
		}),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "waku_filter_requests", Help: "number of filter subscribe requests received",
		}, []string{"type"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "waku_filter_errors", Help: "number of filter protocol errors",
		}, []string{"type"}),
		requestDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "waku_filter_request_duration_seconds", Help: "duration of filter subscribe requests",
		}, []string{"type"}),
		handleDuration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "waku_filter_handle_message_duration_seconds",
			Help: "duration to push message to filter subscribers",
			Buckets: []float64{0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0,
				2.5, 5.0, 7.5, 10.0, 15.0, 20.0, 30.0},
		}),
	}
	if reg == nil {
		return m, nil
	}
	cs := []prometheus.Collector{m.subscriptions, m.requests, m.errors, m.requestDuration, m.handleDuration}
	for i, c := range cs {
		if err := reg.Register(c); err != nil {
			for _, done := range cs[:i] {
				reg.Unregister(done)
			}
			return nil, fmt.Errorf("filter: register metrics: %w", err)
		}
	}
	return m, nil
}
