//go:build amd64 && !noasm

package lanes

import "github.com/klauspost/cpuid/v2"

// mul8 sets z = x·y·2^-260 mod r lane by lane (z below 2r for inputs
// below 9r; see the package comment), normalized. x and y need not be
// normalized but must be in [0, 2^260). z may alias x or y.
//
//go:noescape
func mul8(z, x, y *vec, k *kconsts)

// sqr8n sets z = x^(2^n) lane by lane: n Montgomery squarings (30
// products each instead of a product's 50), normalized, z below 2r; x
// must be in [0, 2^260) and below 9r. z may alias x.
//
//go:noescape
func sqr8n(z, x *vec, n int, k *kconsts)

// sub8 sets z = x + d - y limb by limb, without carries (see Field.Sub).
//
//go:noescape
func sub8(z, x, y, d *vec)

// add8 sets z = x + y limb by limb, without carries (see Field.Add).
//
//go:noescape
func add8(z, x, y *vec)

// permute8 applies the permutation to the eight states in place.
//
//go:noescape
func permute8(s *state, k *kconsts)

func available() bool {
	return cpuid.CPU.Supports(cpuid.AVX512F, cpuid.AVX512IFMA)
}
