package accelprove_test

import (
	"bytes"
	"errors"
	"testing"
	"testing/cryptotest"

	"github.com/consensys/gnark-crypto/ecc"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	"github.com/consensys/gnark/backend/groth16"
	groth16bn254 "github.com/consensys/gnark/backend/groth16/bn254"
	"github.com/consensys/gnark/backend/witness"
	"github.com/consensys/gnark/constraint"
	cs "github.com/consensys/gnark/constraint/bn254"
	"github.com/consensys/gnark/frontend"
	"github.com/consensys/gnark/frontend/cs/r1cs"

	"github.com/cairn-node/cairn/accel"
	"github.com/cairn-node/cairn/accel/msm"
	"github.com/cairn-node/cairn/accel/ntt"
	"github.com/cairn-node/cairn/node/storage/proofs/internal/accelprove"
)

// chainRounds is the number of squarings of the test circuit: about 600
// constraints, a domain of 1024.
const chainRounds = 300

// chain proves knowledge of X with Y = f^chainRounds(X), f(x) = x² + 7,
// and Z = X + Y; Z only enters linear constraints, so some wires have no
// A or B term and the key has points at infinity to skip.
type chain struct {
	X frontend.Variable
	Y frontend.Variable `gnark:",public"`
	Z frontend.Variable `gnark:",public"`
}

func (c *chain) Define(api frontend.API) error {
	x := c.X
	for range chainRounds {
		x = api.Add(api.Mul(x, x), 7)
	}
	api.AssertIsEqual(x, c.Y)
	api.AssertIsEqual(api.Add(c.X, c.Y), c.Z)
	return nil
}

// chainAssignment returns a satisfying assignment for x.
func chainAssignment(x uint64) *chain {
	var v, seven fr.Element
	v.SetUint64(x)
	seven.SetUint64(7)
	for range chainRounds {
		v.Square(&v).Add(&v, &seven)
	}
	var z, xe fr.Element
	xe.SetUint64(x)
	z.Add(&xe, &v)
	return &chain{X: x, Y: v, Z: z}
}

type setup struct {
	ccs constraint.ConstraintSystem
	pk  *groth16bn254.ProvingKey
	vk  groth16.VerifyingKey
}

func newSetup(t *testing.T, c frontend.Circuit) setup {
	t.Helper()
	ccs, err := frontend.Compile(ecc.BN254.ScalarField(), r1cs.NewBuilder, c)
	if err != nil {
		t.Fatal(err)
	}
	pk, vk, err := groth16.Setup(ccs)
	if err != nil {
		t.Fatal(err)
	}
	return setup{ccs: ccs, pk: pk.(*groth16bn254.ProvingKey), vk: vk}
}

func fullWitness(t *testing.T, a frontend.Circuit) witness.Witness {
	t.Helper()
	w, err := frontend.NewWitness(a, ecc.BN254.ScalarField())
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func encode(t *testing.T, p *groth16bn254.Proof) []byte {
	t.Helper()
	var b bytes.Buffer
	if _, err := p.WriteRawTo(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// routes returns the kernel choices to prove with: automatic routing, the
// go backends forced, the simd MSM (with go NTTs: there is no simd NTT)
// where the CPU has it, and the icicle backends forced when built in.
func routes(t *testing.T) map[string][]accelprove.Option {
	out := map[string][]accelprove.Option{"routed": nil}
	for _, b := range []accel.Backend{accel.Go, accel.SIMD, accel.Icicle} {
		m, errM := msm.New(b)
		nb := b
		if b == accel.SIMD {
			nb = accel.Go
		}
		k, errN := ntt.New(nb)
		if err := errors.Join(errM, errN); err != nil {
			if !errors.Is(err, accel.ErrUnavailable) {
				t.Fatal(err)
			}
			t.Logf("no %s route: %v", b, err)
			continue
		}
		out[string(b)] = []accelprove.Option{accelprove.WithMSM(m), accelprove.WithNTT(k)}
	}
	return out
}

// copies is chain four times over from four inputs of equal value, so
// that three in four wires repeat a value: Prove merges the points of
// repeated scalars (see repeats.go) in all three MSMs.
type copies struct {
	X [4]frontend.Variable
	Y frontend.Variable `gnark:",public"`
}

func (c *copies) Define(api frontend.API) error {
	for _, x := range c.X {
		for range chainRounds {
			x = api.Add(api.Mul(x, x), 7)
		}
		api.AssertIsEqual(x, c.Y)
	}
	return nil
}

// TestMatchesGnark proves with fixed crypto/rand on every route and with
// gnark's prover: the proofs must be equal byte for byte and verify, with
// the key as gnark set it up (C from three MSMs) and after Prepare (one),
// for a circuit whose wires rarely repeat a value and for one where most
// do.
func TestMatchesGnark(t *testing.T) {
	c := chainAssignment(3)
	for _, tc := range []struct {
		name       string
		circuit    frontend.Circuit
		assignment frontend.Circuit
	}{
		{"chain", &chain{}, c},
		{"copies", &copies{}, &copies{X: [4]frontend.Variable{3, 3, 3, 3}, Y: c.Y}},
	} {
		t.Run(tc.name, func(t *testing.T) { testMatchesGnark(t, tc.circuit, tc.assignment) })
	}
}

func testMatchesGnark(t *testing.T, circuit, assignment frontend.Circuit) {
	s := newSetup(t, circuit)
	if _, ok := circuit.(*chain); ok && (s.pk.NbInfinityA == 0 || s.pk.NbInfinityB == 0) {
		t.Fatalf("test circuit has %d/%d A/B points at infinity, want some of each", s.pk.NbInfinityA, s.pk.NbInfinityB)
	}
	w := fullWitness(t, assignment)
	pub, err := w.Public()
	if err != nil {
		t.Fatal(err)
	}
	for _, prepared := range []bool{false, true} {
		if prepared {
			accelprove.Prepare(s.pk)
		}
		if got := accelprove.LaidOut(s.pk); got != prepared {
			t.Fatalf("LaidOut = %v with Prepare called: %v", got, prepared)
		}
		for seed := uint64(1); seed <= 2; seed++ {
			cryptotest.SetGlobalRandom(t, seed)
			ref, err := groth16.Prove(s.ccs, s.pk, w)
			if err != nil {
				t.Fatalf("gnark Prove = %v", err)
			}
			want := encode(t, ref.(*groth16bn254.Proof))
			for name, opts := range routes(t) {
				cryptotest.SetGlobalRandom(t, seed)
				p, err := accelprove.Prove(s.ccs.(*cs.R1CS), s.pk, w, opts...)
				if err != nil {
					t.Fatalf("%s: Prove = %v", name, err)
				}
				if got := encode(t, p); !bytes.Equal(got, want) {
					t.Errorf("%s, seed %d, prepared %v: proof %x, gnark's %x", name, seed, prepared, got, want)
				}
				if err := groth16.Verify(p, s.vk, pub); err != nil {
					t.Errorf("%s, seed %d, prepared %v: gnark Verify = %v", name, seed, prepared, err)
				}
			}
		}
	}
	// With fresh randomness the proofs differ but still verify.
	p, err := accelprove.Prove(s.ccs.(*cs.R1CS), s.pk, w)
	if err != nil {
		t.Fatal(err)
	}
	if err := groth16.Verify(p, s.vk, pub); err != nil {
		t.Errorf("gnark Verify(random r, s) = %v", err)
	}
}

func TestUnsatisfied(t *testing.T) {
	s := newSetup(t, &chain{})
	a := chainAssignment(3)
	a.Z = 1
	_, err := accelprove.Prove(s.ccs.(*cs.R1CS), s.pk, fullWitness(t, a))
	if !errors.Is(err, accelprove.ErrUnsatisfied) {
		t.Errorf("Prove(wrong Z) = %v, want %v", err, accelprove.ErrUnsatisfied)
	}
}

// committed uses a BSB22 commitment, which Prove refuses.
type committed struct {
	X frontend.Variable
	Y frontend.Variable `gnark:",public"`
}

func (c *committed) Define(api frontend.API) error {
	cm, err := api.(frontend.Committer).Commit(c.X)
	if err != nil {
		return err
	}
	api.AssertIsDifferent(cm, 0)
	api.AssertIsEqual(api.Mul(c.X, c.X), c.Y)
	return nil
}

// square is a one-constraint circuit whose key fits no other system.
type square struct {
	X frontend.Variable
	Y frontend.Variable `gnark:",public"`
}

func (c *square) Define(api frontend.API) error {
	api.AssertIsEqual(api.Mul(c.X, c.X), c.Y)
	return nil
}

func TestUnsupported(t *testing.T) {
	s := newSetup(t, &committed{})
	_, err := accelprove.Prove(s.ccs.(*cs.R1CS), s.pk, fullWitness(t, &committed{X: 3, Y: 9}))
	if !errors.Is(err, accelprove.ErrUnsupported) {
		t.Errorf("Prove(circuit with a commitment) = %v, want %v", err, accelprove.ErrUnsupported)
	}

	// A key for another system is refused, not proven into garbage.
	other := newSetup(t, &chain{})
	_, err = accelprove.Prove(other.ccs.(*cs.R1CS), newSetup(t, &square{}).pk, fullWitness(t, chainAssignment(2)))
	if !errors.Is(err, accelprove.ErrUnsupported) {
		t.Errorf("Prove(key of another circuit) = %v, want %v", err, accelprove.ErrUnsupported)
	}
	if _, err := accelprove.Prove(other.ccs.(*cs.R1CS), other.pk, fullWitness(t, chainAssignment(2)), accelprove.WithMSM(nil)); err == nil {
		t.Error("Prove(WithMSM(nil)) = nil error")
	}
}
