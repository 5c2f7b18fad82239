package archive

import (
	"errors"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/cairn-node/cairn/node/relay/message"
)

// Label values of waku_archive_errors, nwaku's (archive_metrics.nim).
const (
	errLabelTooOld    = "invalid_message_too_old"
	errLabelFuture    = "invalid_message_future_timestamp"
	errLabelInsert    = "insert_failure"
	errLabelRetention = "retpolicy_failure"
)

// metrics are nwaku's archive metrics (waku/waku_archive/archive_metrics.nim).
type metrics struct {
	messages        *prometheus.GaugeVec // type="stored"
	messagesPerShrd *prometheus.GaugeVec // shard
	errors          *prometheus.CounterVec
	insertDuration  prometheus.Histogram
	queryDuration   prometheus.Histogram
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		messages: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "waku_archive_messages", Help: "number of historical messages",
		}, []string{"type"}),
		messagesPerShrd: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "waku_archive_messages_per_shard", Help: "number of historical messages per shard ",
		}, []string{"shard"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "waku_archive_errors", Help: "number of store protocol errors",
		}, []string{"type"}),
		insertDuration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "waku_archive_insert_duration_seconds", Help: "message insertion duration",
		}),
		queryDuration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "waku_archive_query_duration_seconds", Help: "history query duration",
		}),
	}
	if reg == nil {
		return m, nil
	}
	var errs []error
	for _, c := range []prometheus.Collector{m.messages, m.messagesPerShrd, m.errors, m.insertDuration, m.queryDuration} {
		errs = append(errs, reg.Register(c))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return m, nil
}

// shardLabel is the shard number of a static-sharding pubsub topic, or the
// topic itself.
func shardLabel(pubsubTopic string) string {
	if pt, err := message.ParsePubsubTopic(pubsubTopic); err == nil {
		return strconv.Itoa(int(pt.Shard))
	}
	return pubsubTopic
}
