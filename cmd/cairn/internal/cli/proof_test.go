package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cairn-node/cairn/cmd/cairn/internal/cli"
	"github.com/cairn-node/cairn/node/storage/proofs/circuit"
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
