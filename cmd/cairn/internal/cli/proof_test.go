package cli_test

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cairn-node/cairn/cmd/cairn/internal/cli"
	"github.com/cairn-node/cairn/node/storage/client"
	"github.com/cairn-node/cairn/node/storage/proofs/circuit"
	proofsapi "github.com/cairn-node/cairn/node/storage/proofs/httpapi"
	"github.com/cairn-node/cairn/node/storage/proofs/prover"
)

// TestProofCommandsAgainstNode uploads an erasure-coded file to a running
// node, proves a slot with one sample and verifies the proof file, then a
// tampered copy.
func TestProofCommandsAgainstNode(t *testing.T) {
	r := startRun(t, nil, "--data-dir", t.TempDir(), "--api-addr", "127.0.0.1:0")
	api := strings.TrimPrefix(r.url, "http://")
	dir := t.TempDir()
	src := filepath.Join(dir, "data.bin")
	data := make([]byte, 4*65536)
	for i := range data {
		data[i] = byte(i*13 + i/251)
	}
	if err := os.WriteFile(src, data, 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := cairn(t, nil, "storage", "upload", "--api", api, "--ec", "2,1", src)
	if code != cli.ExitOK {
		t.Fatalf("storage upload --ec 2,1 = %d:\n%s", code, errs)
	}
	mc := strings.TrimSpace(out)

	pf := filepath.Join(dir, "proof.json")
	code, out, errs = cairn(t, nil, "proof", "prove", "--api", api, "--cid", mc, "--slot", "2", "--entropy", "987654321", "--samples", "1", "-o", pf)
	if code != cli.ExitOK || !strings.Contains(out, "proof of slot 2 (1 samples") {
		t.Fatalf("proof prove = %d, stdout %q, stderr:\n%s", code, out, errs)
	}
	if code, out, errs := cairn(t, nil, "proof", "verify", "--api", api, pf); code != cli.ExitOK || strings.TrimSpace(out) != "proof valid" {
		t.Fatalf("proof verify = %d, stdout %q, stderr:\n%s", code, out, errs)
	}
	in := filepath.Join(dir, "input.json")
	code, out, errs = cairn(t, nil, "proof", "input", "--api", api, "--cid", mc, "--slot", "1", "--entropy", "42", "-o", in)
	if code != cli.ExitOK || !strings.Contains(out, "circuit input of slot 1 (5 samples) written to") {
		t.Fatalf("proof input = %d, stdout %q, stderr:\n%s", code, out, errs)
	}
	if b, err := os.ReadFile(in); err != nil {
		t.Fatal(err)
	} else if w, err := circuit.ParseInputJSON(strings.NewReader(string(b))); err != nil || w.SlotIndex != 1 || len(w.CellData) != 5 {
		t.Errorf("proof input wrote %v (%v), want slot 1 with 5 samples", w, err)
	}

	raw, err := os.ReadFile(pf)
	if err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte(strings.Replace(string(raw), `"987654321"`, `"987654322"`, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, errs := cairn(t, nil, "proof", "verify", "--api", api, bad); code != cli.ExitError || !strings.Contains(errs, "INVALID") {
		t.Errorf("proof verify (other entropy) = %d, stderr %q; want exit 1 and INVALID", code, errs)
	}
	if code, _, errs := cairn(t, nil, "proof", "prove", "--api", api, "--cid", mc, "--slot", "3", "--entropy", "1", "--samples", "1"); code != cli.ExitError || !strings.Contains(errs, "400") {
		t.Errorf("proof prove --slot 3 of 3 = %d, stderr %q; want exit 1 and 400", code, errs)
	}
	if code, _, _ := cairn(t, nil, "proof", "prove", "--api", api, "--cid", mc); code != cli.ExitUsage {
		t.Errorf("proof prove without --entropy = %d, want %d", code, cli.ExitUsage)
	}
	if code := r.stop(t); code != cli.ExitOK {
		t.Errorf("cairn run exit = %d", code)
	}
}

// TestProofVerifyUpstreamOffline checks upstream's example proof (its
// circom prover, its hardhat key) without a node, like snarkjs groth16
// verify, and the same proof against other public inputs.
func TestProofVerifyUpstreamOffline(t *testing.T) {
	up := filepath.Join("..", "..", "..", "..", "node", "storage", "proofs", "testdata", "upstream")
	vk, proof, public := filepath.Join(up, "hardhat_verification_key.json"), filepath.Join(up, "hardhat_proof.json"), filepath.Join(up, "hardhat_public.json")
	if code, out, errs := cairn(t, nil, "proof", "verify", "--vk", vk, "--public", public, proof); code != cli.ExitOK || strings.TrimSpace(out) != "proof valid" {
		t.Fatalf("proof verify --vk (upstream proof) = %d, stdout %q, stderr:\n%s", code, out, errs)
	}
	raw, err := os.ReadFile(public)
	if err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(t.TempDir(), "public.json")
	if err := os.WriteFile(other, []byte(strings.Replace(string(raw), `"3"`, `"4"`, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, errs := cairn(t, nil, "proof", "verify", "--vk", vk, "--public", other, proof); code == cli.ExitOK || !strings.Contains(errs, "INVALID") {
		t.Errorf("proof verify --vk with slot index 4 = %d, stderr %q; want INVALID", code, errs)
	}
	if code, _, errs := cairn(t, nil, "proof", "verify", "--vk", vk, proof); code == cli.ExitOK || !strings.Contains(errs, "--public") {
		t.Errorf("proof verify --vk without --public = %d, stderr %q; want a usage error", code, errs)
	}
}

// TestProofVerifyWaitsForKeySetup points `cairn proof verify` at a proof
// service whose key setups outlast its request wait (503 with
// Retry-After, as a node answers while it sets up many-sample keys): the
// CLI says what it waits for, retries, and prints the answer once the
// keys are there; with --wait 0 it gives up at once and says what to do.
func TestProofVerifyWaitsForKeySetup(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: sets up proof keys for 2 and 3 samples")
	}
	svc := prover.NewService(prover.Options{Dir: t.TempDir(), SetupWait: time.Millisecond, Logger: slog.New(slog.DiscardHandler)})
	defer svc.Close()
	mux := http.NewServeMux()
	proofsapi.New(svc, slog.New(slog.DiscardHandler)).Register(mux, client.DefaultPrefix)
	srv := httptest.NewServer(mux)
	defer srv.Close()

	up := filepath.Join("..", "..", "..", "..", "node", "storage", "proofs", "testdata", "upstream")
	proof, err := os.ReadFile(filepath.Join(up, "hardhat_proof.json"))
	if err != nil {
		t.Fatal(err)
	}
	body := func(samples int) string {
		f := filepath.Join(t.TempDir(), "proof.json")
		js := fmt.Sprintf(`{"proof":%s,"public":{"entropy":"1","dataSetRoot":"2","slotIndex":3},"samples":%d}`, proof, samples)
		if err := os.WriteFile(f, []byte(js), 0o644); err != nil {
			t.Fatal(err)
		}
		return f
	}
	// Under the service's own 2-sample keys upstream's proof is invalid:
	// an answer, which is what the wait is for.
	code, _, errs := cairn(t, nil, "proof", "verify", "--api", srv.URL, "--wait", "2m", body(2))
	if code == cli.ExitOK || !strings.Contains(errs, "waiting") || !strings.Contains(errs, "INVALID") {
		t.Errorf("proof verify during a key setup = %d, stderr %q; want waiting lines, then INVALID", code, errs)
	}
	code, _, errs = cairn(t, nil, "proof", "verify", "--api", srv.URL, "--wait", "0", body(3))
	if code == cli.ExitOK || !strings.Contains(errs, "gave up") || strings.Contains(errs, "waiting") {
		t.Errorf("proof verify --wait 0 during a key setup = %d, stderr %q; want an immediate give-up", code, errs)
	}
}
