package poseidon2gadget_test

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"math/big"
	"os"
	"testing"

	"github.com/consensys/gnark-crypto/ecc"
	"github.com/consensys/gnark/constraint"
	"github.com/consensys/gnark/frontend"
	"github.com/consensys/gnark/frontend/cs/r1cs"
	"github.com/consensys/gnark/test"

	"github.com/cairn-node/cairn/accel"
	"github.com/cairn-node/cairn/accel/poseidon2"
	"github.com/cairn-node/cairn/node/storage/proofs/poseidon2gadget"
)

var field = ecc.BN254.ScalarField()

type permCircuit struct {
	In  [3]frontend.Variable
	Out [3]frontend.Variable `gnark:",public"`
}

func (c *permCircuit) Define(api frontend.API) error {
	out := poseidon2gadget.Permute(api, poseidon2gadget.State(c.In))
	for i := range out {
		api.AssertIsEqual(out[i], c.Out[i])
	}
	return nil
}

type compressCircuit struct {
	Left, Right, Key frontend.Variable
	Out              frontend.Variable `gnark:",public"`
}

func (c *compressCircuit) Define(api frontend.API) error {
	api.AssertIsEqual(poseidon2gadget.Compress(api, c.Left, c.Right, c.Key), c.Out)
	return nil
}

// spongeCircuit hashes In with Sponge, or when split > 0 with
// SpongeFrom(Absorb(In[:split]), In[split:]).
type spongeCircuit struct {
	In  []frontend.Variable
	Out frontend.Variable `gnark:",public"`

	split int
}

func (c *spongeCircuit) Define(api frontend.API) error {
	if c.split > 0 {
		s := poseidon2gadget.Absorb(api, c.In[:c.split]...)
		api.AssertIsEqual(poseidon2gadget.SpongeFrom(api, s, c.In[c.split:]...), c.Out)
		return nil
	}
	api.AssertIsEqual(poseidon2gadget.Sponge(api, c.In...), c.Out)
	return nil
}

func randomFr(t *testing.T) (accel.Fr, *big.Int) {
	t.Helper()
	v, err := rand.Int(rand.Reader, poseidon2.Modulus())
	if err != nil {
		t.Fatal(err)
	}
	x, err := poseidon2.FrFromBig(v)
	if err != nil {
		t.Fatal(err)
	}
	return x, v
}

func reference(t *testing.T) accel.Poseidon2 {
	t.Helper()
	p, err := poseidon2.New(accel.Go)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestPermuteMatchesAccel(t *testing.T) {
	ref := reference(t)
	for i := 0; i < 8; i++ {
		var st [3]accel.Fr
		var a permCircuit
		for k := range st {
			var v *big.Int
			st[k], v = randomFr(t)
			a.In[k] = v
		}
		states := [][3]accel.Fr{st}
		if err := ref.Permute(states); err != nil {
			t.Fatal(err)
		}
		for k := range st {
			a.Out[k] = poseidon2.ToBig(states[0][k])
		}
		if err := test.IsSolved(&permCircuit{}, &a, field); err != nil {
			t.Fatalf("Permute(%v) in circuit differs from accel/poseidon2: %v", a.In, err)
		}
		a.Out[2] = new(big.Int).Add(a.Out[2].(*big.Int), big.NewInt(1))
		if err := test.IsSolved(&permCircuit{}, &a, field); err == nil {
			t.Fatalf("Permute with a wrong output is solved")
		}
	}
}

func TestCompressMatchesAccel(t *testing.T) {
	ref := reference(t)
	for key := uint64(0); key < 4; key++ {
		l, lv := randomFr(t)
		r, rv := randomFr(t)
		out := make([]accel.Fr, 1)
		if err := ref.Compress(out, []accel.Fr{l}, []accel.Fr{r}, key); err != nil {
			t.Fatal(err)
		}
		a := compressCircuit{Left: lv, Right: rv, Key: key, Out: poseidon2.ToBig(out[0])}
		if err := test.IsSolved(&compressCircuit{}, &a, field); err != nil {
			t.Errorf("Compress(key %d) in circuit differs from accel/poseidon2: %v", key, err)
		}
	}
}

func TestSpongeMatchesAccel(t *testing.T) {
	ref := reference(t)
	for _, n := range []int{0, 1, 2, 3, 4, 5, 67} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			elems := make([]accel.Fr, n)
			in := make([]frontend.Variable, n)
			for i := range elems {
				var v *big.Int
				elems[i], v = randomFr(t)
				in[i] = v
			}
			h, err := ref.Sponge(elems)
			if err != nil {
				t.Fatal(err)
			}
			for split := 0; split <= n; split += 2 {
				a := spongeCircuit{In: in, Out: poseidon2.ToBig(h), split: split}
				if err := test.IsSolved(&spongeCircuit{In: make([]frontend.Variable, n), split: split}, &a, field); err != nil {
					t.Errorf("Sponge(%d random elements) in circuit, absorbing %d first, differs from accel/poseidon2: %v", n, split, err)
				}
				if n > 16 {
					break // 67 elements: Sponge alone
				}
			}
		})
	}
}

type nimVectors struct {
	Permutation []string `json:"permutation_0_1_2"`
	Sponge      []string `json:"sponge_rate2_1_to_n"`
}

func dec(t *testing.T, s string) *big.Int {
	t.Helper()
	v, ok := new(big.Int).SetString(s, 10)
	if !ok {
		t.Fatalf("bad decimal %q", s)
	}
	return v
}

// TestNimVectors checks the gadget against nim-poseidon2's own vectors
// (accel/poseidon2/testdata/nim-poseidon2-vectors.json, see SOURCE.md).
func TestNimVectors(t *testing.T) {
	raw, err := os.ReadFile("../../../../accel/poseidon2/testdata/nim-poseidon2-vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var v nimVectors
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	if len(v.Permutation) != 3 || len(v.Sponge) != 8 {
		t.Fatalf("vectors: %d permutation, %d sponge values, want 3, 8", len(v.Permutation), len(v.Sponge))
	}
	p := permCircuit{In: [3]frontend.Variable{0, 1, 2}}
	for k := range p.Out {
		p.Out[k] = dec(t, v.Permutation[k])
	}
	if err := test.IsSolved(&permCircuit{}, &p, field); err != nil {
		t.Errorf("Permute(0, 1, 2) in circuit != nim-poseidon2: %v", err)
	}
	for n, want := range v.Sponge {
		in := make([]frontend.Variable, n)
		for i := range in {
			in[i] = i + 1
		}
		a := spongeCircuit{In: in, Out: dec(t, want)}
		if err := test.IsSolved(&spongeCircuit{In: make([]frontend.Variable, n)}, &a, field); err != nil {
			t.Errorf("Sponge([1..%d]) in circuit != nim-poseidon2 %s: %v", n, want, err)
		}
	}
}

// TestConstraintCount compiles one compression (one permutation plus the
// equality check on its output) to R1CS.
func TestConstraintCount(t *testing.T) {
	ccs, err := frontend.Compile(field, r1cs.NewBuilder, &compressCircuit{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := ccs.GetNbConstraints(), poseidon2gadget.ConstraintsPerPermutation+1; got != want {
		t.Errorf("compress circuit: %d constraints, want %d", got, want)
	}
	t.Logf("%d constraints per permutation", poseidon2gadget.ConstraintsPerPermutation)
}

// TestMatrixShape pins what the S-box's shape buys (see sbox): a
// permutation's 80 S-boxes put 2 of their 3 wires each into the A matrix
// and 2 into B (the Groth16 key's A and B points), and the linear
// expressions stay short: at most 4,200 A terms and 2,200 B terms (the
// previous shape, x², x⁴ and (x⁴ + x)·x = x⁵ + x², had all 3 wires of
// each S-box in A, and 8,112 and 8,017 terms).
func TestMatrixShape(t *testing.T) {
	ccs, err := frontend.Compile(field, r1cs.NewBuilder, &permCircuit{})
	if err != nil {
		t.Fatal(err)
	}
	r, ok := ccs.(interface{ GetR1Cs() []constraint.R1C })
	if !ok {
		t.Fatalf("compiled %T has no R1Cs", ccs)
	}
	inA, inB := map[uint32]bool{}, map[uint32]bool{}
	var termsA, termsB int
	for _, c := range r.GetR1Cs() {
		for _, term := range c.L {
			inA[term.VID] = true
		}
		for _, term := range c.R {
			inB[term.VID] = true
		}
		termsA += len(c.L)
		termsB += len(c.R)
	}
	const sboxes = poseidon2gadget.ConstraintsPerPermutation / 3
	// Each S-box's x³ and x⁵ are in A, x² and x⁵ in B, except the last
	// round's three x⁵, which only meet the equality checks (A); add the
	// constant wire and the three inputs, in both.
	if got, want := len(inA), 2*sboxes+1+3; got != want {
		t.Errorf("%d wires in A, want %d (2 per S-box)", got, want)
	}
	if got, want := len(inB), 2*sboxes-3+1+3; got != want {
		t.Errorf("%d wires in B, want %d (2 per S-box)", got, want)
	}
	if termsA > 4200 || termsB > 2200 {
		t.Errorf("%d A terms and %d B terms, want at most 4,200 and 2,200", termsA, termsB)
	}
	t.Logf("%d internal wires; %d in A (%d terms), %d in B (%d terms)", ccs.GetNbInternalVariables(), len(inA), termsA, len(inB), termsB)
}
