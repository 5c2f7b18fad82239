package farm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
)

// StatusPath is where StatusHandler serves the farm's Status.
const StatusPath = "/api/farm/v1/status"

// collectTimeout bounds the JetStream queries of one metrics scrape.
const collectTimeout = 2 * time.Second

// Status is the farm at a glance, for the dashboard: GET StatusPath
// serves it as JSON.
type Status struct {
	// Queues has one entry per kind that has a worker consumer, by kind.
	Queues []QueueStatus `json:"queues"`
	// Workers are the live workers (advertised within 3 heartbeats), by id.
	Workers []WorkerInfo `json:"workers"`
	// Throughput is the farm's jobs per second over the last minute, the
	// sum of the workers' own figures.
	Throughput float64   `json:"throughput"`
	Time       time.Time `json:"time"`
}

// QueueStatus is one kind's queue.
type QueueStatus struct {
	Kind string `json:"kind"`
	// Pending jobs wait for a worker; InProgress are with one.
	Pending    uint64 `json:"pending"`
	InProgress int    `json:"in_progress"`
	// Redelivered counts jobs in progress that had been delivered before
	// (a worker died or was too slow).
	Redelivered int `json:"redelivered"`
}

// Depth is the queue depth: pending plus in progress.
func (q QueueStatus) Depth() uint64 { return q.Pending + uint64(q.InProgress) }

// Monitor reads the farm's Status from JetStream. It is safe for
// concurrent use, holds no state, and implements prometheus.Collector
// (cairn_farm_queue_depth{kind}, cairn_farm_workers,
// cairn_farm_throughput_jobs_per_second), querying JetStream on each
// scrape.
type Monitor struct {
	js     jetstream.JetStream
	logger *slog.Logger
}

// NewMonitor returns a Monitor of the farm js is connected to. It does not
// contact the server. A nil logger means slog.Default().
func NewMonitor(js jetstream.JetStream, logger *slog.Logger) *Monitor {
	if logger == nil {
		logger = slog.Default().With("subsys", "node/farm")
	}
	return &Monitor{js: js, logger: logger}
}

// Status queries the queues and the workers' advertisements. A farm no
// worker or submitter has set up yet has an empty Status, not an error.
func (m *Monitor) Status(ctx context.Context) (Status, error) {
	st := Status{Time: time.Now().UTC(), Queues: []QueueStatus{}, Workers: []WorkerInfo{}}
	stream, err := m.js.Stream(ctx, JobsStream)
	switch {
	case errors.Is(err, jetstream.ErrStreamNotFound):
		return st, nil
	case err != nil:
		return st, fmt.Errorf("farm: status: %w", err)
	}
	lister := stream.ListConsumers(ctx)
	for ci := range lister.Info() {
		kind, ok := strings.CutPrefix(ci.Name, consumerPrefix)
		if !ok {
			continue
		}
		st.Queues = append(st.Queues, QueueStatus{Kind: kind, Pending: ci.NumPending, InProgress: ci.NumAckPending, Redelivered: ci.NumRedelivered})
	}
	if err := lister.Err(); err != nil {
		return st, fmt.Errorf("farm: status: list consumers: %w", err)
	}
	slices.SortFunc(st.Queues, func(a, b QueueStatus) int { return strings.Compare(a.Kind, b.Kind) })
	kv, err := m.js.KeyValue(ctx, WorkersBucket)
	switch {
	case errors.Is(err, jetstream.ErrBucketNotFound):
		return st, nil
	case err != nil:
		return st, fmt.Errorf("farm: status: %w", err)
	}
	keys, err := kv.ListKeys(ctx)
	if err != nil {
		return st, fmt.Errorf("farm: status: list workers: %w", err)
	}
	for key := range keys.Keys() {
		e, err := kv.Get(ctx, key)
		if err != nil {
			continue // expired between list and get
		}
		var wi WorkerInfo
		if err := json.Unmarshal(e.Value(), &wi); err != nil {
			m.logger.Warn("skip malformed worker advertisement", "key", key, "err", err)
			continue
		}
		st.Workers = append(st.Workers, wi)
		st.Throughput += wi.Throughput
	}
	slices.SortFunc(st.Workers, func(a, b WorkerInfo) int { return strings.Compare(a.ID, b.ID) })
	return st, nil
}

var (
	queueDepthDesc = prometheus.NewDesc("cairn_farm_queue_depth", "Jobs queued or in progress, by kind.", []string{"kind"}, nil)
	workersDesc    = prometheus.NewDesc("cairn_farm_workers", "Live workers advertising in the farm.", nil, nil)
	throughputDesc = prometheus.NewDesc("cairn_farm_throughput_jobs_per_second", "Jobs per second over the last minute, summed over the workers.", nil, nil)
)

// Describe implements prometheus.Collector.
func (m *Monitor) Describe(ch chan<- *prometheus.Desc) {
	ch <- queueDepthDesc
	ch <- workersDesc
	ch <- throughputDesc
}

// Collect implements prometheus.Collector; a farm that cannot be reached
// within collectTimeout yields no samples (and a log line).
func (m *Monitor) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), collectTimeout)
	defer cancel()
	st, err := m.Status(ctx)
	if err != nil {
		m.logger.Warn("collect farm metrics", "err", err)
		return
	}
	for _, q := range st.Queues {
		ch <- prometheus.MustNewConstMetric(queueDepthDesc, prometheus.GaugeValue, float64(q.Depth()), q.Kind)
	}
	ch <- prometheus.MustNewConstMetric(workersDesc, prometheus.GaugeValue, float64(len(st.Workers)))
	ch <- prometheus.MustNewConstMetric(throughputDesc, prometheus.GaugeValue, st.Throughput)
}

// StatusHandler serves GET StatusPath with m's Status as JSON (503 with
// the error when the farm cannot be reached). Mount it on the node's API
// server, e.g. with node.WithHandler(farm.StatusPath, h).
func StatusHandler(m *Monitor) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "farm status: use GET", http.StatusMethodNotAllowed)
			return
		}
		st, err := m.Status(r.Context())
		if err != nil {
			http.Error(w, err.Error()+" (is the NATS server up?)", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(st)
	})
}
