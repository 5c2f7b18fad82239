package rln_test

import (
	"encoding/hex"
	"encoding/json"
	"os"
	"testing"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"

	"github.com/cairn-node/cairn/node/relay/rln"
)

// TestVerifyRLNVectors runs zerokit's application-level check over the
// upstream vectors: every valid proof verifies with its signal and root,
// and every negative (tampered proof, wrong signal) does not.
func TestVerifyRLNVectors(t *testing.T) {
	raw, err := os.ReadFile("testdata/verify-inputs.json")
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		Cases []map[string]any `json:"cases"`
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	vk := rln.DefaultVerifyingKey()
	checked := 0
	for _, c := range v.Cases {
		in, ok := c["verify_input_hex"].(string)
		if !ok {
			continue // prover-side negatives carry no proof
		}
		want := c["expect_valid"] == true
		b, _ := hex.DecodeString(in)
		pv, signal, err := rln.DecodeVerifyInput(b)
		got := false
		if err == nil {
			if sig, _ := hex.DecodeString(c["signal_hex"].(string)); string(sig) != string(signal) {
				t.Errorf("%v: verify input carries another signal than signal_hex", c["id"])
			}
			var root fr.Element
			rb, _ := hex.DecodeString(c["merkle_root"].(map[string]any)["le_hex"].(string))
			root, err = rln.DecodeField(rb)
			if err != nil {
				t.Fatal(err)
			}
			got, err = rln.VerifyRLN(vk, pv, signal, []fr.Element{root})
		}
		if got != want {
			t.Errorf("%v: VerifyRLN = %v (%v), want %v", c["id"], got, err, want)
		}
		checked++
	}
	if checked < 5 {
		t.Fatalf("checked %d vectors, want all valid ones and the negatives", checked)
	}
}
