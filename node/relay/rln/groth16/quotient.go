package groth16

import (
	"sync"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr/fft"
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
// len = DomainSize.
func (pk *ProvingKey) quotient(w []fr.Element) []fr.Element {
	a, b := pk.evaluations(w)
	va, vb, vc := fr.Vector(a), fr.Vector(b), make(fr.Vector, len(a))
	vc.Mul(va, vb)
	var wg sync.WaitGroup
	wg.Go(func() { pk.toOddCoset(va) })
	wg.Go(func() { pk.toOddCoset(vb) })
	pk.toOddCoset(vc)
	wg.Wait()
	// h = a·b − c, in place in a.
	va.Mul(va, vb)
	va.Sub(va, vc)
	return va
}

// toOddCoset turns evaluations on D (natural order) into evaluations on the
// odd coset g·D (natural order): the inverse FFT leaves coefficients in
// bit-reversed order, which the coset FFT in DIT form takes as input and
// scales by gⁱ itself.
func (pk *ProvingKey) toOddCoset(v []fr.Element) {
	pk.domain.FFTInverse(v, fft.DIF)
	pk.domain.FFT(v, fft.DIT, fft.OnCoset())
}
