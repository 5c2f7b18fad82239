package circuit_test

import (
	"encoding/json"
	"errors"
	"math/big"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/consensys/gnark-crypto/ecc"
	"github.com/consensys/gnark/frontend"
	"github.com/consensys/gnark/frontend/cs/r1cs"
	"github.com/consensys/gnark/test"

	"github.com/cairn-node/cairn/node/storage/proofs/circuit"
)

var field = ecc.BN254.ScalarField()

// fixturePath is logos-storage-nim's circuit input (see SOURCE.md there).
const fixturePath = "../../../../accel/poseidon2/testdata/logos-storage-circuit-input.json"

func loadFixture(t testing.TB) *circuit.Witness {
	t.Helper()
	f, err := os.Open(fixturePath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w, err := circuit.ParseInputJSON(f)
	if err != nil {
		t.Fatalf("ParseInputJSON(fixture) = %v", err)
	}
	return w
}

func TestParseFixture(t *testing.T) {
	w := loadFixture(t)
	if w.Entropy.String() != "1234567" || w.SlotIndex != 3 || w.NCellsPerSlot != 512 || w.NSlotsPerDataSet != 11 {
		t.Errorf("fixture: entropy %v slot %d cells %d slots %d, want 1234567 3 512 11", w.Entropy, w.SlotIndex, w.NCellsPerSlot, w.NSlotsPerDataSet)
	}
	if w.DataSetRoot.String() != "16074246370508166450132968585287196391860062495017081813239200574579640171677" {
		t.Errorf("fixture dataSetRoot = %v", w.DataSetRoot)
	}
	if len(w.CellData) != 5 || len(w.CellData[0]) != 67 || len(w.MerklePaths[4]) != 32 || len(w.SlotProof) != 8 {
		t.Errorf("fixture shapes: %d cells of %d, path %d, slot proof %d", len(w.CellData), len(w.CellData[0]), len(w.MerklePaths[4]), len(w.SlotProof))
	}
}

func solve(t *testing.T, p circuit.Params, w *circuit.Witness) error {
	t.Helper()
	a, err := circuit.Assign(p, w)
	if err != nil {
		t.Fatalf("Assign: %v", err)
	}
	c, err := circuit.New(p)
	if err != nil {
		t.Fatal(err)
	}
	return test.IsSolved(c, a, field)
}

// TestFixtureSolves is the central check: upstream's own input satisfies
// the circuit with upstream's parameters, and each tampering breaks it.
func TestFixtureSolves(t *testing.T) {
	p := circuit.DefaultParams(5)
	if err := solve(t, p, loadFixture(t)); err != nil {
		t.Fatalf("upstream fixture does not satisfy SampleAndProve%v: %v", p, err)
	}
	one := big.NewInt(1)
	tamper := []struct {
		name string
		f    func(w *circuit.Witness)
	}{
		{"cell element +1", func(w *circuit.Witness) { w.CellData[2][10] = new(big.Int).Add(w.CellData[2][10], one) }},
		{"last cell element +1", func(w *circuit.Witness) { w.CellData[4][66] = new(big.Int).Add(w.CellData[4][66], one) }},
		{"entropy", func(w *circuit.Witness) { w.Entropy = big.NewInt(1234568) }},
		{"slotIndex", func(w *circuit.Witness) { w.SlotIndex = 4 }},
		{"dataSetRoot", func(w *circuit.Witness) { w.DataSetRoot = new(big.Int).Add(w.DataSetRoot, one) }},
		{"slotRoot", func(w *circuit.Witness) { w.SlotRoot = new(big.Int).Add(w.SlotRoot, one) }},
		{"merkle path", func(w *circuit.Witness) { w.MerklePaths[0][7] = new(big.Int).Add(w.MerklePaths[0][7], one) }},
		{"slot proof", func(w *circuit.Witness) { w.SlotProof[1] = new(big.Int).Add(w.SlotProof[1], one) }},
		{"nCellsPerSlot 1024", func(w *circuit.Witness) { w.NCellsPerSlot = 1024 }},
		{"nCellsPerSlot 500", func(w *circuit.Witness) { w.NCellsPerSlot = 500 }},
		{"nCellsPerSlot 0", func(w *circuit.Witness) { w.NCellsPerSlot = 0 }},
		{"nCellsPerSlot 1", func(w *circuit.Witness) { w.NCellsPerSlot = 1 }},
		{"nSlotsPerDataSet 0", func(w *circuit.Witness) { w.NSlotsPerDataSet = 0 }},
		{"slotIndex 256", func(w *circuit.Witness) { w.SlotIndex = 256 + 3 }},
		{"nSlotsPerDataSet 4", func(w *circuit.Witness) { w.NSlotsPerDataSet = 4 }},
		{"samples swapped", func(w *circuit.Witness) {
			w.CellData[0], w.CellData[1] = w.CellData[1], w.CellData[0]
			w.MerklePaths[0], w.MerklePaths[1] = w.MerklePaths[1], w.MerklePaths[0]
		}},
	}
	for _, tc := range tamper {
		t.Run(tc.name, func(t *testing.T) {
			w := loadFixture(t)
			tc.f(w)
			if err := solve(t, p, w); err == nil {
				t.Errorf("fixture with %s satisfies the circuit", tc.name)
			}
		})
	}
}

// TestFixtureSameShape: nSlotsPerDataSet is private and only shapes the
// dataset tree; 16 slots give slot 3 the same path and keys as 11, so the
// statement still holds (as in upstream's circuit).
func TestFixtureSameShape(t *testing.T) {
	w := loadFixture(t)
	w.NSlotsPerDataSet = 16
	if err := solve(t, circuit.DefaultParams(5), w); err != nil {
		t.Fatalf("fixture with nSlotsPerDataSet 16: %v", err)
	}
}

// TestFixturePrefix: the first sample alone proves with N = 1.
func TestFixturePrefix(t *testing.T) {
	w := loadFixture(t)
	w.CellData, w.MerklePaths = w.CellData[:1], w.MerklePaths[:1]
	if err := solve(t, circuit.DefaultParams(1), w); err != nil {
		t.Fatalf("first fixture sample with N = 1: %v", err)
	}
}

func TestAssignRejects(t *testing.T) {
	p := circuit.DefaultParams(5)
	cases := []struct {
		name string
		f    func(w *circuit.Witness)
	}{
		{"too few samples", func(w *circuit.Witness) { w.CellData = w.CellData[:4] }},
		{"short cell", func(w *circuit.Witness) { w.CellData[1] = w.CellData[1][:66] }},
		{"long path", func(w *circuit.Witness) { w.MerklePaths[1] = append(w.MerklePaths[1], big.NewInt(0)) }},
		{"long slot proof", func(w *circuit.Witness) { w.SlotProof = append(w.SlotProof, big.NewInt(0)) }},
		{"nil element", func(w *circuit.Witness) { w.CellData[0][0] = nil }},
		{"element = r", func(w *circuit.Witness) { w.Entropy = field }},
		{"negative", func(w *circuit.Witness) { w.SlotRoot = big.NewInt(-1) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := loadFixture(t)
			tc.f(w)
			if _, err := circuit.Assign(p, w); !errors.Is(err, circuit.ErrWitness) {
				t.Errorf("Assign(%s) = %v, want ErrWitness", tc.name, err)
			}
		})
	}
	if _, err := circuit.Assign(circuit.Params{}, loadFixture(t)); !errors.Is(err, circuit.ErrParams) {
		t.Errorf("Assign(zero Params) = %v, want ErrParams", err)
	}
}

func TestParseInputJSONRejects(t *testing.T) {
	for _, in := range []string{``, `{`, `[]`, `{"entropy":"x"}`, `{"entropy":"-1"}`, `{"entropy":"1"}`,
		`{"entropy":"1","dataSetRoot":"1","slotIndex":99999999999999999999999,"slotRoot":"1","nCellsPerSlot":2,"nSlotsPerDataSet":1}`} {
		if _, err := circuit.ParseInputJSON(strings.NewReader(in)); !errors.Is(err, circuit.ErrWitness) {
			t.Errorf("ParseInputJSON(%q) = %v, want ErrWitness", in, err)
		}
	}
}

func FuzzParseInputJSON(f *testing.F) {
	f.Add([]byte(`{"entropy":"1","dataSetRoot":"2","slotIndex":0,"slotRoot":"3","nCellsPerSlot":2,"nSlotsPerDataSet":1,"slotProof":["0"],"cellData":[["1"]],"merklePaths":[["0"]]}`))
	f.Add([]byte(`{"cellData":[[null]]}`))
	p := circuit.Params{MaxDepth: 2, MaxLog2NSlots: 1, BlockTreeDepth: 1, CellElems: 1, Samples: 1}
	f.Fuzz(func(t *testing.T, b []byte) {
		w, err := circuit.ParseInputJSON(strings.NewReader(string(b)))
		if err != nil {
			return
		}
		_, _ = circuit.Assign(p, w) // must not panic
	})
}

// TestConstraintCounts compiles the circuit with upstream's parameters and
// pins the counts (a change means new keys and new measurements).
// N = 100 takes 13 s and 1.6 GB: set CAIRN_PROOFS_N100=1.
func TestConstraintCounts(t *testing.T) {
	want := map[int]int{1: 19071, 5: 86187, 100: 1680192}
	ns := []int{1, 5}
	if os.Getenv("CAIRN_PROOFS_N100") != "" {
		ns = append(ns, 100)
	}
	for _, n := range ns {
		c, err := circuit.New(circuit.DefaultParams(n))
		if err != nil {
			t.Fatal(err)
		}
		ccs, err := frontend.Compile(field, r1cs.NewBuilder, c)
		if err != nil {
			t.Fatalf("Compile(N=%d): %v", n, err)
		}
		t.Logf("N=%d: %d constraints, %d public, %d secret, %d internal wires", n, ccs.GetNbConstraints(),
			ccs.GetNbPublicVariables(), ccs.GetNbSecretVariables(), ccs.GetNbInternalVariables())
		if got := ccs.GetNbConstraints(); got != want[n] {
			t.Errorf("Compile(N=%d) = %d constraints, want %d", n, got, want[n])
		}
		if got := ccs.GetNbPublicVariables(); got != 4 { // the constant 1 and three inputs
			t.Errorf("Compile(N=%d) = %d public variables, want 4", n, got)
		}
	}
}

// TestMarshalInputJSON writes upstream's input back: the JSON equals
// upstream's file value for value, and parses back to the same witness.
func TestMarshalInputJSON(t *testing.T) {
	w := loadFixture(t)
	out, err := circuit.MarshalInputJSON(circuit.DefaultParams(5), w)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(fixturePath)
	if err != nil {
		t.Fatal(err)
	}
	var got, want any
	if err := errors.Join(json.Unmarshal(out, &got), json.Unmarshal(raw, &want)); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("MarshalInputJSON(upstream's input) differs from upstream's input.json:\n%.600s", out)
	}
	w2, err := circuit.ParseInputJSON(strings.NewReader(string(out)))
	if err != nil {
		t.Fatal(err)
	}
	again, err := circuit.MarshalInputJSON(circuit.DefaultParams(5), w2)
	if err != nil || string(again) != string(out) {
		t.Errorf("MarshalInputJSON after ParseInputJSON changed the JSON (%v)", err)
	}
	// Short paths are zero-padded; a witness that does not fit is refused.
	w2.MerklePaths[0] = w2.MerklePaths[0][:9]
	if _, err := circuit.MarshalInputJSON(circuit.DefaultParams(5), w2); err != nil {
		t.Errorf("MarshalInputJSON(short path) = %v", err)
	}
	if _, err := circuit.MarshalInputJSON(circuit.DefaultParams(4), w); !errors.Is(err, circuit.ErrWitness) && !errors.Is(err, circuit.ErrParams) {
		t.Errorf("MarshalInputJSON(5 samples for N=4) = %v, want ErrWitness or ErrParams", err)
	}
}
