//go:build !noasm

package poseidon2

import (
	"runtime"
	"sync"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"

	"github.com/cairn-node/cairn/accel"
)

// parallelThreshold is the smallest batch (states or pairs) that the SIMD
// backend spreads over several goroutines, and the least work each goroutine
// gets. One permutation costs a few microseconds, so 64 of them amortise the
// start and join of a goroutine (about a microsecond) many times over;
// smaller batches run on the calling goroutine.
const parallelThreshold = 64

// simdRoundConstants holds the round constants as gnark-crypto elements
// (Montgomery form), converted once at package initialisation.
type simdRoundConstants struct {
	external [nFullRounds * width]fr.Element
	internal [nPartialRounds]fr.Element
	iv       fr.Element
}

var simdRC = newSIMDRoundConstants()

// newSIMDRoundConstants converts the Go backend's constants: the two
// backends then share one parsing of constants.go.
func newSIMDRoundConstants() *simdRoundConstants {
	c := new(simdRoundConstants)
	for i := range goRC.external {
		c.external[i] = gfeToElement(&goRC.external[i])
	}
	for i := range goRC.internal {
		c.internal[i] = gfeToElement(&goRC.internal[i])
	}
	c.iv = gfeToElement(&goRC.iv)
	return c
}

// gfeToElement converts between the two Montgomery representations, which
// use the same R = 2^256 and the same limb order.
func gfeToElement(x *gfe) fr.Element {
	return fr.Element(*x)
}

// simdBackend computes with gnark-crypto's BN254 scalar field, whose Mul
// uses ADX/BMI2 assembly on amd64 and assembly on arm64.
type simdBackend struct{}

// newSIMD returns the gnark-crypto backend.
func newSIMD() accel.Poseidon2 { return simdBackend{} }

// Backend reports accel.SIMD.
func (simdBackend) Backend() accel.Backend { return accel.SIMD }

// sbox sets x = x^5.
func sbox(x *fr.Element) {
	var t fr.Element
	t.Square(x)
	t.Square(&t)
	x.Mul(x, &t)
}

// simdPermute applies the Poseidon2 permutation to (x, y, z) in place; it
// is goPermute with gnark-crypto arithmetic, the rounds written out.
func simdPermute(x, y, z *fr.Element) {
	var s fr.Element
	// Initial linear layer: circ(2,1,1).
	s.Add(x, y).Add(&s, z)
	x.Add(x, &s)
	y.Add(y, &s)
	z.Add(z, &s)

	ext := &simdRC.external
	for j := 0; j < nFullRounds/2; j++ {
		simdExternalRound(ext[width*j:width*j+width], x, y, z)
	}
	in := &simdRC.internal
	for j := range in {
		// Partial round: constant and S-box on x, then [[2,1,1],[1,2,1],[1,1,3]].
		x.Add(x, &in[j])
		sbox(x)
		s.Add(x, y).Add(&s, z)
		z.Double(z)
		x.Add(x, &s)
		y.Add(y, &s)
		z.Add(z, &s)
	}
	for j := nFullRounds / 2; j < nFullRounds; j++ {
		simdExternalRound(ext[width*j:width*j+width], x, y, z)
	}
}

// simdExternalRound is one full round with constants c[0..2].
func simdExternalRound(c []fr.Element, x, y, z *fr.Element) {
	x.Add(x, &c[0])
	y.Add(y, &c[1])
	z.Add(z, &c[2])
	sbox(x)
	sbox(y)
	sbox(z)
	var s fr.Element
	s.Add(x, y).Add(&s, z)
	x.Add(x, &s)
	y.Add(y, &s)
	z.Add(z, &s)
}

// elementFromFr converts a canonical Fr (already checked) to Montgomery form.
func elementFromFr(x *accel.Fr) fr.Element {
	e, _ := fr.LittleEndian.Element((*[fr.Bytes]byte)(x))
	return e
}

// frFromElement returns the canonical little-endian encoding of e.
func frFromElement(e *fr.Element) accel.Fr {
	var x accel.Fr
	fr.LittleEndian.PutElement((*[fr.Bytes]byte)(&x), *e)
	return x
}

// parallel calls work(lo, hi) over [0, n) in contiguous ranges: on the
// calling goroutine when n < 2·parallelThreshold or GOMAXPROCS is 1, else on
// up to GOMAXPROCS goroutines with at least parallelThreshold items each.
func parallel(n int, work func(lo, hi int)) {
	workers := min(runtime.GOMAXPROCS(0), n/parallelThreshold)
	if workers < 2 {
		work(0, n)
		return
	}
	var wg sync.WaitGroup
	per, extra := n/workers, n%workers
	lo := 0
	for w := 0; w < workers; w++ {
		hi := lo + per
		if w < extra {
			hi++
		}
		if w == workers-1 {
			work(lo, hi) // the caller takes the last range
			break
		}
		wg.Add(1)
		go func(lo, hi int) {
			defer wg.Done()
			work(lo, hi)
		}(lo, hi)
		lo = hi
	}
	wg.Wait()
}

// Permute applies the permutation to each state in place. It checks every
// element before changing any state.
func (simdBackend) Permute(states [][3]accel.Fr) error {
	if err := checkStates("permute", states); err != nil {
		return err
	}
	parallel(len(states), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			st := &states[i]
			x, y, z := elementFromFr(&st[0]), elementFromFr(&st[1]), elementFromFr(&st[2])
			simdPermute(&x, &y, &z)
			st[0], st[1], st[2] = frFromElement(&x), frFromElement(&y), frFromElement(&z)
		}
	})
	return nil
}

// Compress writes out[i] = permutation(left[i], right[i], key)[0]. out may
// alias left or right.
func (simdBackend) Compress(out, left, right []accel.Fr, key uint64) error {
	if err := checkCompress(out, left, right); err != nil {
		return err
	}
	var k fr.Element
	k.SetUint64(key)
	parallel(len(out), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			x, y, z := elementFromFr(&left[i]), elementFromFr(&right[i]), k
			simdPermute(&x, &y, &z)
			out[i] = frFromElement(&x)
		}
	})
	return nil
}

// Sponge hashes elems with the rate-2 sponge and returns the first state
// element. A sponge is sequential, so it runs on the calling goroutine.
func (simdBackend) Sponge(elems []accel.Fr) (accel.Fr, error) {
	if err := checkElems("sponge", elems); err != nil {
		return accel.Fr{}, err
	}
	var x, y fr.Element
	z := simdRC.iv
	n := len(elems)
	i := 0
	for ; i+rate <= n; i += rate {
		a, b := elementFromFr(&elems[i]), elementFromFr(&elems[i+1])
		x.Add(&x, &a)
		y.Add(&y, &b)
		simdPermute(&x, &y, &z)
	}
	var one fr.Element
	one.SetOne()
	// 10* padding: the marker 1 goes right after the last element.
	if i < n {
		a := elementFromFr(&elems[i])
		x.Add(&x, &a)
		y.Add(&y, &one)
	} else {
		x.Add(&x, &one)
	}
	simdPermute(&x, &y, &z)
	return frFromElement(&x), nil
}
