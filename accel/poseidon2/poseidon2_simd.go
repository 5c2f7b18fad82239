package poseidon2

import (
	"runtime"
	"sync"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"

	"github.com/cairn-node/cairn/accel"
)

// parallelThreshold is the least number of states or pairs the SIMD backend
// gives one goroutine: a batch is split only when every part gets at least
// this many, so batches below 2·parallelThreshold (128) stay on the calling
// goroutine. One permutation costs about 5 µs on one core (about 1.1 µs
// on the lane kernel), so 64 of them amortise the start and join of a
// goroutine (about 1 µs) dozens of times over.
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

// simdBackend computes whole groups of eight on the AVX-512 IFMA lane
// kernel where there is one (poseidon2_lanes.go), and everything else with
// gnark-crypto's BN254 scalar field, whose Mul uses ADX/BMI2 assembly on
// amd64 and assembly on arm64.
type simdBackend struct{}

// newSIMD returns the gnark-crypto backend.
func newSIMD() accel.Poseidon2 { return simdBackend{} }

// Backend reports accel.SIMD.
func (simdBackend) Backend() accel.Backend { return accel.SIMD }

// addE sets z = x + y. It is the Go backend's branchless addition, which
// beats fr.Element.Add (a call plus a data-dependent branch) on random
// inputs; both backends use R = 2^256 and the same limb order, so the
// Montgomery forms are the same bits.
func addE(z, x, y *fr.Element) {
	(*gfe)(z).add((*gfe)(x), (*gfe)(y))
}

// sbox sets x = x^5.
func sbox(x *fr.Element) {
	var t fr.Element
	t.Square(x)
	t.Square(&t)
	x.Mul(x, &t)
}

// simdPermute applies the Poseidon2 permutation to (x, y, z) in place; it
// is goPermute with gnark-crypto multiplication, the rounds written out.
func simdPermute(x, y, z *fr.Element) {
	var s fr.Element
	// Initial linear layer: circ(2,1,1).
	addE(&s, x, y)
	addE(&s, &s, z)
	addE(x, x, &s)
	addE(y, y, &s)
	addE(z, z, &s)

	ext := &simdRC.external
	for j := 0; j < nFullRounds/2; j++ {
		simdExternalRound(ext[width*j:width*j+width], x, y, z)
	}
	in := &simdRC.internal
	for j := range in {
		// Partial round: constant and S-box on x, then [[2,1,1],[1,2,1],[1,1,3]].
		addE(x, x, &in[j])
		sbox(x)
		addE(&s, x, y)
		addE(&s, &s, z)
		addE(z, z, z)
		addE(x, x, &s)
		addE(y, y, &s)
		addE(z, z, &s)
	}
	for j := nFullRounds / 2; j < nFullRounds; j++ {
		simdExternalRound(ext[width*j:width*j+width], x, y, z)
	}
}

// simdExternalRound is one full round with constants c[0..2].
func simdExternalRound(c []fr.Element, x, y, z *fr.Element) {
	addE(x, x, &c[0])
	addE(y, y, &c[1])
	addE(z, z, &c[2])
	sbox(x)
	sbox(y)
	sbox(z)
	var s fr.Element
	addE(&s, x, y)
	addE(&s, &s, z)
	addE(x, x, &s)
	addE(y, y, &s)
	addE(z, z, &s)
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

// workers returns how many goroutines a batch of n items gets: 1 (the
// caller alone) when n < 2·parallelThreshold or GOMAXPROCS is 1, else up to
// GOMAXPROCS with at least parallelThreshold items each.
func workers(n int) int {
	return max(1, min(runtimeProcs(), n/parallelThreshold))
}

// runtimeProcs returns GOMAXPROCS.
func runtimeProcs() int { return runtime.GOMAXPROCS(0) }

// parallel calls work(lo, hi) over [0, n) in w contiguous ranges, w-1 of
// them on new goroutines and the last on the caller, and returns when all
// are done.
func parallel(n, w int, work func(lo, hi int)) {
	var wg sync.WaitGroup
	per, extra := n/w, n%w
	lo := 0
	for i := 0; i < w-1; i++ {
		hi := lo + per
		if i < extra {
			hi++
		}
		wg.Add(1)
		go func(lo, hi int) {
			defer wg.Done()
			work(lo, hi)
		}(lo, hi)
		lo = hi
	}
	work(lo, n)
	wg.Wait()
}

// Permute applies the permutation to each state in place. It checks every
// element before changing any state.
func (simdBackend) Permute(states [][3]accel.Fr) error {
	if err := checkStates("permute", states); err != nil {
		return err
	}
	if w := workers(len(states)); w > 1 {
		parallel(len(states), w, func(lo, hi int) { permuteStates(states[lo:hi]) })
	} else {
		permuteStates(states)
	}
	return nil
}

// permuteStates permutes checked states in place.
func permuteStates(states [][3]accel.Fr) {
	if k := laneKernel; k != nil {
		states = permuteLanes(k, states)
	}
	for i := range states {
		st := &states[i]
		x, y, z := elementFromFr(&st[0]), elementFromFr(&st[1]), elementFromFr(&st[2])
		simdPermute(&x, &y, &z)
		st[0], st[1], st[2] = frFromElement(&x), frFromElement(&y), frFromElement(&z)
	}
}

// Compress writes out[i] = permutation(left[i], right[i], key)[0]. out may
// alias left or right.
func (simdBackend) Compress(out, left, right []accel.Fr, key uint64) error {
	if err := checkCompress(out, left, right); err != nil {
		return err
	}
	n := len(out)
	if w := workers(n); w > 1 {
		parallel(n, w, func(lo, hi int) { compressPairs(out[lo:hi], left[lo:hi], right[lo:hi], key) })
	} else {
		compressPairs(out, left, right, key)
	}
	return nil
}

// compressPairs compresses checked pairs of equal-length slices.
func compressPairs(out, left, right []accel.Fr, key uint64) {
	if lk := laneKernel; lk != nil {
		done := compressLanes(lk, out, left, right, key)
		out, left, right = out[done:], left[done:], right[done:]
	}
	var k fr.Element
	k.SetUint64(key)
	right = right[:len(out)]
	left = left[:len(out)]
	for i := range out {
		x, y, z := elementFromFr(&left[i]), elementFromFr(&right[i]), k
		simdPermute(&x, &y, &z)
		out[i] = frFromElement(&x)
	}
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
