package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cairn-node/cairn/cmd/cairn/internal/cli"
)

// TestRLNProve runs `cairn rln prove --vector` on the upstream vectors with
// their proof fields removed: y and nullifier must equal zerokit's, and
// `cairn rln verify` must accept the new proof.
func TestRLNProve(t *testing.T) {
	raw, err := os.ReadFile("../../../../node/relay/rln/testdata/full-vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Vectors []map[string]json.RawMessage `json:"vectors"`
	}
	if err := json.Unmarshal(raw, &f); err != nil || len(f.Vectors) == 0 {
		t.Fatalf("vectors: %v", err)
	}
	dir := t.TempDir()
	proved := 0
	for i, v := range f.Vectors {
		if _, ok := v["identity"]; !ok {
			continue // a vector that only points at another one's inputs
		}
		proved++
		var want struct {
			Y struct {
				LEHex string `json:"le_hex"`
			} `json:"y"`
			Nullifier struct {
				LEHex string `json:"le_hex"`
			} `json:"nullifier"`
		}
		full, _ := json.Marshal(v)
		json.Unmarshal(full, &want)
		for _, k := range []string{"y", "nullifier", "a1", "proof_compressed_hex", "proof_values_hex", "verify_input_hex", "proof_affine_snarkjs", "public_signals_snarkjs_order", "serialized_witness_hex", "circuit_inputs_json"} {
			delete(v, k)
		}
		in := filepath.Join(dir, "in.json")
		out := filepath.Join(dir, "out.json")
		b, _ := json.Marshal(v)
		if err := os.WriteFile(in, b, 0o600); err != nil {
			t.Fatal(err)
		}
		var stdout, stderr bytes.Buffer
		if code := cli.Main(context.Background(), cli.Env{Args: []string{"rln", "prove", "--vector", in, "-o", out}, Stdout: &stdout, Stderr: &stderr}); code != cli.ExitOK {
			t.Fatalf("vector %d: rln prove exit %d: %s", i, code, stderr.String())
		}
		var got struct {
			Y struct {
				LEHex string `json:"le_hex"`
			} `json:"y"`
			Nullifier struct {
				LEHex string `json:"le_hex"`
			} `json:"nullifier"`
			Proof string `json:"proof_compressed_hex"`
		}
		ob, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(ob, &got); err != nil {
			t.Fatal(err)
		}
		if got.Y.LEHex != want.Y.LEHex || got.Nullifier.LEHex != want.Nullifier.LEHex || len(got.Proof) != 256 {
			t.Errorf("vector %d: y %s nullifier %s proof %d hex digits; want y %s nullifier %s and 128 bytes",
				i, got.Y.LEHex, got.Nullifier.LEHex, len(got.Proof), want.Y.LEHex, want.Nullifier.LEHex)
		}
		stdout.Reset()
		code := cli.Main(context.Background(), cli.Env{Args: []string{"rln", "verify", out}, Stdout: &stdout, Stderr: &stderr})
		if strings.TrimSpace(stdout.String()) != "true" || code != cli.ExitOK {
			t.Errorf("vector %d: rln verify on the new proof = %q exit %d (%s)", i, stdout.String(), code, stderr.String())
		}
	}

	if proved < 2 {
		t.Fatalf("proved %d vectors, want at least 2", proved)
	}

	// A message id at the limit cannot be proven: a clear error, no file.
	v := f.Vectors[0]
	v["message_id"] = json.RawMessage(`100`)
	v["user_message_limit"] = json.RawMessage(`100`)
	b, _ := json.Marshal(v)
	in := filepath.Join(dir, "limit.json")
	os.WriteFile(in, b, 0o600)
	var stdout, stderr bytes.Buffer
	out := filepath.Join(dir, "limit-out.json")
	code := cli.Main(context.Background(), cli.Env{Args: []string{"rln", "prove", "--vector", in, "-o", out}, Stdout: &stdout, Stderr: &stderr})
	if code == cli.ExitOK || !strings.Contains(stderr.String(), "message id") {
		t.Errorf("prove with message_id = limit: exit %d, stderr %q; want a failure naming the message id", code, stderr.String())
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("prove with message_id = limit wrote an output file")
	}
}
