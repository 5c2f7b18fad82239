package snarkjs_test

import (
	"encoding/json"
	"errors"
	"math/big"
	"strings"
	"testing"

	"github.com/consensys/gnark-crypto/ecc/bn254"

	"github.com/cairn-node/cairn/node/internal/snarkjs"
)

// points returns k·G1 and k·G2 for the generators.
func points(k int64) (bn254.G1Affine, bn254.G2Affine) {
	_, _, g1, g2 := bn254.Generators()
	var a bn254.G1Affine
	var b bn254.G2Affine
	a.ScalarMultiplication(&g1, big.NewInt(k))
	b.ScalarMultiplication(&g2, big.NewInt(k))
	return a, b
}

// keyJSON writes a verification_key.json with nPublic inputs.
func keyJSON(t testing.TB, nPublic int) []byte {
	t.Helper()
	alpha, beta := points(2)
	_, gamma := points(3)
	_, delta := points(5)
	ic := make([][]string, nPublic+1)
	for i := range ic {
		p, _ := points(int64(7 + i))
		ic[i] = snarkjs.FormatG1(&p)
	}
	b, err := json.Marshal(map[string]any{
		"protocol": "groth16", "curve": "bn128", "nPublic": nPublic,
		"vk_alpha_1": snarkjs.FormatG1(&alpha), "vk_beta_2": snarkjs.FormatG2(&beta),
		"vk_gamma_2": snarkjs.FormatG2(&gamma), "vk_delta_2": snarkjs.FormatG2(&delta), "IC": ic,
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseVerifyingKey(t *testing.T) {
	vk, err := snarkjs.ParseVerifyingKey(keyJSON(t, 3))
	if err != nil {
		t.Fatal(err)
	}
	alpha, beta := points(2)
	ic0, _ := points(7)
	if vk.NumPublic() != 3 || !vk.Alpha.Equal(&alpha) || !vk.Beta.Equal(&beta) || !vk.IC[0].Equal(&ic0) {
		t.Errorf("ParseVerifyingKey = %d public inputs, alpha %v, beta %v, IC[0] %v", vk.NumPublic(), vk.Alpha, vk.Beta, vk.IC[0])
	}
}

func TestParseRejects(t *testing.T) {
	good := string(keyJSON(t, 1))
	_, beta := points(2)
	swapped := strings.Replace(good, snarkjs.FormatG2(&beta)[0][0], "X", 1)
	swapped = strings.Replace(swapped, snarkjs.FormatG2(&beta)[0][1], snarkjs.FormatG2(&beta)[0][0], 1)
	swapped = strings.Replace(swapped, "X", snarkjs.FormatG2(&beta)[0][1], 1)
	for name, in := range map[string]string{
		"not JSON":            `{"protocol":`,
		"plonk":               strings.Replace(good, `"groth16"`, `"plonk"`, 1),
		"IC short":            strings.Replace(good, `"nPublic":1`, `"nPublic":2`, 1),
		"negative nPublic":    strings.Replace(good, `"nPublic":1`, `"nPublic":-1`, 1),
		"z = 0":               strings.Replace(good, `"1"],"vk_beta_2"`, `"0"],"vk_beta_2"`, 1),
		"beta c0, c1 swapped": swapped,
		"above modulus": strings.Replace(good, `"vk_alpha_1":["`,
			`"vk_alpha_1":["21888242871839275222246405745257275088696311157297823662689037894645226208583`, 1),
	} {
		if in == good {
			t.Fatalf("%s: the test's replacement found nothing", name)
		}
		if _, err := snarkjs.ParseVerifyingKey([]byte(in)); !errors.Is(err, snarkjs.ErrFormat) {
			t.Errorf("ParseVerifyingKey(%s) = %v, want ErrFormat", name, err)
		}
	}
}

func TestProofRoundTrip(t *testing.T) {
	a, b := points(11)
	c, _ := points(13)
	in := snarkjs.Proof{A: a, B: b, C: c}
	data, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	var out snarkjs.Proof
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatal(err)
	}
	if !out.A.Equal(&in.A) || !out.B.Equal(&in.B) || !out.C.Equal(&in.C) {
		t.Errorf("proof.json round trip changed the proof: %s", data)
	}
	bad := strings.Replace(string(data), `"pi_c":["`, `"pi_c":["1`, 1)
	if err := json.Unmarshal([]byte(bad), &out); !errors.Is(err, snarkjs.ErrFormat) {
		t.Errorf("Unmarshal(pi_c off the curve) = %v, want ErrFormat", err)
	}
	if !out.C.Equal(&in.C) {
		t.Error("a failed Unmarshal changed the proof")
	}
}

// FuzzParseVerifyingKey: no input panics, and what parses has nPublic + 1
// IC points that are all on the curve.
func FuzzParseVerifyingKey(f *testing.F) {
	f.Add(keyJSON(f, 0))
	f.Add(keyJSON(f, 3))
	f.Add([]byte(`{"protocol":"groth16","curve":"bn128","nPublic":1000000,"IC":[]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		vk, err := snarkjs.ParseVerifyingKey(data)
		if err != nil {
			if !errors.Is(err, snarkjs.ErrFormat) {
				t.Fatalf("error %v does not wrap ErrFormat", err)
			}
			return
		}
		for i := range vk.IC {
			if !vk.IC[i].IsOnCurve() {
				t.Fatalf("IC[%d] off the curve", i)
			}
		}
	})
}

// FuzzProof: no input panics, and what parses marshals back to JSON that
// parses to the same proof.
func FuzzProof(f *testing.F) {
	a, b := points(11)
	c, _ := points(13)
	seed, err := json.Marshal(snarkjs.Proof{A: a, B: b, C: c})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed)
	f.Fuzz(func(t *testing.T, data []byte) {
		var p snarkjs.Proof
		if err := json.Unmarshal(data, &p); err != nil {
			return
		}
		out, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		var q snarkjs.Proof
		if err := json.Unmarshal(out, &q); err != nil || q != p {
			t.Fatalf("round trip of %s: %v, %v != %v", out, err, q, p)
		}
	})
}
