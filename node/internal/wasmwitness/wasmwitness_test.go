package wasmwitness_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"

	"github.com/cairn-node/cairn/node/internal/wasmwitness"
)

// sharedVectors is the part of shared/vectors/rln/vectors.json (next to
// rln.wasm) that these tests read.
type sharedVectors struct {
	RLN struct {
		Vectors []struct {
			ID            string               `json:"id"`
			CircuitInputs json.RawMessage      `json:"circuit_inputs_json"`
			Y             struct{ Dec string } `json:"y"`
			Root          struct{ Dec string } `json:"merkle_root"`
			Nullifier     struct{ Dec string } `json:"nullifier"`
			X             struct{ Dec string } `json:"x"`
			ExtNullifier  struct{ Dec string } `json:"external_nullifier"`
		} `json:"vectors"`
	} `json:"rln"`
}

// loadWasm returns rln.wasm and the vectors beside it, or skips the test.
func loadWasm(t *testing.T) ([]byte, sharedVectors) {
	t.Helper()
	path, err := wasmwitness.Locate()
	if err != nil {
		t.Skipf("skipping: %v", err)
	}
	wasm, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var v sharedVectors
	b, err := os.ReadFile(filepath.Join(filepath.Dir(path), "vectors.json"))
	if err != nil {
		t.Skipf("skipping: no vectors.json beside %s: %v", path, err)
	}
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("parse vectors.json: %v", err)
	}
	return wasm, v
}

// newCalculator loads rln.wasm and its vectors (or skips the test) and
// returns a Calculator for it, closed when the test ends.
func newCalculator(t *testing.T) (*wasmwitness.Calculator, []byte, sharedVectors) {
	t.Helper()
	wasm, vecs := loadWasm(t)
	c, err := wasmwitness.New(context.Background(), wasm)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(context.Background()) })
	return c, wasm, vecs
}

// parseInputs is wasmwitness.ParseInputs, failing the test on error.
func parseInputs(t *testing.T, raw []byte) map[string][]fr.Element {
	t.Helper()
	in, err := wasmwitness.ParseInputs(raw)
	if err != nil {
		t.Fatal(err)
	}
	return in
}

func dec(t *testing.T, s string) fr.Element {
	t.Helper()
	var e fr.Element
	if _, err := e.SetString(s); err != nil {
		t.Fatalf("SetString(%q): %v", s, err)
	}
	return e
}

// TestCalculateVectors checks wire 0 and the public signals (y, root,
// nullifier, x, externalNullifier: circom puts outputs first, then public
// inputs) of rln.wasm's witness against zerokit's vectors.
func TestCalculateVectors(t *testing.T) {
	c, _, vecs := newCalculator(t)
	ctx := context.Background()
	n := 0
	for _, v := range vecs.RLN.Vectors {
		if v.CircuitInputs == nil {
			continue // a vector that reuses another's inputs
		}
		n++
		t.Run(v.ID, func(t *testing.T) {
			w, err := c.Calculate(ctx, parseInputs(t, v.CircuitInputs))
			if err != nil {
				t.Fatalf("Calculate: %v", err)
			}
			var one fr.Element
			one.SetOne()
			want := []fr.Element{one, dec(t, v.Y.Dec), dec(t, v.Root.Dec), dec(t, v.Nullifier.Dec), dec(t, v.X.Dec), dec(t, v.ExtNullifier.Dec)}
			if len(w) < len(want) {
				t.Fatalf("witness has %d wires", len(w))
			}
			for i := range want {
				if !w[i].Equal(&want[i]) {
					t.Errorf("witness[%d] = %s, want %s", i, w[i].String(), want[i].String())
				}
			}
		})
	}
	if n == 0 {
		t.Fatal("vectors.json has no vector with circuit inputs")
	}
}

// TestCalculateErrors checks that bad inputs and a failing range check come
// back as the package's errors, without a panic.
func TestCalculateErrors(t *testing.T) {
	calc, wasm, vecs := newCalculator(t)
	ctx := context.Background()
	base := parseInputs(t, vecs.RLN.Vectors[0].CircuitInputs)
	// The one-shot Calculate compiles the module itself.
	if _, err := wasmwitness.Calculate(wasm, base); err != nil {
		t.Errorf("Calculate(vector 0) = %v", err)
	}
	clone := func(edit func(map[string][]fr.Element)) map[string][]fr.Element {
		m := make(map[string][]fr.Element, len(base))
		for k, v := range base {
			m[k] = append([]fr.Element(nil), v...)
		}
		edit(m)
		return m
	}
	for _, c := range []struct {
		name string
		in   map[string][]fr.Element
		want error
	}{
		{"missing", clone(func(m map[string][]fr.Element) { delete(m, "x") }), wasmwitness.ErrInput},
		{"unknown", clone(func(m map[string][]fr.Element) { m["bogus"] = make([]fr.Element, 1) }), wasmwitness.ErrInput},
		{"short", clone(func(m map[string][]fr.Element) { m["pathElements"] = m["pathElements"][:19] }), wasmwitness.ErrInput},
		{"messageId=limit", clone(func(m map[string][]fr.Element) { m["messageId"][0] = m["userMessageLimit"][0] }), wasmwitness.ErrAssert},
		{"path index 2", clone(func(m map[string][]fr.Element) { m["identityPathIndex"][3].SetUint64(2) }), wasmwitness.ErrAssert},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := calc.Calculate(ctx, c.in)
			if !errors.Is(err, c.want) {
				t.Errorf("Calculate = %v, want %v", err, c.want)
			}
			t.Logf("error: %v", err)
		})
	}
	if _, err := wasmwitness.Calculate([]byte("\x00asm\x01\x00\x00\x00"), base); !errors.Is(err, wasmwitness.ErrModule) {
		t.Errorf("Calculate(empty module) = %v, want %v", err, wasmwitness.ErrModule)
	}
}

func TestParseInputs(t *testing.T) {
	got, err := wasmwitness.ParseInputs([]byte(`{"a": "5", "b": [["1", 2], ["0x10", "-1"]], "c": []}`))
	if err != nil {
		t.Fatal(err)
	}
	var minus1 fr.Element
	minus1.SetInt64(-1)
	want := map[string][]fr.Element{
		"a": {fr.NewElement(5)},
		"b": {fr.NewElement(1), fr.NewElement(2), fr.NewElement(16), minus1},
		"c": nil,
	}
	if len(got) != len(want) {
		t.Fatalf("ParseInputs = %d signals, want %d", len(got), len(want))
	}
	for k, w := range want {
		g := got[k]
		if len(g) != len(w) {
			t.Fatalf("ParseInputs[%q] has %d values, want %d", k, len(g), len(w))
		}
		for i := range w {
			if !g[i].Equal(&w[i]) {
				t.Errorf("ParseInputs[%q][%d] = %s, want %s", k, i, g[i].String(), w[i].String())
			}
		}
	}
	for _, bad := range []string{`[]`, `{"a": "1x"}`, `{"a": [1, "z"]}`, `{"a": {"b": 1}}`, `{`} {
		if _, err := wasmwitness.ParseInputs([]byte(bad)); !errors.Is(err, wasmwitness.ErrInput) {
			t.Errorf("ParseInputs(%s) = %v, want %v", bad, err, wasmwitness.ErrInput)
		}
	}
}

func TestLocateEnv(t *testing.T) {
	t.Setenv(wasmwitness.EnvWasm, filepath.Join(t.TempDir(), "absent.wasm"))
	if _, err := wasmwitness.Locate(); !errors.Is(err, wasmwitness.ErrNotFound) {
		t.Errorf("Locate() with $%s absent file = %v, want %v", wasmwitness.EnvWasm, err, wasmwitness.ErrNotFound)
	}
	p := filepath.Join(t.TempDir(), "rln.wasm")
	if err := os.WriteFile(p, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv(wasmwitness.EnvWasm, p)
	if got, err := wasmwitness.Locate(); got != p || err != nil {
		t.Errorf("Locate() = %q, %v, want %q, nil", got, err, p)
	}
}

// FuzzParseInputs checks that ParseInputs never panics and that its errors
// wrap ErrInput.
func FuzzParseInputs(f *testing.F) {
	f.Add([]byte(`{"a": "5", "b": [["1", 2], ["0x10", "-1"]]}`))
	f.Add([]byte(`{"x": [[[]]], "y": 1e3}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		if _, err := wasmwitness.ParseInputs(b); err != nil && !errors.Is(err, wasmwitness.ErrInput) {
			t.Fatalf("ParseInputs error %v does not wrap ErrInput", err)
		}
	})
}

// TestCalculatorConcurrent runs one Calculator from two goroutines.
func TestCalculatorConcurrent(t *testing.T) {
	c, _, vecs := newCalculator(t)
	ctx := context.Background()
	in := parseInputs(t, vecs.RLN.Vectors[0].CircuitInputs)
	want := dec(t, vecs.RLN.Vectors[0].Y.Dec)
	errc := make(chan error, 2)
	for range 2 {
		go func() {
			w, err := c.Calculate(ctx, in)
			if err == nil && !w[1].Equal(&want) {
				err = errors.New("concurrent Calculate gave another y")
			}
			errc <- err
		}()
	}
	for range 2 {
		if err := <-errc; err != nil {
			t.Error(err)
		}
	}
}
