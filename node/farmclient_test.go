package node_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/cairn-node/cairn/node"
	"github.com/cairn-node/cairn/node/config"
	"github.com/cairn-node/cairn/node/farm"
	"github.com/cairn-node/cairn/node/farm/natsembed"
	"github.com/cairn-node/cairn/node/farm/rlnjob"
	"github.com/cairn-node/cairn/node/relay/rln"
)

// TestFarmRLNProofs: a node with [farm] url has its own RLN proofs made by
// a farm worker (an embedded nats-server and a worker in this process),
// serves the farm's status, and proves locally when the farm is gone.
func TestFarmRLNProofs(t *testing.T) {
	t.Setenv(node.EnvRLNPassword, "test password")
	srv, err := natsembed.Start(natsembed.Options{DataDir: filepath.Join(t.TempDir(), "nats"), Port: natsembed.RandomPort})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	nc, err := nats.Connect(srv.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	prover, err := rln.NewProver()
	if err != nil {
		t.Fatal(err)
	}
	w, err := farm.NewWorker(js, map[string]farm.Handler{rlnjob.Kind: rlnjob.NewHandler(prover)}, farm.WithID("test-worker"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	workerDone := make(chan error, 1)
	go func() { workerDone <- w.Run(ctx) }()

	f := newRLNFixture(t)
	cfg := f.config(t, true)
	cfg.Farm.URL = srv.ClientURL()
	n, err := node.New(cfg, node.WithLogger(slog.New(slog.NewTextHandler(t.Output(), nil))))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	if err := n.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	const ct = "/cairn/1/farm/proto"
	publish := func() {
		t.Helper()
		resp, err := http.Post(n.URL()+"/relay/v1/auto/messages", "application/json",
			strings.NewReader(`{"payload":"cHJvdmVkIG9uIHRoZSBmYXJt","contentTopic":"`+ct+`"}`))
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		// A lone node has no relay peers; the proof is made (and the
		// message stored) before that matters.
		if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusServiceUnavailable {
			t.Fatalf("publish = %s: %s", resp.Status, body)
		}
	}
	publish()
	if got := metricValue(t, n, `cairn_farm_jobs_completed_total{kind="rln-prove"}`); got != 1 {
		t.Errorf("farm jobs completed = %v, want 1 (the node's proof made on the farm)", got)
	}
	if got := w.Info().JobsDone; got != 1 {
		t.Errorf("worker did %d jobs, want 1", got)
	}
	var st farm.Status
	if err := json.Unmarshal(get(t, http.DefaultClient, n.URL()+farm.StatusPath), &st); err != nil {
		t.Fatal(err)
	}
	if len(st.Workers) != 1 || st.Workers[0].ID != "test-worker" {
		t.Errorf("farm status workers = %+v, want test-worker", st.Workers)
	}

	// Farm gone: the node proves locally, without waiting out the timeout.
	cancel()
	<-workerDone
	srv.Close()
	start := time.Now()
	publish()
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("publish without a farm took %s; want the local fallback at once", d)
	}
	if got := metricValue(t, n, `cairn_farm_jobs_completed_total{kind="rln-prove"}`); got != 1 {
		t.Errorf("farm jobs completed = %v after the farm stopped, want still 1", got)
	}
	if got := metricValue(t, n, `waku_rln_proof_generation_duration_seconds_count`); got != 2 {
		t.Errorf("proofs made = %v, want 2 (one on the farm, one local)", got)
	}
}

// metricValue returns the value of the series (name with its labels, as
// the text exposition writes it) on n's metrics page; the test fails when
// it is absent.
func metricValue(t *testing.T, n *node.Node, series string) float64 {
	t.Helper()
	page := string(get(t, http.DefaultClient, n.URL()+config.DefaultMetricsPath))
	for _, line := range strings.Split(page, "\n") {
		if v, ok := strings.CutPrefix(line, series+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("metric %s: %q: %v", series, v, err)
			}
			return f
		}
	}
	t.Fatalf("metric %s not on the metrics page", series)
	return 0
}
