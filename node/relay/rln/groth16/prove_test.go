package groth16

import (
	"errors"
	"math/big"
	"sync"
	"testing"

	"github.com/consensys/gnark-crypto/ecc/bn254"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
)

func frInt(v int64) fr.Element {
	var e fr.Element
	e.SetInt64(v)
	return e
}

func TestProveVerifies(t *testing.T) {
	pk := embeddedKey(t)
	w := readWtns(t, witnessFile)
	public := w[:pk.NPublic+1]
	for _, tt := range []struct {
		name string
		r, s fr.Element
	}{
		{"r=s=0", frInt(0), frInt(0)},
		{"r=1,s=2", frInt(1), frInt(2)},
		{"r=-1,s=large", frInt(-1), frInt(1 << 62)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Prove(pk, w, tt.r, tt.s)
			if err != nil {
				t.Fatalf("Prove = %v", err)
			}
			if !verify(t, pk, p, public) {
				t.Errorf("Prove(%s) does not verify", tt.name)
			}
		})
	}
	p, err := ProveRandom(pk, w)
	if err != nil {
		t.Fatalf("ProveRandom = %v", err)
	}
	if !verify(t, pk, p, public) {
		t.Errorf("ProveRandom does not verify")
	}
	other := append([]fr.Element(nil), public...)
	other[1].Add(&other[1], &other[0])
	if verify(t, pk, p, other) {
		t.Errorf("proof verifies with a changed public input")
	}
}

// naiveG1 returns Σ w[i]·pts[i] by one scalar multiplication per point.
func naiveG1(pts []bn254.G1Affine, w []fr.Element) bn254.G1Jac {
	var acc, t bn254.G1Jac
	var k big.Int
	for i := range pts {
		w[i].BigInt(&k)
		t.FromAffine(&pts[i])
		t.ScalarMultiplication(&t, &k)
		acc.AddAssign(&t)
	}
	return acc
}

func naiveG2(pts []bn254.G2Affine, w []fr.Element) bn254.G2Jac {
	var acc, t bn254.G2Jac
	var k big.Int
	for i := range pts {
		w[i].BigInt(&k)
		t.FromAffine(&pts[i])
		t.ScalarMultiplication(&t, &k)
		acc.AddAssign(&t)
	}
	return acc
}

// TestProveDeterministic recomputes the proof for fixed r, s with one
// scalar multiplication per key point (no MSM, no sparse lists) and
// compares every element.
func TestProveDeterministic(t *testing.T) {
	if testing.Short() {
		t.Skip("naive scalar multiplications take a few seconds")
	}
	pk := embeddedKey(t)
	w := readWtns(t, witnessFile)

	a0 := naiveG1(pk.A, w)
	a0.AddMixed(&pk.Alpha1)
	b0 := naiveG2(pk.B2, w)
	b0.AddMixed(&pk.Beta2)
	b10 := naiveG1(pk.B1, w)
	b10.AddMixed(&pk.Beta1)
	c0 := naiveG1(pk.C, w[pk.NPublic+1:])
	h, err := pk.quotient(&config{}, w)
	if err != nil {
		t.Fatal(err)
	}
	hj := naiveG1(pk.H, h)
	c0.AddAssign(&hj)

	p0, err := Prove(pk, w, frInt(0), frInt(0))
	if err != nil {
		t.Fatal(err)
	}
	wantG1(t, "A(r=0)", p0.A, a0)
	wantG2(t, "B(s=0)", p0.B, b0)
	wantG1(t, "C(r=s=0)", p0.C, c0)

	// r = 1, s = 2: A += δ₁, B += 2δ₂, B₁ += 2δ₁,
	// C += 2·A + 1·B₁ − 2·δ₁.
	p12, err := Prove(pk, w, frInt(1), frInt(2))
	if err != nil {
		t.Fatal(err)
	}
	var d1, d2 bn254.G1Jac
	d1.FromAffine(&pk.Delta1)
	d2.Double(&d1)
	a1 := a0
	a1.AddAssign(&d1)
	var b1 bn254.G2Jac
	b1.FromAffine(&pk.Delta2)
	b1.Double(&b1)
	b1.AddAssign(&b0)
	b11 := b10
	b11.AddAssign(&d2)
	c1 := c0
	var twoA bn254.G1Jac
	twoA.Double(&a1)
	c1.AddAssign(&twoA)
	c1.AddAssign(&b11)
	c1.SubAssign(&d2)
	wantG1(t, "A(r=1)", p12.A, a1)
	wantG2(t, "B(s=2)", p12.B, b1)
	wantG1(t, "C(r=1,s=2)", p12.C, c1)
}

func wantG1(t *testing.T, name string, got bn254.G1Affine, want bn254.G1Jac) {
	t.Helper()
	var w bn254.G1Affine
	w.FromJacobian(&want)
	if !got.Equal(&w) {
		t.Errorf("%s = %s, want %s", name, got.String(), w.String())
	}
}

func wantG2(t *testing.T, name string, got bn254.G2Affine, want bn254.G2Jac) {
	t.Helper()
	var w bn254.G2Affine
	w.FromJacobian(&want)
	if !got.Equal(&w) {
		t.Errorf("%s = %s, want %s", name, got.String(), w.String())
	}
}

func TestProveTamperedWitness(t *testing.T) {
	pk := embeddedKey(t)
	w := readWtns(t, witnessFile)
	for _, i := range []int{pk.NPublic + 1, pk.NVars / 2, pk.NVars - 1} {
		bad := append([]fr.Element(nil), w...)
		bad[i].Add(&bad[i], &bad[0])
		p, err := ProveRandom(pk, bad)
		if err != nil {
			t.Fatalf("ProveRandom(tampered w[%d]) = %v", i, err)
		}
		if verify(t, pk, p, bad[:pk.NPublic+1]) {
			t.Errorf("proof of a witness with w[%d] changed verifies", i)
		}
	}
}

func TestProveBadWitness(t *testing.T) {
	pk := embeddedKey(t)
	w := readWtns(t, witnessFile)
	zero := append([]fr.Element(nil), w...)
	zero[0].SetZero()
	for name, bad := range map[string][]fr.Element{
		"short":      w[:len(w)-1],
		"long":       append(append([]fr.Element(nil), w...), fr.Element{}),
		"w[0] is 0":  zero,
		"no witness": nil,
	} {
		if _, err := ProveRandom(pk, bad); !errors.Is(err, ErrWitness) {
			t.Errorf("ProveRandom(%s) = %v, want ErrWitness", name, err)
		}
	}
	if _, err := ProveRandom(pk, w, WithMSM(nil)); err == nil {
		t.Errorf("ProveRandom(WithMSM(nil)) = nil error")
	}
}

// TestProveConcurrent proves from several goroutines with one key (run it
// with -race).
func TestProveConcurrent(t *testing.T) {
	pk := embeddedKey(t)
	w := readWtns(t, witnessFile)
	const n = 3
	proofs := make([]Proof, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { proofs[i], errs[i] = ProveRandom(pk, w) })
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("ProveRandom #%d = %v", i, errs[i])
		}
		if !verify(t, pk, proofs[i], w[:pk.NPublic+1]) {
			t.Errorf("proof #%d does not verify", i)
		}
	}
	if proofs[0].A.Equal(&proofs[1].A) {
		t.Errorf("two random proofs share A: r is not fresh")
	}
}
