package node_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/cairn-node/cairn/node"
	"github.com/cairn-node/cairn/node/config"
	"github.com/cairn-node/cairn/node/farm"
	"github.com/cairn-node/cairn/node/farm/farmtest"
	"github.com/cairn-node/cairn/node/farm/natsembed"
	"github.com/cairn-node/cairn/node/farm/rlnjob"
	"github.com/cairn-node/cairn/node/farm/storagejob"
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
	w, stopWorker := farmtest.RunWorker(t, js, map[string]farm.Handler{rlnjob.Kind: rlnjob.NewHandler(prover)}, farm.WithID("test-worker"))

	f := newRLNFixture(t)
	cfg := f.config(t, true)
	cfg.Farm.URL = srv.ClientURL()
	n := newNode(t, cfg)
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
	stopWorker()
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

// TestFarmStorageProofs: a node with [farm] storage_proofs has the Groth16
// part of its storage proofs made by a farm worker that holds its keys (an
// embedded nats-server and a worker in this process, reading the node's
// key directory), and proves them itself when the farm is gone.
func TestFarmStorageProofs(t *testing.T) {
	url := farmtest.Start(t)
	js := farmtest.Connect(t, url)
	cfg := testConfig(t)
	cfg.Farm.URL = url
	cfg.Farm.StorageProofs = true
	cfg.Farm.StorageTimeout = "3s"
	// The worker shares the node's key directory, as a worker on the same
	// box would; it loads the keys the node set up on the first job.
	var jobs atomic.Int64
	h := storagejob.NewHandler(filepath.Join(cfg.DataDir, "proofs", "keys"))
	counted := farm.HandlerFunc(func(ctx context.Context, p []byte) ([]byte, error) {
		jobs.Add(1)
		return h.Handle(ctx, p)
	})
	_, stopWorker := farmtest.RunWorker(t, js, map[string]farm.Handler{storagejob.Kind: counted}, farm.WithID("storage-worker"))

	n := newNode(t, cfg)
	if err := n.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	base := n.URL() + "/api/storage/v1"
	data := bytes.Repeat([]byte("cairn farm storage proof "), 4*65536/25+1)[:4*65536]
	resp, err := http.Post(base+"/data?ec=2,1", "application/octet-stream", bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	mc, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("upload = %d %s", resp.StatusCode, mc)
	}
	prove := func(slot int) {
		t.Helper()
		body := fmt.Sprintf(`{"cid":%q,"slot":%d,"entropy":"777","samples":1}`, mc, slot)
		resp, err := http.Post(base+"/proofs", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		pr, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("prove slot %d = %d %s", slot, resp.StatusCode, pr)
		}
		resp, err = http.Post(base+"/proofs/verify", "application/json", bytes.NewReader(pr))
		if err != nil {
			t.Fatal(err)
		}
		v, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.Contains(string(v), `"valid": true`) {
			t.Fatalf("verify slot %d = %s", slot, v)
		}
	}
	prove(1)
	if got := jobs.Load(); got != 1 {
		t.Fatalf("the farm worker ran %d storage jobs, want 1", got)
	}
	// Without the worker the node proves itself, after storage_timeout.
	if err := stopWorker(); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	prove(0)
	if got := jobs.Load(); got != 1 {
		t.Errorf("jobs after the worker stopped = %d, want still 1", got)
	}
	t.Logf("proof without the worker took %v (storage_timeout 3s, then local)", time.Since(start).Round(time.Millisecond))
	st, err := n.Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if st.Proofs.StorageProofs != 2 || st.Proofs.StorageProofsFarm != 1 {
		t.Errorf("status: %d storage proofs, %d on the farm; want 2 and 1", st.Proofs.StorageProofs, st.Proofs.StorageProofsFarm)
	}
}
