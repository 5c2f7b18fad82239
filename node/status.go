package node

import (
	"context"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/cairn-node/cairn/accel"
	"github.com/cairn-node/cairn/node/api"
	"github.com/cairn-node/cairn/node/buildinfo"
)

// Status returns a read-only summary of the node for dashboards (see
// api.NodeStatus): build, uptime, storage use, relay and proof counters
// and accel backends. It reads the dataset list and the metrics registry,
// so it costs a few milliseconds; poll it every few seconds, not in a
// loop. It is safe for concurrent use and returns ErrClosed after Close.
func (n *Node) Status(ctx context.Context) (api.NodeStatus, error) {
	n.mu.Lock()
	closed, started := n.mu.closed, n.mu.srv != nil
	n.mu.Unlock()
	if closed {
		return api.NodeStatus{}, ErrClosed
	}
	bi := buildinfo.Read()
	st := api.NodeStatus{
		Version: bi.Version, Revision: bi.Revision, GoVersion: bi.GoVersion, Platform: bi.Platform,
		UptimeS: n.uptime().Seconds(),
		DataDir: n.cfg.DataDir,
		Accel:   accelBackends(n.router.Table()),
	}
	if started { // Start set n.host under n.mu before n.mu.srv
		st.PeerID = n.host.ID().String()
		st.Peers = len(n.host.Network().Peers())
	}
	space, err := n.store.Space()
	if err != nil {
		return st, fmt.Errorf("node: status: storage space: %w", err)
	}
	st.Storage.Blocks = space.TotalBlocks
	st.Storage.UsedBytes = space.QuotaUsedBytes
	st.Storage.ReservedBytes = space.QuotaReservedBytes
	st.Storage.QuotaBytes = space.QuotaMaxBytes
	ds, err := n.store.Datasets(ctx)
	if err != nil {
		return st, fmt.Errorf("node: status: list datasets: %w", err)
	}
	st.Storage.Datasets = len(ds)
	for _, d := range ds {
		st.Storage.DatasetBytes += d.Bytes
	}
	m, err := gatherMetrics(n.metrics)
	if err != nil {
		return st, fmt.Errorf("node: status: read metrics: %w", err)
	}
	st.Storage.Uploads = uint64(m.sum("cairn_storage_uploads_total", "result", "ok"))
	st.Storage.Downloads = uint64(m.sum("cairn_storage_downloads_total", "result", "ok"))
	st.Relay.Peers = int(m.sum("waku_relay_peers", "", ""))
	st.Relay.Messages = uint64(m.sum("waku_node_messages_total", "type", "relay"))
	st.Relay.RLNAccepted = uint64(m.sum("waku_rln_messages_total", "verdict", "accept"))
	st.Relay.RLNIgnored = uint64(m.sum("waku_rln_messages_total", "verdict", "ignore"))
	st.Relay.RLNRejected = uint64(m.sum("waku_rln_messages_total", "verdict", "reject"))
	st.Relay.RLNSpam = uint64(m.sum("waku_rln_spam_messages_total", "", ""))
	st.Proofs.SelfCheckFailures = uint64(m.sum("cairn_storage_proof_selfcheck_failures_total", "", ""))
	st.Proofs.SelfCheckPassing = int(m.sum("cairn_storage_proof_selfcheck_ok", "", ""))
	st.Proofs.SelfCheckDatasets = m.count("cairn_storage_proof_selfcheck_ok")
	st.Proofs.RLNProofs = m.histCount("waku_rln_proof_generation_duration_seconds")
	st.Proofs.StorageProofs = m.histCount("cairn_storage_proof_duration_seconds")
	st.Proofs.StorageProofsFarm = m.histCountWith("cairn_storage_proof_duration_seconds", "prover", "farm")
	return st, nil
}

// accelBackends folds the routing table into one entry per backend, in
// accel.Backends order.
func accelBackends(rows []accel.Route) []api.AccelBackend {
	out := []api.AccelBackend{}
	for _, b := range accel.Backends {
		e := api.AccelBackend{Name: string(b), Kernels: []string{}}
		seen := false
		for _, r := range rows {
			if r.Backend != b {
				continue
			}
			seen = true
			if r.Available {
				e.Available = true
				e.Kernels = append(e.Kernels, string(r.Kernel))
			} else if e.Reason == "" {
				e.Reason = r.Reason
			}
		}
		if !seen {
			continue // not linked into this build
		}
		if e.Available {
			e.Reason = ""
		}
		out = append(out, e)
	}
	return out
}

// metricSet is one gather of a registry, by family name.
type metricSet map[string]*dto.MetricFamily

func gatherMetrics(g prometheus.Gatherer) (metricSet, error) {
	fams, err := g.Gather()
	if err != nil {
		return nil, err
	}
	m := make(metricSet, len(fams))
	for _, f := range fams {
		m[f.GetName()] = f
	}
	return m, nil
}

// sum adds the counter or gauge values of family name whose label
// equals value (every series when label is empty); 0 for a family not
// registered.
func (m metricSet) sum(name, label, value string) float64 {
	var total float64
	for _, s := range m[name].GetMetric() {
		if label != "" && !hasLabel(s, label, value) {
			continue
		}
		total += s.GetCounter().GetValue() + s.GetGauge().GetValue()
	}
	return total
}

// count returns the number of series of family name.
func (m metricSet) count(name string) int { return len(m[name].GetMetric()) }

// histCount adds the sample counts of the histogram family name.
func (m metricSet) histCount(name string) uint64 { return m.histCountWith(name, "", "") }

// histCountWith adds the sample counts of the series of histogram family
// name whose label is value (all series when label is empty).
func (m metricSet) histCountWith(name, label, value string) uint64 {
	var total uint64
	for _, s := range m[name].GetMetric() {
		if label == "" || hasLabel(s, label, value) {
			total += s.GetHistogram().GetSampleCount()
		}
	}
	return total
}

func hasLabel(s *dto.Metric, label, value string) bool {
	for _, l := range s.GetLabel() {
		if l.GetName() == label {
			return l.GetValue() == value
		}
	}
	return false
}
