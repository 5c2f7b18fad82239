package groth16

import (
	"fmt"
	"sync"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"

	"github.com/cairn-node/cairn/accel/ntt"
)

// evaluations returns a = A·w and b = B·w on the constraint domain: a[c] is
// Σ value·w[signal] over the A coefficients of constraint c (the nPublic+1
// input constraints included, as they are listed in the zkey), zero past
// the last constraint. len(a) = len(b) = DomainSize.
func (pk *ProvingKey) evaluations(w []fr.Element) (a, b []fr.Element) {
	a = make([]fr.Element, pk.DomainSize)
	b = make([]fr.Element, pk.DomainSize)
	var wg sync.WaitGroup
	wg.Go(func() { pk.coefA.accumulate(a, w) })
	pk.coefB.accumulate(b, w)
	wg.Wait()
	return a, b
}

// accumulate adds value·w[signal] into out[constraint] for every
// coefficient of the column set.
func (cc *coefColumns) accumulate(out, w []fr.Element) {
	var t fr.Element
	for k, c := range cc.constraint {
		t.Mul(&cc.value[k], &w[cc.signal[k]])
		out[c].Add(&out[c], &t)
	}
}

// quotient returns the H MSM scalars h_j = a(g·ωʲ)·b(g·ωʲ) − c(g·ωʲ) on the
// odd coset g·D, where a, b, c interpolate A·w, B·w and (A·w)∘(B·w) on D.
// len = DomainSize. The six transforms run on cfg's NTT (see nttEngine);
// its errors are returned wrapped.
func (pk *ProvingKey) quotient(cfg *config, w []fr.Element) ([]fr.Element, error) {
	k, err := cfg.nttEngine(pk.DomainSize)
	if err != nil {
		return nil, err
	}
	a, b := pk.evaluations(w)
	va, vb, vc := fr.Vector(a), fr.Vector(b), make(fr.Vector, len(a))
	vc.Mul(va, vb)
	var errs [3]error
	var wg sync.WaitGroup
	wg.Go(func() { errs[0] = pk.toOddCoset(k, va) })
	wg.Go(func() { errs[1] = pk.toOddCoset(k, vb) })
	errs[2] = pk.toOddCoset(k, vc)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, fmt.Errorf("groth16: quotient: %w", err)
		}
	}
	// h = a·b − c, in place in a.
	va.Mul(va, vb)
	va.Sub(va, vc)
	return va, nil
}

// toOddCoset turns evaluations on D (natural order) into evaluations on the
// odd coset g·D (natural order): the inverse NTT leaves coefficients in
// bit-reversed order, which the coset NTT takes as input.
func (pk *ProvingKey) toOddCoset(k ntt.NTT, v []fr.Element) error {
	if err := k.Apply(v, ntt.Transform{Inverse: true, Order: ntt.NR}); err != nil {
		return err
	}
	return k.Apply(v, ntt.Transform{Coset: true, Shift: pk.shift, Order: ntt.RN})
}
