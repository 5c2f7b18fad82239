package farm_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/cairn-node/cairn/node/farm"
)

// TestStatusHandler serves the status of a farm with one idle worker, and
// exports its queue depth and worker count as metrics.
func TestStatusHandler(t *testing.T) {
	_, js := startFarm(t)
	mon := farm.NewMonitor(js, nil)
	srv := httptest.NewServer(farm.StatusHandler(mon))
	defer srv.Close()

	resp, err := http.Get(srv.URL + farm.StatusPath)
	if err != nil {
		t.Fatal(err)
	}
	var empty farm.Status
	err = json.NewDecoder(resp.Body).Decode(&empty)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK || len(empty.Workers) != 0 {
		t.Fatalf("GET status of an empty farm = %d, %+v, %v; want 200 and no workers", resp.StatusCode, empty, err)
	}

	runInProcessWorker(t, js, "idle", farm.HandlerFunc(func(context.Context, []byte) ([]byte, error) { return nil, nil }))
	waitWorkers(t, js, 1)
	resp, err = http.Get(srv.URL + farm.StatusPath)
	if err != nil {
		t.Fatal(err)
	}
	var st farm.Status
	err = json.NewDecoder(resp.Body).Decode(&st)
	resp.Body.Close()
	if err != nil || len(st.Workers) != 1 || st.Workers[0].ID != "idle" || len(st.Queues) != 1 || st.Queues[0].Kind != "rln-prove" {
		t.Fatalf("GET status = %+v, %v; want worker idle and the rln-prove queue", st, err)
	}

	resp, err = http.Post(srv.URL+farm.StatusPath, "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST status = %d, want 405", resp.StatusCode)
	}

	reg := prometheus.NewRegistry()
	reg.MustRegister(mon)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			got[mf.GetName()] += m.GetGauge().GetValue()
		}
	}
	if v, ok := got["cairn_farm_queue_depth"]; !ok || v != 0 {
		t.Errorf("cairn_farm_queue_depth = %v (present %v), want 0", v, ok)
	}
	if got["cairn_farm_workers"] != 1 {
		t.Errorf("cairn_farm_workers = %v, want 1", got["cairn_farm_workers"])
	}
}
