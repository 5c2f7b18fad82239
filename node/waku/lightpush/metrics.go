package lightpush

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// Label values of the legacy error counter (nwaku
// waku_lightpush_legacy/protocol_metrics.nim). nwaku labels legacy
// errors with the free-text reason; Cairn keeps these fixed values so
// that the label set stays bounded.
const (
	errDecodeRPC        = "decode_rpc_failure"
	errEmptyRequestBody = "empty_request_body_failure"
	errNotPublished     = "not_published_to_any_peer"
	errMessagePush      = "message_push_failure"
)

// metrics are the service's collectors, named as nwaku names them:
// waku_lightpush_v3_* for v3, waku_lightpush_* for the legacy protocol.
// Both message counters use the label type="PushRequest"; the v3 error
// counter is labelled with the status code.
type metrics struct {
	messages       *prometheus.CounterVec
	errors         *prometheus.CounterVec
	legacyMessages *prometheus.CounterVec
	legacyErrors   *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	counter := func(name, help string) *prometheus.CounterVec {
		return prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, []string{"type"})
	}
	m := &metrics{
		messages:       counter("waku_lightpush_v3_messages", "number of lightpush messages received"),
		errors:         counter("waku_lightpush_v3_errors", "number of lightpush protocol errors"),
		legacyMessages: counter("waku_lightpush_messages", "number of lightpush messages received"),
		legacyErrors:   counter("waku_lightpush_errors", "number of lightpush protocol errors"),
	}
	if reg == nil {
		return m, nil
	}
	cs := []prometheus.Collector{m.messages, m.errors, m.legacyMessages, m.legacyErrors}
	for i, c := range cs {
		if err := reg.Register(c); err != nil {
			for _, done := range cs[:i] {
				reg.Unregister(done)
			}
			return nil, fmt.Errorf("lightpush: register metrics: %w", err)
		}
	}
	return m, nil
}
