package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cairn-node/cairn/node"
	"github.com/cairn-node/cairn/node/config"
	"github.com/cairn-node/cairn/node/storage/cids"
	"github.com/cairn-node/cairn/node/storage/proofs/circuit"
	"github.com/cairn-node/cairn/node/storage/proofs/httpapi"
	"github.com/cairn-node/cairn/node/storage/proofs/internal/prooftest"
	"github.com/cairn-node/cairn/node/storage/proofs/prover"
)

// startNode starts a real node on loopback ports with its own data dir and
// returns the URL of its storage API.
func startNode(t *testing.T, opts ...node.Option) string {
	t.Helper()
	c := config.Default()
	c.DataDir = filepath.Join(t.TempDir(), "data")
	c.APIAddr = "127.0.0.1:0"
	c.Listen = []string{"/ip4/127.0.0.1/tcp/0"}
	n, err := node.New(c, append(opts, node.WithLogger(slog.New(slog.NewTextHandler(t.Output(), nil))))...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	if err := n.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	return n.URL() + "/api/storage/v1"
}

// post sends body (raw bytes or a value to encode as JSON) and returns the
// status and response body.
func post(t *testing.T, url string, body any) (int, []byte) {
	t.Helper()
	raw, ok := body.([]byte)
	if !ok {
		var err error
		if raw, err = json.Marshal(body); err != nil {
			t.Fatal(err)
		}
	}
	resp, err := http.Post(url, "application/json", bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// upload stores size random bytes, erasure-coded when ec is "K,M", and
// returns the manifest CID.
func upload(t *testing.T, base string, size int, ec string) string {
	t.Helper()
	data := make([]byte, size)
	rng := rand.New(rand.NewPCG(uint64(size), 7))
	for i := range data {
		data[i] = byte(rng.Uint32())
	}
	url := base + "/data"
	if ec != "" {
		url += "?ec=" + ec
	}
	resp, err := http.Post(url, "application/octet-stream", bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("upload ec=%q = %d %s", ec, resp.StatusCode, b)
	}
	return string(b)
}

func verify(t *testing.T, base string, pr httpapi.ProveResponse) httpapi.VerifyResponse {
	t.Helper()
	code, b := post(t, base+"/proofs/verify", pr)
	if code != 200 {
		t.Fatalf("verify = %d %s", code, b)
	}
	var v httpapi.VerifyResponse
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// TestProveVerifyOverREST proves slots of a small erasure-coded dataset
// (4 data blocks, ec=2,1: 3 slots of 2 blocks, 64 cells each) on a real
// node with N = 1, and checks that the proofs verify and tampered ones do
// not, and the error statuses.
func TestProveVerifyOverREST(t *testing.T) {
	base := startNode(t)
	pc := upload(t, base, 4*65536, "2,1")

	prove := func(slot int, entropy string) httpapi.ProveResponse {
		t.Helper()
		code, b := post(t, base+"/proofs", httpapi.ProveRequest{CID: pc, Slot: slot, Entropy: entropy, Samples: 1})
		if code != 200 {
			t.Fatalf("prove slot %d = %d %s", slot, code, b)
		}
		var pr httpapi.ProveResponse
		if err := json.Unmarshal(b, &pr); err != nil {
			t.Fatal(err)
		}
		t.Logf("prove slot %d (N=1): %d ms server side, cells %v", slot, pr.ElapsedMS, pr.Cells)
		return pr
	}
	pr := prove(1, "1234567890123456789")
	if pr.Public.SlotIndex != 1 || pr.Public.Entropy != "1234567890123456789" || pr.Samples != 1 ||
		len(pr.Cells) != 1 || pr.Cells[0] >= 64 {
		t.Fatalf("prove response = %+v", pr)
	}
	if root, ok := new(big.Int).SetString(pr.Public.DataSetRoot, 10); !ok || root.Sign() == 0 {
		t.Fatalf("dataSetRoot %q is not a non-zero decimal", pr.Public.DataSetRoot)
	}
	if v := verify(t, base, pr); !v.Valid {
		t.Fatalf("valid proof rejected: %+v", v)
	}

	// Another slot from the stored trees: the same dataset root.
	pr0 := prove(0, "42")
	if pr0.Public.DataSetRoot != pr.Public.DataSetRoot {
		t.Errorf("dataset root differs between slot 0 (%s) and slot 1 (%s)", pr0.Public.DataSetRoot, pr.Public.DataSetRoot)
	}
	if v := verify(t, base, pr0); !v.Valid {
		t.Errorf("slot 0 proof rejected: %+v", v)
	}

	root, _ := new(big.Int).SetString(pr.Public.DataSetRoot, 10)
	tampered := map[string]func(*httpapi.ProveResponse){
		"dataSetRoot+1": func(p *httpapi.ProveResponse) { p.Public.DataSetRoot = new(big.Int).Add(root, big.NewInt(1)).String() },
		"slot 2":        func(p *httpapi.ProveResponse) { p.Public.SlotIndex = 2 },
		"entropy 43":    func(p *httpapi.ProveResponse) { p.Public.Entropy = "43" },
		"slot 0 proof":  func(p *httpapi.ProveResponse) { p.Proof = pr0.Proof },
	}
	for name, f := range tampered {
		p := pr
		f(&p)
		if v := verify(t, base, p); v.Valid || v.Reason == "" {
			t.Errorf("verify with %s = %+v, want invalid with a reason", name, v)
		}
	}

	checkSetupRunning(t, pr)

	unknown := cids.Manifest([]byte("never stored"))
	plain := upload(t, base, 65536+10, "")
	for name, c := range map[string]struct {
		url  string
		body any
		want int
	}{
		"unknown CID":        {"/proofs", httpapi.ProveRequest{CID: cids.String(unknown), Entropy: "1", Samples: 1}, 404},
		"not erasure-coded":  {"/proofs", httpapi.ProveRequest{CID: plain, Entropy: "1", Samples: 1}, 422},
		"bad CID":            {"/proofs", httpapi.ProveRequest{CID: "zzz", Entropy: "1"}, 400},
		"bad entropy":        {"/proofs", httpapi.ProveRequest{CID: pc, Entropy: "0x12", Samples: 1}, 400},
		"entropy ≥ r":        {"/proofs", httpapi.ProveRequest{CID: pc, Entropy: new(big.Int).Lsh(big.NewInt(1), 254).String(), Samples: 1}, 400},
		"slot 3 of 3":        {"/proofs", httpapi.ProveRequest{CID: pc, Slot: 3, Entropy: "1", Samples: 1}, 400},
		"negative slot":      {"/proofs", httpapi.ProveRequest{CID: pc, Slot: -1, Entropy: "1", Samples: 1}, 400},
		"samples 101":        {"/proofs", httpapi.ProveRequest{CID: pc, Entropy: "1", Samples: 101}, 400},
		"input, samples 101": {"/proofs/input", httpapi.ProveRequest{CID: pc, Entropy: "1", Samples: 101}, 400},
		"input, slot 3 of 3": {"/proofs/input", httpapi.ProveRequest{CID: pc, Slot: 3, Entropy: "1"}, 400},
		"input, unknown CID": {"/proofs/input", httpapi.ProveRequest{CID: cids.String(unknown), Entropy: "1"}, 404},
		"not JSON":           {"/proofs", []byte("{"), 400},
		"garbled proof":      {"/proofs/verify", []byte(`{"proof":{"pi_a":["1"]},"public":{"entropy":"1","dataSetRoot":"1"},"samples":1}`), 400},
		"no proof":           {"/proofs/verify", []byte(`{"public":{"entropy":"1","dataSetRoot":"1"},"samples":1}`), 400},
	} {
		code, b := post(t, base+c.url, c.body)
		var e struct{ Error string }
		if code != c.want || json.Unmarshal(b, &e) != nil || e.Error == "" {
			t.Errorf("%s: %d %s, want %d with an error message", name, code, b, c.want)
		}
	}
}

// TestInputOverREST asks a real node for upstream's circuit input of a
// slot (5 samples, no keys needed) and runs upstream's witness generator
// (proof_main.wasm, every constraint of upstream's circuit) on it.
func TestInputOverREST(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: upstream's witness generator takes seconds")
	}
	wasm, err := os.ReadFile(filepath.Join("..", prooftest.UpstreamWasm))
	if err != nil {
		t.Fatal(err)
	}
	base := startNode(t)
	pc := upload(t, base, 4*65536, "2,1")
	code, b := post(t, base+"/proofs/input", httpapi.ProveRequest{CID: pc, Slot: 2, Entropy: "20261126"})
	if code != 200 {
		t.Fatalf("input = %d %s", code, b)
	}
	w, err := circuit.ParseInputJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("ParseInputJSON(answer) = %v", err)
	}
	if w.SlotIndex != 2 || w.Entropy.String() != "20261126" || len(w.CellData) != 5 || w.NCellsPerSlot != 64 {
		t.Fatalf("input: slot %d entropy %v, %d samples, %d cells per slot", w.SlotIndex, w.Entropy, len(w.CellData), w.NCellsPerSlot)
	}
	if _, err := prooftest.RunUpstream(wasm, circuit.DefaultParams(5), w); err != nil {
		t.Errorf("upstream's witness generator rejects the node's input: %v", err)
	}
}

// TestNodeSelfCheck runs a node with the proof self-check every 100 ms and
// waits for its gauge to report the uploaded dataset as proved.
func TestNodeSelfCheck(t *testing.T) {
	base := startNode(t, node.WithProofSelfCheck(100*time.Millisecond))
	pc := upload(t, base, 2*65536, "1,1")
	want := fmt.Sprintf("cairn_storage_proof_selfcheck_ok{cid=%q} 1", pc)
	metrics := strings.TrimSuffix(base, "/api/storage/v1") + "/metrics"
	deadline := time.Now().Add(45 * time.Second) // the first check sets up the N = 1 keys
	for {
		resp, err := http.Get(metrics)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if strings.Contains(string(b), want) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %q in /metrics after 45 s", want)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// checkSetupRunning posts pr for verification with 2 samples to a handler
// whose service waits 1 ns for key setups: 503 with Retry-After.
func checkSetupRunning(t *testing.T, pr httpapi.ProveResponse) {
	t.Helper()
	svc := prover.NewService(prover.Options{Dir: t.TempDir(), SetupWait: time.Nanosecond, Logger: slog.New(slog.DiscardHandler)})
	defer svc.Close() // cancels the setup after its compile step
	mux := http.NewServeMux()
	httpapi.New(svc, nil).Register(mux, "/api")
	srv := httptest.NewServer(mux)
	defer srv.Close()
	pr.Samples = 2
	raw, err := json.Marshal(pr)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Post(srv.URL+"/api/proofs/verify", "application/json", bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if ra, _ := strconv.Atoi(resp.Header.Get("Retry-After")); resp.StatusCode != http.StatusServiceUnavailable || ra < 5 {
		t.Errorf("verify during key setup = %d, Retry-After %q, %s; want 503 and Retry-After >= 5",
			resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}
}
