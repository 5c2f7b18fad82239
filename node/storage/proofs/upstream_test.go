package proofs_test

import (
	"encoding/json"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"testing"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"

	"github.com/cairn-node/cairn/node/internal/wasmwitness"
	"github.com/cairn-node/cairn/node/storage/proofs"
	"github.com/cairn-node/cairn/node/storage/proofs/circuit"
	"github.com/cairn-node/cairn/node/storage/proofs/internal/prooftest"
)

// upstreamFile reads testdata/upstream/name (see its SOURCE.md).
func upstreamFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "upstream", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// upstreamProof returns the example proof that upstream's circom prover
// made under its hardhat key, with its public inputs.
func upstreamProof(t *testing.T) (*proofs.Proof, proofs.PublicInputs) {
	t.Helper()
	var p proofs.Proof
	if err := json.Unmarshal(upstreamFile(t, "hardhat_proof.json"), &p); err != nil {
		t.Fatalf("upstream proof.json: %v", err)
	}
	var pub []string
	if err := json.Unmarshal(upstreamFile(t, "hardhat_public.json"), &pub); err != nil || len(pub) != 3 {
		t.Fatalf("upstream public.json: %v (%d values)", err, len(pub))
	}
	var in [3]*big.Int
	for i, s := range pub {
		var ok bool
		if in[i], ok = new(big.Int).SetString(s, 10); !ok {
			t.Fatalf("public.json value %q", s)
		}
	}
	return &p, proofs.PublicInputs{Entropy: in[0], DataSetRoot: in[1], SlotIndex: in[2].Uint64()}
}

// TestVerifyUpstreamProof checks a proof made by upstream's own prover
// (circom + snarkjs, upstream's keys) with Cairn's verifier, one by one and
// in a batch, and that changing any public input makes it fail.
func TestVerifyUpstreamProof(t *testing.T) {
	vk, err := proofs.ParseSnarkjsVerifyingKey(upstreamFile(t, "hardhat_verification_key.json"))
	if err != nil {
		t.Fatal(err)
	}
	p, pub := upstreamProof(t)
	if err := vk.Verify(p, pub); err != nil {
		t.Fatalf("Verify(upstream proof, %v) = %v", pub, err)
	}
	wrong := []proofs.PublicInputs{
		{Entropy: new(big.Int).Add(pub.Entropy, big.NewInt(1)), DataSetRoot: pub.DataSetRoot, SlotIndex: pub.SlotIndex},
		{Entropy: pub.Entropy, DataSetRoot: new(big.Int).Add(pub.DataSetRoot, big.NewInt(1)), SlotIndex: pub.SlotIndex},
		{Entropy: pub.Entropy, DataSetRoot: pub.DataSetRoot, SlotIndex: pub.SlotIndex + 1},
	}
	for _, w := range wrong {
		if err := vk.Verify(p, w); !errors.Is(err, proofs.ErrInvalidProof) {
			t.Errorf("Verify(upstream proof, %v) = %v, want ErrInvalidProof", w, err)
		}
	}
	bk, err := vk.BatchKey()
	if err != nil {
		t.Fatal(err)
	}
	ok, err := bk.Verify(nil, []*proofs.Proof{p, p, p}, []proofs.PublicInputs{pub, wrong[0], pub})
	if err != nil {
		t.Fatal(err)
	}
	if !ok[0] || ok[1] || !ok[2] {
		t.Errorf("batch Verify(upstream proof ×3, second with wrong entropy) = %v, want [true false true]", ok)
	}
	// Another key (upstream's testnet verifier) rejects it.
	testnet, err := proofs.ParseSnarkjsVerifyingKey(upstreamFile(t, "codex_testnet_verification_key.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := testnet.Verify(p, pub); !errors.Is(err, proofs.ErrInvalidProof) {
		t.Errorf("testnet key Verify(hardhat proof) = %v, want ErrInvalidProof", err)
	}
	// The proof's JSON round-trips to upstream's values.
	var again, orig map[string]any
	out, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := errors.Join(json.Unmarshal(out, &again), json.Unmarshal(upstreamFile(t, "hardhat_proof.json"), &orig)); err != nil {
		t.Fatal(err)
	}
	if a, b := mustJSON(t, again), mustJSON(t, orig); a != b {
		t.Errorf("MarshalJSON(upstream proof) = %s, want upstream's %s", a, b)
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestParseSnarkjsVerifyingKeyRejects(t *testing.T) {
	good := string(upstreamFile(t, "hardhat_verification_key.json"))
	var m map[string]any
	if err := json.Unmarshal([]byte(good), &m); err != nil {
		t.Fatal(err)
	}
	ic := m["IC"].([]any)
	m["IC"], m["nPublic"] = ic[:3], 2 // a key for two public inputs
	twoInputs := mustJSON(t, m)
	for name, in := range map[string]string{
		"empty":          "",
		"not JSON":       "{",
		"plonk":          replaceOnce(good, `"groth16"`, `"plonk"`),
		"other curve":    replaceOnce(good, `"bn128"`, `"bls12381"`),
		"alpha off":      replaceOnce(good, `"20491192805390485299153009773594534940189261866228447918068658471970481763042"`, `"20491192805390485299153009773594534940189261866228447918068658471970481763043"`),
		"two inputs":     twoInputs,
		"nPublic lies":   replaceOnce(good, `"nPublic": 3`, `"nPublic": 4`),
		"hex coordinate": replaceOnce(good, `"20491192805390485299153009773594534940189261866228447918068658471970481763042"`, `"0x1"`),
	} {
		if _, err := proofs.ParseSnarkjsVerifyingKey([]byte(in)); !errors.Is(err, proofs.ErrEncoding) {
			t.Errorf("ParseSnarkjsVerifyingKey(%s) = %v, want ErrEncoding", name, err)
		}
	}
}

// TestUpstreamWitnessGenerator runs upstream's own witness generator
// (circom's proof_main.wasm for SampleAndProve(32, 8, 5, 67, 5), which
// checks every constraint of upstream's circuit) on upstream's input and
// on a slot whose trees Cairn built: both satisfy upstream's circuit, and
// a changed cell does not.
func TestUpstreamWitnessGenerator(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: upstream's witness generator takes seconds per witness")
	}
	wasm, err := os.ReadFile(prooftest.UpstreamWasm)
	if err != nil {
		t.Fatal(err)
	}
	p := circuit.DefaultParams(5)
	cairnSlot, err := prooftest.Witness(prooftest.Slot{NSlots: 11, SlotIndex: 3, NCells: 1024, Seed: 7}, 5)
	if err != nil {
		t.Fatal(err)
	}
	for name, w := range map[string]*circuit.Witness{"upstream's input": fixture(t, 5), "a slot Cairn built": cairnSlot} {
		got, err := prooftest.RunUpstream(wasm, p, w)
		if err != nil {
			t.Fatalf("%s: upstream's witness generator: %v", name, err)
		}
		var want [4]fr.Element
		want[0].SetOne()
		want[1].SetBigInt(w.Entropy)
		want[2].SetBigInt(w.DataSetRoot)
		want[3].SetUint64(w.SlotIndex)
		for i := range want {
			if !got[i].Equal(&want[i]) {
				t.Errorf("%s: witness[%d] = %s, want %s (1, entropy, dataSetRoot, slotIndex)", name, i, got[i].String(), want[i].String())
			}
		}
	}
	cairnSlot.CellData[2][10] = new(big.Int).Add(cairnSlot.CellData[2][10], big.NewInt(1))
	if _, err := prooftest.RunUpstream(wasm, p, cairnSlot); !errors.Is(err, wasmwitness.ErrAssert) {
		t.Errorf("upstream's witness generator on a changed cell = %v, want ErrAssert", err)
	}
}
