package proofs_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"testing"

	"github.com/cairn-node/cairn/node/storage/proofs"
)

// sampleProofJSON is a well-formed proof (points of the groups, not a
// proof of anything): A = C = G1 generator, B = G2 generator.
const sampleProofJSON = `{"pi_a":["1","2","1"],` +
	`"pi_b":[["10857046999023057135944570762232829481370756359578518086990519993285655852781","11559732032986387107991004021392285783925812861821192530917403151452391805634"],` +
	`["8495653923123431417604973247489272438418190587263600148770280649306958101930","4082367875863433681332203403145435568316851327593401208105741076214120093531"],["1","0"]],` +
	`"pi_c":["1","2","1"],"protocol":"groth16","curve":"bn128"}`

func TestProofJSONRejects(t *testing.T) {
	var p proofs.Proof
	if err := json.Unmarshal([]byte(sampleProofJSON), &p); err != nil {
		t.Fatalf("UnmarshalJSON(generators) = %v", err)
	}
	bad := []string{
		`{}`,
		`[]`,
		replaceOnce(sampleProofJSON, `"pi_a":["1","2","1"]`, `"pi_a":["1","3","1"]`),   // off the curve
		replaceOnce(sampleProofJSON, `"pi_a":["1","2","1"]`, `"pi_a":["1","2","0"]`),   // infinity form
		replaceOnce(sampleProofJSON, `"pi_a":["1","2","1"]`, `"pi_a":["-1","2","1"]`),  // sign
		replaceOnce(sampleProofJSON, `"pi_a":["1","2","1"]`, `"pi_a":["0x1","2","1"]`), // hex
		replaceOnce(sampleProofJSON, `"pi_a":["1","2","1"]`,
			`"pi_a":["21888242871839275222246405745257275088696311157297823662689037894645226208584","2","1"]`), // p + 1
		replaceOnce(sampleProofJSON, `"groth16"`, `"plonk"`),
		replaceOnce(sampleProofJSON, `"bn128"`, `"bls12381"`),
		replaceOnce(sampleProofJSON, `["1","0"]]`, `["0","0"]]`),
		replaceOnce(sampleProofJSON, `"1085704`, `"1085705`), // B off the curve
	}
	for _, in := range bad {
		if err := json.Unmarshal([]byte(in), &p); !errors.Is(err, proofs.ErrEncoding) {
			t.Errorf("UnmarshalJSON(%.60s…) = %v, want ErrEncoding", in, err)
		}
	}
}

func replaceOnce(s, old, new string) string {
	return string(bytes.Replace([]byte(s), []byte(old), []byte(new), 1))
}

func TestProofBinaryRejects(t *testing.T) {
	var p proofs.Proof
	if err := json.Unmarshal([]byte(sampleProofJSON), &p); err != nil {
		t.Fatal(err)
	}
	good, err := p.MarshalBinary()
	if err != nil || len(good) != proofs.ProofSize {
		t.Fatalf("MarshalBinary() = %d bytes, %v", len(good), err)
	}
	var q proofs.Proof
	if err := q.UnmarshalBinary(good); err != nil {
		t.Fatalf("UnmarshalBinary(good) = %v", err)
	}
	commit := append([]byte(nil), good...)
	commit[32+64+32+3] = 1 // one commitment announced
	for name, in := range map[string][]byte{
		"empty": nil, "short": good[:len(good)-1], "long": append(append([]byte(nil), good...), 0),
		"commitment": commit, "garbage": bytes.Repeat([]byte{0xff}, proofs.ProofSize),
	} {
		if err := q.UnmarshalBinary(in); !errors.Is(err, proofs.ErrEncoding) {
			t.Errorf("UnmarshalBinary(%s) = %v, want ErrEncoding", name, err)
		}
	}
}

func FuzzProofJSON(f *testing.F) {
	f.Add([]byte(sampleProofJSON))
	f.Add([]byte(`{"pi_a":["0","0","1"]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var p proofs.Proof
		if err := json.Unmarshal(b, &p); err != nil {
			return
		}
		out, err := json.Marshal(&p)
		if err != nil {
			t.Fatalf("MarshalJSON after a successful decode: %v", err)
		}
		var q proofs.Proof
		if err := json.Unmarshal(out, &q); err != nil {
			t.Fatalf("re-decode of %s: %v", out, err)
		}
	})
}

func FuzzProofBinary(f *testing.F) {
	var p proofs.Proof
	if err := json.Unmarshal([]byte(sampleProofJSON), &p); err != nil {
		f.Fatal(err)
	}
	good, _ := p.MarshalBinary()
	f.Add(good)
	f.Add(make([]byte, proofs.ProofSize))
	f.Fuzz(func(t *testing.T, b []byte) {
		var p proofs.Proof
		if err := p.UnmarshalBinary(b); err != nil {
			return
		}
		out, err := p.MarshalBinary()
		if err != nil || len(out) != proofs.ProofSize {
			t.Fatalf("MarshalBinary after decode: %d bytes, %v", len(out), err)
		}
	})
}

func FuzzReadVerifyingKey(f *testing.F) {
	f.Add(make([]byte, 428))
	f.Add(bytes.Repeat([]byte{0xff}, 428))
	if fl := flag.Lookup("test.fuzz"); fl != nil && fl.Value.String() != "" {
		// Only when fuzzing: seed with a real key (costs an N = 1 setup).
		var vk bytes.Buffer
		if _, err := keysFor(f, 1).VerifyingKey().WriteTo(&vk); err != nil {
			f.Fatal(err)
		}
		f.Add(vk.Bytes())
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		vk, err := proofs.ReadVerifyingKey(bytes.NewReader(b))
		if err != nil {
			return
		}
		var out bytes.Buffer
		if _, err := vk.WriteTo(&out); err != nil {
			t.Fatalf("WriteTo after decode: %v", err)
		}
	})
}
