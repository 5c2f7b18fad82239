package acceltest

import (
	"errors"
	"fmt"
	"math/big"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"

	"github.com/cairn-node/cairn/accel"
	"github.com/cairn-node/cairn/accel/ntt"
)

// nttSizes covers the trivial sizes, the small radices backends special-case,
// and sizes large enough to split across CPUs and, on icicle, to grow its
// domain past its initial size.
var nttSizes = []int{0, 1, 2, 4, 8, 16, 32, 256, 1 << 12, 1 << 17}

// nttNaiveMax bounds the sizes checked against the quadratic definition.
const nttNaiveMax = 64

// nttShifts returns the coset shifts tested at size n: the default (zero
// Shift), a primitive 2n-th root of unity (the odd coset of the RLN
// prover, a power of the backends' roots) and 7 (no such power).
func nttShifts(n int) []fr.Element {
	out := []fr.Element{{}}
	if g, err := ntt.RootOfUnity(2 * n); err == nil {
		out = append(out, g)
	}
	var seven fr.Element
	seven.SetUint64(7)
	return append(out, seven)
}

// nttTransforms returns every Transform of size n: forward and inverse, on
// the subgroup and on the cosets of nttShifts, in each order.
func nttTransforms(n int) []ntt.Transform {
	var out []ntt.Transform
	for _, inv := range []bool{false, true} {
		for _, o := range []ntt.Order{ntt.NN, ntt.NR, ntt.RN} {
			out = append(out, ntt.Transform{Inverse: inv, Order: o})
			for _, g := range nttShifts(n) {
				out = append(out, ntt.Transform{Inverse: inv, Coset: true, Shift: g, Order: o})
			}
		}
	}
	return out
}

// RunNTT checks backend b of the NTT kernel byte for byte against the go
// backend for every transform and order on random and edge-value vectors
// (zero, one, r-1), checks the go backend's results against the defining
// sums for small sizes and against round trips (inverse after forward is
// the identity), checks that sizes other than powers of two and unknown
// orders are refused with accel.ErrInvalidParams, and that concurrent calls
// of different sizes agree. It skips when b is unavailable in this build.
func RunNTT(t *testing.T, b accel.Backend) {
	t.Helper()
	k, ref := kernelPair(t, b, "ntt.New", ntt.New)
	t.Run("definition", func(t *testing.T) { nttDefinition(t, k) })
	t.Run("random", func(t *testing.T) { nttRandom(t, k, ref) })
	t.Run("roundtrip", func(t *testing.T) { nttRoundTrip(t, k) })
	t.Run("invalid", func(t *testing.T) { nttInvalid(t, k) })
	t.Run("concurrent", func(t *testing.T) { nttConcurrent(t, k, ref) })
}

// nttRandomVector returns n random elements from rng, with edge values
// (0, 1, r-1) in the first slots.
func nttRandomVector(rng *rand.Rand, n int) []fr.Element {
	v := make([]fr.Element, n)
	for i := range v {
		v[i] = randFr(rng)
	}
	edges := []fr.Element{{}, fr.One(), frFromBig(new(big.Int).Sub(fr.Modulus(), big.NewInt(1)))}
	copy(v, edges[:min(n, len(edges))])
	return v
}

// nttNaive returns the transform t of v by its definition (natural order):
// forward out[j] = Σᵢ v[i]·(g·ωʲ)ⁱ, inverse out[i] = n⁻¹·g⁻ⁱ·Σⱼ v[j]·ω⁻ⁱʲ.
func nttNaive(v []fr.Element, t ntt.Transform) ([]fr.Element, error) {
	n := len(v)
	w, err := ntt.RootOfUnity(n)
	if err != nil {
		return nil, err
	}
	g := fr.One()
	switch {
	case t.Coset && t.Shift.IsZero():
		g = ntt.CosetShift()
	case t.Coset:
		g = t.Shift
	}
	if t.Inverse {
		w.Inverse(&w)
	}
	out := make([]fr.Element, n)
	for j := range out {
		var x, xi fr.Element // x = ωʲ, then xi = xⁱ
		x.Exp(w, big.NewInt(int64(j)))
		if !t.Inverse {
			x.Mul(&x, &g)
		}
		xi.SetOne()
		for i := range v {
			var term fr.Element
			term.Mul(&v[i], &xi)
			out[j].Add(&out[j], &term)
			xi.Mul(&xi, &x)
		}
	}
	if t.Inverse {
		var nInv, gInv, s fr.Element
		nInv.SetUint64(uint64(n))
		nInv.Inverse(&nInv)
		gInv.Inverse(&g)
		s.Set(&nInv)
		for i := range out {
			out[i].Mul(&out[i], &s)
			s.Mul(&s, &gInv)
		}
	}
	return out, nil
}

// nttReordered returns v in bit-reversed order (a copy).
func nttReordered(v []fr.Element) []fr.Element {
	out := slices.Clone(v)
	n := len(v)
	for i := range n {
		r := reverseBits(i, n)
		out[r] = v[i]
	}
	return out
}

// reverseBits reverses the log2(n) low bits of i.
func reverseBits(i, n int) int {
	r := 0
	for m := n >> 1; m > 0; m >>= 1 {
		r = r<<1 | i&1
		i >>= 1
	}
	return r
}

// nttApply runs t on a copy of v and returns it.
func nttApply(k ntt.NTT, v []fr.Element, t ntt.Transform) ([]fr.Element, error) {
	out := slices.Clone(v)
	if err := k.Apply(out, t); err != nil {
		return nil, fmt.Errorf("%s: Apply(%d elements, %s): %w", k.Backend(), len(v), t, err)
	}
	return out, nil
}

// nttDefinition checks each transform against the defining sum, with the
// orders NR and RN as reorderings of NN, for sizes up to nttNaiveMax. It
// also checks that the roots of unity have their order.
func nttDefinition(t *testing.T, k ntt.NTT) {
	rng := rand.New(rand.NewPCG(1, 2))
	for n := 1; n <= nttNaiveMax; n *= 2 {
		w, err := ntt.RootOfUnity(n)
		if err != nil {
			t.Fatalf("RootOfUnity(%d) = %v", n, err)
		}
		var p, half fr.Element
		p.Exp(w, big.NewInt(int64(n)))
		half.Exp(w, big.NewInt(int64(n/2)))
		if !p.IsOne() || (n > 1 && half.IsOne()) {
			t.Fatalf("RootOfUnity(%d) = %s is not a primitive %d-th root of unity", n, w.String(), n)
		}
		v := nttRandomVector(rng, n)
		for _, tr := range nttTransforms(n) {
			natural := tr
			natural.Order = ntt.NN
			want, err := nttNaive(v, natural)
			if err != nil {
				t.Fatal(err)
			}
			in := v
			switch tr.Order {
			case ntt.NR:
				want = nttReordered(want)
			case ntt.RN:
				in = nttReordered(v)
			}
			got, err := nttApply(k, in, tr)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, want) {
				t.Errorf("%s: Apply(n=%d, %s) differs from the defining sum", k.Backend(), n, tr)
			}
		}
	}
}

// nttRandom checks every size and transform byte for byte against the go
// backend, on a random vector and on constant edge-value vectors.
func nttRandom(t *testing.T, k, ref ntt.NTT) {
	rng := rand.New(rand.NewPCG(3, 4))
	rMinus1 := frFromBig(new(big.Int).Sub(fr.Modulus(), big.NewInt(1)))
	for _, n := range nttSizes {
		inputs := map[string][]fr.Element{"random": nttRandomVector(rng, n)}
		if n <= 256 {
			inputs["zero"] = make([]fr.Element, n)
			inputs["r-1"] = make([]fr.Element, n)
			for i := range inputs["r-1"] {
				inputs["r-1"][i] = rMinus1
			}
		}
		for name, v := range inputs {
			for _, tr := range nttTransforms(n) {
				want, err := nttApply(ref, v, tr)
				if err != nil {
					t.Fatal(err)
				}
				got, err := nttApply(k, v, tr)
				if err != nil {
					t.Fatal(err)
				}
				if i := nttFirstDiff(got, want); i >= 0 {
					t.Errorf("%s: Apply(%s, n=%d, %s, shift %s)[%d] = %s, want %s (go)", k.Backend(), name, n, tr, tr.Shift.String(), i, got[i].String(), want[i].String())
				}
			}
		}
	}
}

// nttFirstDiff returns the first index where a and b differ, or -1.
func nttFirstDiff(a, b []fr.Element) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	if len(a) != len(b) {
		return min(len(a), len(b))
	}
	return -1
}

// nttRoundTrip checks that the inverse undoes the forward transform, with
// the orders chained as a prover chains them (NR then RN).
func nttRoundTrip(t *testing.T, k ntt.NTT) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, n := range []int{2, 1 << 10} {
		v := nttRandomVector(rng, n)
		for _, tr := range nttTransforms(n) {
			if tr.Inverse || tr.Order != ntt.NN { // one per subgroup or coset
				continue
			}
			for _, pair := range [][2]ntt.Order{{ntt.NN, ntt.NN}, {ntt.NR, ntt.RN}} {
				fwd := ntt.Transform{Coset: tr.Coset, Shift: tr.Shift, Order: pair[0]}
				inv := ntt.Transform{Inverse: true, Coset: tr.Coset, Shift: tr.Shift, Order: pair[1]}
				mid, err := nttApply(k, v, fwd)
				if err != nil {
					t.Fatal(err)
				}
				back, err := nttApply(k, mid, inv)
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(back, v) {
					t.Errorf("%s: Apply(Apply(v, %s), %s) != v for n=%d", k.Backend(), fwd, inv, n)
				}
			}
		}
	}
}

// nttInvalid checks the refusals: sizes that are not powers of two and an
// unknown order, both leaving the vector untouched.
func nttInvalid(t *testing.T, k ntt.NTT) {
	for _, n := range []int{3, 5, 6, 12, 100} {
		v := make([]fr.Element, n)
		v[0].SetOne()
		if err := k.Apply(v, ntt.Transform{}); !errors.Is(err, accel.ErrInvalidParams) {
			t.Errorf("%s: Apply(%d elements) = %v, want %v", k.Backend(), n, err, accel.ErrInvalidParams)
		}
		if !v[0].IsOne() || !v[1].IsZero() {
			t.Errorf("%s: Apply(%d elements) modified the refused vector", k.Backend(), n)
		}
	}
	v := make([]fr.Element, 4)
	if err := k.Apply(v, ntt.Transform{Order: ntt.RN + 1}); !errors.Is(err, accel.ErrInvalidParams) {
		t.Errorf("%s: Apply(order %d) = %v, want %v", k.Backend(), ntt.RN+1, err, accel.ErrInvalidParams)
	}
	if _, err := ntt.RootOfUnity(3); !errors.Is(err, accel.ErrInvalidParams) {
		t.Errorf("RootOfUnity(3) = %v, want %v", err, accel.ErrInvalidParams)
	}
}

// nttConcurrent runs transforms of several sizes at once (on icicle this
// may grow the device domain while others run) and compares each with go.
func nttConcurrent(t *testing.T, k, ref ntt.NTT) {
	rng := rand.New(rand.NewPCG(7, 8))
	sizes := []int{1 << 4, 1 << 11, 1 << 18, 1 << 9}
	inputs := make([][]fr.Element, len(sizes))
	for i, n := range sizes {
		inputs[i] = nttRandomVector(rng, n)
	}
	tr := ntt.Transform{Coset: true, Order: ntt.NR}
	got := make([][]fr.Element, len(sizes))
	errs := make([]error, len(sizes))
	var wg sync.WaitGroup
	for i := range sizes {
		wg.Go(func() { got[i], errs[i] = nttApply(k, inputs[i], tr) })
	}
	wg.Wait()
	for i, n := range sizes {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		want, err := nttApply(ref, inputs[i], tr)
		if err != nil {
			t.Fatal(err)
		}
		if j := nttFirstDiff(got[i], want); j >= 0 {
			t.Errorf("%s: concurrent Apply(n=%d, %s)[%d] differs from go", k.Backend(), n, tr, j)
		}
	}
}
