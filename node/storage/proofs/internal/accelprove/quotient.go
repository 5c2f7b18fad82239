package accelprove

import (
	"fmt"
	"math/big"
	"sync"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	groth16bn254 "github.com/consensys/gnark/backend/groth16/bn254"

	"github.com/cairn-node/cairn/accel/ntt"
)

// quotient writes into h (n elements) the scalars of the key's Z points:
// the coefficients of h = (a·b − c)/Z, Z = Xⁿ − 1, in bit-reversed order (the order of
// pk.G1.Z), where a, b, c interpolate the constraint evaluations (A·w,
// B·w, C·w, zero-padded to the domain size n) on the domain D of size n:
//
//  1. a, b, c: inverse NTT on D (natural in, bit-reversed out), then a
//     forward NTT on the coset g·D (bit-reversed in, natural out): their
//     values on g·D, where Z is the constant gⁿ − 1;
//  2. hⱼ = (aⱼ·bⱼ − cⱼ)/(gⁿ − 1), pointwise;
//  3. an inverse NTT on g·D (natural in, bit-reversed out) gives h's
//     coefficients.
//
// b and c are taken over as scratch space; a is only read. The three
// transforms of step 1 run concurrently.
func quotient(c *config, pk *groth16bn254.ProvingKey, h, a, b, cw []fr.Element) error {
	n := int(pk.Domain.Cardinality)
	if len(h) != n || len(a) > n {
		return fmt.Errorf("accelprove: quotient: %d slots for h and %d evaluations of A on a domain of %d (a bug)", len(h), len(a), n)
	}
	k := c.ntt
	if k == nil {
		var err error
		if k, err = ntt.ForSize(n); err != nil {
			return fmt.Errorf("accelprove: quotient: %w", err)
		}
	}
	clear(h[copy(h, a):])
	vecs := [3][]fr.Element{h, pad(b, n), pad(cw, n)}
	var errs [3]error
	var wg sync.WaitGroup
	for i := range vecs {
		wg.Go(func() {
			if errs[i] = k.Apply(vecs[i], ntt.Transform{Inverse: true, Order: ntt.NR}); errs[i] == nil {
				errs[i] = k.Apply(vecs[i], ntt.Transform{Coset: true, Order: ntt.RN})
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return fmt.Errorf("accelprove: quotient, to the coset: %w", err)
		}
	}

	// 1/Z on the coset: 1/(gⁿ − 1).
	var zInv, one fr.Element
	g := ntt.CosetShift()
	zInv.Exp(g, big.NewInt(int64(n)))
	one.SetOne()
	zInv.Sub(&zInv, &one).Inverse(&zInv)

	vh, vb, vc := fr.Vector(h), fr.Vector(vecs[1]), fr.Vector(vecs[2])
	vh.Mul(vh, vb)
	vh.Sub(vh, vc)
	vh.ScalarMul(vh, &zInv)
	if err := k.Apply(h, ntt.Transform{Inverse: true, Coset: true, Order: ntt.NR}); err != nil {
		return fmt.Errorf("accelprove: quotient, from the coset: %w", err)
	}
	return nil
}

// pad returns v extended with zeros to n elements (reusing its capacity).
func pad(v []fr.Element, n int) []fr.Element {
	if cap(v) >= n {
		old := len(v)
		v = v[:n]
		clear(v[old:])
		return v
	}
	out := make([]fr.Element, n)
	copy(out, v)
	return out
}
