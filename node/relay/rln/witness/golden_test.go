package witness_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"math/big"
	"os"
	"testing"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
)

var update = flag.Bool("update", false, "rewrite testdata/witness-golden.json from circom's wasm witness calculator (needs rln.wasm)")

const goldenFile = "testdata/witness-golden.json"

// golden is a witness of rln.wasm, kept small enough to commit: the first
// wires and a digest of all of them.
type golden struct {
	Source string   `json:"source"`
	Vector string   `json:"vector"`
	Wires  int      `json:"wires"`
	First  []string `json:"first_wires"`
	// SHA256 is the sha256 of all wires, each as 32 bytes little-endian.
	SHA256 string `json:"sha256_wires_le32"`
}

// goldenFirst is how many leading wires the golden file lists.
const goldenFirst = 64

func digest(w []fr.Element) string {
	h := sha256.New()
	for i := range w {
		b := w[i].Bytes() // big-endian
		for l, r := 0, len(b)-1; l < r; l, r = l+1, r-1 {
			b[l], b[r] = b[r], b[l]
		}
		h.Write(b[:])
	}
	return hex.EncodeToString(h.Sum(nil))
}

// TestGoldenWitness checks the witness of the first vector against the
// committed output of rln.wasm, so the evaluator is checked against circom
// even where rln.wasm is absent. Run with -update (and rln.wasm present)
// to regenerate the file from rln.wasm.
func TestGoldenWitness(t *testing.T) {
	v := loadVectors(t)[0]
	if *update {
		want, err := loadWasm(t).Calculate(v.inputs)
		if err != nil {
			t.Fatalf("wasm: %v", err)
		}
		gf := golden{
			Source: "circom wasm witness calculator rln.wasm (zerokit v2.0.2, sha256 b4d2d175…863f) run by internal/wasmwitness; regenerate with go test -run TestGoldenWitness -update",
			Vector: v.ID, Wires: len(want), SHA256: digest(want),
		}
		for i := range min(goldenFirst, len(want)) {
			gf.First = append(gf.First, want[i].BigInt(new(big.Int)).String()) // canonical, never "-1"
		}
		b, err := json.MarshalIndent(gf, "", " ")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(goldenFile, append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(goldenFile)
	if err != nil {
		t.Fatal(err)
	}
	var gf golden
	if err := json.Unmarshal(b, &gf); err != nil {
		t.Fatalf("parse %s: %v", goldenFile, err)
	}
	if gf.Vector != v.ID {
		t.Fatalf("%s is for vector %q, testdata/vectors.json starts with %q; rerun with -update", goldenFile, gf.Vector, v.ID)
	}
	w, err := defaultGraph(t).Calculate(v.inputs)
	if err != nil {
		t.Fatalf("Calculate: %v", err)
	}
	if len(w) != gf.Wires {
		t.Fatalf("Calculate(%s) has %d wires, want %d", v.ID, len(w), gf.Wires)
	}
	for i, s := range gf.First {
		if want := dec(t, s); !w[i].Equal(&want) {
			t.Errorf("Calculate(%s)[%d] = %s, want %s", v.ID, i, w[i].String(), s)
		}
	}
	if got := digest(w); got != gf.SHA256 {
		t.Errorf("sha256 of Calculate(%s) = %s, want %s", v.ID, got, gf.SHA256)
	}
}
