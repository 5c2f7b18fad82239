package poseidon2

import (
	"fmt"
	"math/big"

	"github.com/cairn-node/cairn/accel"
)

// goRoundConstants holds the round constants in the Go backend's Montgomery
// form, converted once at package initialisation.
type goRoundConstants struct {
	external [nFullRounds * width]gfe
	internal [nPartialRounds]gfe
	iv       gfe // the sponge's capacity IV, 2^64 + 256·t + rate
}

var goRC = newGoRoundConstants()

// newGoRoundConstants parses the hexadecimal constants of constants.go.
func newGoRoundConstants() *goRoundConstants {
	c := new(goRoundConstants)
	for i, h := range externalRoundConstantsHex {
		c.external[i] = mustGfeFromHex(h)
	}
	for i, h := range internalRoundConstantsHex {
		c.internal[i] = mustGfeFromHex(h)
	}
	iv := spongeIV()
	c.iv = mustGfeFromBig(iv)
	return c
}

// mustGfeFromHex parses a constant of constants.go. A failure is a bug in
// this package, never a consequence of input.
func mustGfeFromHex(h string) gfe {
	v, ok := new(big.Int).SetString(h, 0)
	if !ok {
		panic(fmt.Sprintf("BUG: poseidon2: bad round constant %q", h))
	}
	return mustGfeFromBig(v)
}

// mustGfeFromBig converts a constant below r into Montgomery form.
func mustGfeFromBig(v *big.Int) gfe {
	x, err := FrFromBig(v)
	if err != nil {
		panic(fmt.Sprintf("BUG: poseidon2: constant %v: %v", v, err))
	}
	var z gfe
	if !z.setFr(&x) {
		panic(fmt.Sprintf("BUG: poseidon2: constant %v is not below r", v))
	}
	return z
}

// goBackend is the pure-Go reference implementation. It is stateless; its
// methods work on the calling goroutine only.
type goBackend struct{}

// Backend reports accel.Go.
func (goBackend) Backend() accel.Backend { return accel.Go }

// goPermute applies the Poseidon2 permutation to (x, y, z) in place:
// the initial linear layer, 4 full rounds, 56 partial rounds, 4 full rounds.
func goPermute(x, y, z *gfe) {
	goLinearLayer(x, y, z)
	for j := 0; j < nFullRounds/2; j++ {
		goExternalRound(j, x, y, z)
	}
	for j := 0; j < nPartialRounds; j++ {
		goInternalRound(j, x, y, z)
	}
	for j := nFullRounds / 2; j < nFullRounds; j++ {
		goExternalRound(j, x, y, z)
	}
}

// goLinearLayer multiplies the state by the external matrix circ(2,1,1):
// each element gains the sum of all three.
func goLinearLayer(x, y, z *gfe) {
	var s gfe
	s.add(x, y)
	s.add(&s, z)
	x.add(x, &s)
	y.add(y, &s)
	z.add(z, &s)
}

// goExternalRound is full round j: add three constants, S-box every element,
// then the external matrix.
func goExternalRound(j int, x, y, z *gfe) {
	c := goRC.external[width*j : width*j+width]
	x.add(x, &c[0])
	y.add(y, &c[1])
	z.add(z, &c[2])
	x.pow5(x)
	y.pow5(y)
	z.pow5(z)
	goLinearLayer(x, y, z)
}

// goInternalRound is partial round j: add one constant to x, S-box x, then
// the internal matrix [[2,1,1],[1,2,1],[1,1,3]].
func goInternalRound(j int, x, y, z *gfe) {
	x.add(x, &goRC.internal[j])
	x.pow5(x)
	var s gfe
	s.add(x, y)
	s.add(&s, z)
	z.double(z)
	x.add(x, &s)
	y.add(y, &s)
	z.add(z, &s)
}

// Permute applies the permutation to each state in place. It checks every
// element before changing any state.
func (goBackend) Permute(states [][3]accel.Fr) error {
	if err := checkStates("permute", states); err != nil {
		return err
	}
	for i := range states {
		st := &states[i]
		var x, y, z gfe
		x.setFr(&st[0])
		y.setFr(&st[1])
		z.setFr(&st[2])
		goPermute(&x, &y, &z)
		st[0], st[1], st[2] = x.fr(), y.fr(), z.fr()
	}
	return nil
}

// Compress writes out[i] = permutation(left[i], right[i], key)[0]. out may
// alias left or right.
func (goBackend) Compress(out, left, right []accel.Fr, key uint64) error {
	if err := checkCompress(out, left, right); err != nil {
		return err
	}
	var k gfe
	k.setUint64(key)
	for i := range out {
		var x, y gfe
		x.setFr(&left[i])
		y.setFr(&right[i])
		z := k
		goPermute(&x, &y, &z)
		out[i] = x.fr()
	}
	return nil
}

// Sponge hashes elems with the rate-2 sponge and returns the first state
// element.
func (goBackend) Sponge(elems []accel.Fr) (accel.Fr, error) {
	if err := checkElems("sponge", elems); err != nil {
		return accel.Fr{}, err
	}
	var x, y gfe
	z := goRC.iv
	n := len(elems)
	i := 0
	for ; i+rate <= n; i += rate {
		var a, b gfe
		a.setFr(&elems[i])
		b.setFr(&elems[i+1])
		x.add(&x, &a)
		y.add(&y, &b)
		goPermute(&x, &y, &z)
	}
	// 10* padding: the marker 1 goes right after the last element.
	if i < n {
		var a gfe
		a.setFr(&elems[i])
		x.add(&x, &a)
		y.add(&y, &gfeOne)
	} else {
		x.add(&x, &gfeOne)
	}
	goPermute(&x, &y, &z)
	return x.fr(), nil
}
