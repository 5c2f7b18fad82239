package witness_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"testing"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"

	"github.com/cairn-node/cairn/node/internal/wasmwitness"
	"github.com/cairn-node/cairn/node/relay/rln/witness"
)

// vector is one entry of testdata/vectors.json (see testdata/SOURCE).
type vector struct {
	ID            string          `json:"id"`
	CircuitInputs json.RawMessage `json:"circuit_inputs"`
	Y             string          `json:"y"`
	Root          string          `json:"merkle_root"`
	Nullifier     string          `json:"nullifier"`
	X             string          `json:"x"`
	ExtNullifier  string          `json:"external_nullifier"`

	inputs map[string][]fr.Element
}

func loadVectors(t testing.TB) []vector {
	t.Helper()
	b, err := os.ReadFile("testdata/vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var f struct{ Vectors []vector }
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatalf("parse testdata/vectors.json: %v", err)
	}
	if len(f.Vectors) == 0 {
		t.Fatal("testdata/vectors.json has no vectors")
	}
	for i := range f.Vectors {
		if f.Vectors[i].inputs, err = wasmwitness.ParseInputs(f.Vectors[i].CircuitInputs); err != nil {
			t.Fatalf("vector %s: %v", f.Vectors[i].ID, err)
		}
	}
	return f.Vectors
}

func defaultGraph(t testing.TB) *witness.Graph {
	t.Helper()
	g, err := witness.Default()
	if err != nil {
		t.Fatalf("Default() = %v", err)
	}
	return g
}

// loadWasm compiles rln.wasm or skips the test. The calculator is closed
// when the test ends.
func loadWasm(t *testing.T) *wasmCalc {
	t.Helper()
	path, err := wasmwitness.Locate()
	if err != nil {
		t.Skipf("skipping the comparison with circom's wasm witness calculator: %v", err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	c, err := wasmwitness.New(context.Background(), b)
	if err != nil {
		t.Fatalf("wasmwitness.New(%s): %v", path, err)
	}
	t.Cleanup(func() { c.Close(context.Background()) })
	return &wasmCalc{c}
}

// wasmCalc is rln.wasm, compiled.
type wasmCalc struct{ c *wasmwitness.Calculator }

func (w *wasmCalc) Calculate(in map[string][]fr.Element) ([]fr.Element, error) {
	return w.c.Calculate(context.Background(), in)
}

func dec(t testing.TB, s string) fr.Element {
	t.Helper()
	var e fr.Element
	if _, err := e.SetString(s); err != nil {
		t.Fatalf("SetString(%q): %v", s, err)
	}
	return e
}

// cloneInputs returns a deep copy of in, edited by edit.
func cloneInputs(in map[string][]fr.Element, edit func(map[string][]fr.Element)) map[string][]fr.Element {
	m := make(map[string][]fr.Element, len(in))
	for k, v := range in {
		m[k] = append([]fr.Element(nil), v...)
	}
	if edit != nil {
		edit(m)
	}
	return m
}

// TestInputs checks the input signals of the embedded RLN v2 graph.
func TestInputs(t *testing.T) {
	g := defaultGraph(t)
	want := map[string]int{
		"identitySecret": 1, "userMessageLimit": 1, "messageId": 1, "pathElements": 20,
		"identityPathIndex": 20, "x": 1, "externalNullifier": 1,
	}
	got := g.Inputs()
	if len(got) != len(want) {
		t.Errorf("Inputs() = %v, want %v", got, want)
	}
	for k, n := range want {
		if got[k] != n {
			t.Errorf("Inputs()[%q] = %d, want %d", k, got[k], n)
		}
	}
	// The zkey of the same circuit has 5844 wires (snarkjs zkey export / r1cs info).
	if g.NumWires() != 5844 {
		t.Errorf("NumWires() = %d, want 5844", g.NumWires())
	}
}

// TestPublicSignals checks wire 0 and the public signals against zerokit's
// vectors: circom numbers the outputs y, root, nullifier first, then the
// public inputs x, externalNullifier.
func TestPublicSignals(t *testing.T) {
	g := defaultGraph(t)
	for _, v := range loadVectors(t) {
		w, err := g.Calculate(v.inputs)
		if err != nil {
			t.Fatalf("%s: Calculate: %v", v.ID, err)
		}
		var one fr.Element
		one.SetOne()
		want := []fr.Element{one, dec(t, v.Y), dec(t, v.Root), dec(t, v.Nullifier), dec(t, v.X), dec(t, v.ExtNullifier)}
		for i := range want {
			if !w[i].Equal(&want[i]) {
				t.Errorf("%s: witness[%d] = %s, want %s", v.ID, i, w[i].String(), want[i].String())
			}
		}
	}
}

// TestMatchesWasm compares the whole witness, wire for wire, with circom's
// wasm witness calculator (rln.wasm) for every vector.
func TestMatchesWasm(t *testing.T) {
	wasm := loadWasm(t)
	g := defaultGraph(t)
	for _, v := range loadVectors(t) {
		want, err := wasm.Calculate(v.inputs)
		if err != nil {
			t.Fatalf("%s: wasmwitness.Calculate: %v", v.ID, err)
		}
		got, err := g.Calculate(v.inputs)
		if err != nil {
			t.Fatalf("%s: Calculate: %v", v.ID, err)
		}
		compareWitness(t, v.ID, got, want)
	}
}

func compareWitness(t *testing.T, id string, got, want []fr.Element) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: witness has %d wires, wasm %d", id, len(got), len(want))
	}
	bad := 0
	for i := range want {
		if !got[i].Equal(&want[i]) {
			if bad++; bad <= 5 {
				t.Errorf("%s: witness[%d] = %s, wasm %s", id, i, got[i].String(), want[i].String())
			}
		}
	}
	if bad > 0 {
		t.Errorf("%s: %d of %d wires differ", id, bad, len(want))
	}
}

// TestCalculateInputErrors checks that bad inputs name the signal.
func TestCalculateInputErrors(t *testing.T) {
	g := defaultGraph(t)
	base := loadVectors(t)[0].inputs
	for _, c := range []struct {
		name string
		edit func(map[string][]fr.Element)
	}{
		{"missing x", func(m map[string][]fr.Element) { delete(m, "x") }},
		{"extra bogus", func(m map[string][]fr.Element) { m["bogus"] = make([]fr.Element, 1) }},
		{"short pathElements", func(m map[string][]fr.Element) { m["pathElements"] = m["pathElements"][:19] }},
		{"long messageId", func(m map[string][]fr.Element) { m["messageId"] = make([]fr.Element, 2) }},
		{"nil", func(m map[string][]fr.Element) { clear(m) }},
	} {
		_, err := g.Calculate(cloneInputs(base, c.edit))
		if !errors.Is(err, witness.ErrInput) {
			t.Errorf("Calculate(%s) = %v, want %v", c.name, err, witness.ErrInput)
		}
		t.Logf("%s: %v", c.name, err)
	}
}

// assertCase is a messageId, userMessageLimit and identityPathIndex[3] for
// the RLN circuit, and whether its asserts accept them.
type assertCase struct {
	name      string
	id, limit uint64
	pathBit   int64
	ok        bool
}

// rlnAssertCases are inputs that break one of the RLN circuit's asserts, and
// inputs next to them that do not.
func rlnAssertCases() []assertCase {
	return []assertCase{
		{"id 0 limit 1", 0, 1, 0, true},
		{"id 99 limit 100", 99, 100, 1, true},
		{"id = limit", 100, 100, 0, false},
		{"id > limit", 101, 100, 0, false},
		{"limit 0", 0, 0, 0, false},
		{"id 65535 limit 65536", 65535, 65536, 0, true},
		{"id 2^16", 1 << 16, 1<<16 + 1, 0, false},
		{"limit = id + 2^16", 5, 5 + 1<<16, 0, true},
		{"limit > id + 2^16", 5, 6 + 1<<16, 0, false},
		{"path bit 2", 0, 1, 2, false},
		{"path bit -1", 0, 1, -1, false},
	}
}

func rlnAssertInputs(base map[string][]fr.Element, id, limit uint64, pathBit int64) map[string][]fr.Element {
	return cloneInputs(base, func(m map[string][]fr.Element) {
		m["messageId"][0].SetUint64(id)
		m["userMessageLimit"][0].SetUint64(limit)
		m["identityPathIndex"][3].SetInt64(pathBit)
	})
}

// TestCalculateRLNAsserts checks that inputs the circuit rejects give
// ErrUnsatisfied, and that accepted ones compute.
func TestCalculateRLNAsserts(t *testing.T) {
	g := defaultGraph(t)
	base := loadVectors(t)[0].inputs
	for _, c := range rlnAssertCases() {
		_, err := g.Calculate(rlnAssertInputs(base, c.id, c.limit, c.pathBit))
		if c.ok && err != nil {
			t.Errorf("%s: Calculate = %v, want nil", c.name, err)
		}
		if !c.ok && !errors.Is(err, witness.ErrUnsatisfied) {
			t.Errorf("%s: Calculate = %v, want %v", c.name, err, witness.ErrUnsatisfied)
		}
		t.Logf("%s: %v", c.name, err)
	}
}

// TestRLNAssertsMatchWasm checks that the same cases fail in circom's wasm
// witness calculator with "Assert Failed", and that the accepted ones give
// the same witness.
func TestRLNAssertsMatchWasm(t *testing.T) {
	wasm := loadWasm(t)
	g := defaultGraph(t)
	base := loadVectors(t)[0].inputs
	for _, c := range rlnAssertCases() {
		in := rlnAssertInputs(base, c.id, c.limit, c.pathBit)
		want, err := wasm.Calculate(in)
		if c.ok != (err == nil) || (err != nil && !errors.Is(err, wasmwitness.ErrAssert)) {
			t.Errorf("%s: wasmwitness.Calculate = %v, want ok=%v", c.name, err, c.ok)
			continue
		}
		if c.ok {
			got, err := g.Calculate(in)
			if err != nil {
				t.Fatalf("%s: Calculate: %v", c.name, err)
			}
			compareWitness(t, c.name, got, want)
		}
	}
}

// TestConcurrentCalculate runs Calculate from several goroutines (run with
// -race) and checks that they agree.
func TestConcurrentCalculate(t *testing.T) {
	g := defaultGraph(t)
	vecs := loadVectors(t)
	want := make([][]fr.Element, len(vecs))
	for i, v := range vecs {
		var err error
		if want[i], err = g.Calculate(v.inputs); err != nil {
			t.Fatal(err)
		}
	}
	errc := make(chan error, 8)
	for k := range 8 {
		go func() {
			i := k % len(vecs)
			w, err := g.Calculate(vecs[i].inputs)
			if err == nil && !w[1].Equal(&want[i][1]) {
				err = errors.New("concurrent Calculate gave another witness")
			}
			errc <- err
		}()
	}
	for range 8 {
		if err := <-errc; err != nil {
			t.Error(err)
		}
	}
}

func BenchmarkCalculate(b *testing.B) {
	g := defaultGraph(b)
	in := loadVectors(b)[0].inputs
	b.ReportAllocs()
	for b.Loop() {
		if _, err := g.Calculate(in); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParse(b *testing.B) {
	g, err := os.ReadFile("../circuit/graph.bin")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := witness.Parse(g); err != nil {
			b.Fatal(err)
		}
	}
}
