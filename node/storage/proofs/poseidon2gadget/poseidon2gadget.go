// Package poseidon2gadget computes the Logos Storage (Codex) Poseidon2
// permutation, keyed compression and rate-2 sponge inside a gnark circuit.
//
// The gadget is the in-circuit twin of accel/poseidon2 (BN254, t = 3, x^5,
// 4 + 4 full rounds around 56 partial rounds, initial linear layer, the
// HorizenLabs d0742014 constants) and of codex-storage-proofs-circuits
// circuit/poseidon2/*.circom. It takes its constants from
// [poseidon2.RoundConstants], so the two can never disagree.
//
// # Usage
//
//	func (c *MyCircuit) Define(api frontend.API) error {
//		h := poseidon2gadget.Sponge(api, c.A, c.B, c.C)
//		api.AssertIsEqual(h, c.Digest)
//		return nil
//	}
//
// Each permutation costs [ConstraintsPerPermutation] R1CS constraints (three
// multiplications per S-box). Only the BN254 scalar field is meaningful.
package poseidon2gadget

import (
	"math/big"

	"github.com/consensys/gnark/frontend"

	"github.com/cairn-node/cairn/accel/poseidon2"
)

// ConstraintsPerPermutation is the R1CS cost of one [Permute]: 3
// multiplications (x², x⁴, x⁵) per S-box, 3 S-boxes in each of the 8 full
// rounds and 1 in each of the 56 partial rounds. Linear layers are free.
const ConstraintsPerPermutation = 3 * (poseidon2.FullRounds*poseidon2.Width + poseidon2.PartialRounds)

// constants are read once from accel/poseidon2; they are never modified.
var extRC, intRC = poseidon2.RoundConstants()

var spongeIV = poseidon2.SpongeIV()

// State is the permutation state (x, y, z).
type State [poseidon2.Width]frontend.Variable

// sbox returns x^5 in three constraints: x·x = x², x²·x² = x⁴ and
// (x⁴ + x)·x = t, with x^5 = t − x² (a linear expression, no constraint).
//
// The last constraint is x⁴·x in disguise, written so that x⁴ lands in
// the constraint's left (A) expression: gnark puts the longer of the two
// factors on the left, and a bare x⁴·x would put the one-term x⁴ on the
// right (B). A wire that appears in no B expression has no point in the
// proving key's G1.B and G2.B, so the key loses one G2 point (64 bytes)
// and one G1 point per S-box — about a third of the B points — and the
// prover's G2 MSM shrinks alike. The relation is the same.
func sbox(api frontend.API, x frontend.Variable) frontend.Variable {
	x2 := api.Mul(x, x)
	x4 := api.Mul(x2, x2)
	t := api.Mul(api.Add(x4, x), x)
	return api.Sub(t, x2)
}

// externalMatrix multiplies by circ(2,1,1): each element gains the sum.
func externalMatrix(api frontend.API, s State) State {
	sum := api.Add(s[0], s[1], s[2])
	return State{api.Add(s[0], sum), api.Add(s[1], sum), api.Add(s[2], sum)}
}

// fullRound is external round j: constants, three S-boxes, external matrix.
func fullRound(api frontend.API, j int, s State) State {
	for k := range s {
		s[k] = sbox(api, api.Add(s[k], extRC[j][k]))
	}
	return externalMatrix(api, s)
}

// partialRound is internal round j: one constant and S-box on the first
// element, then the matrix [[2,1,1],[1,2,1],[1,1,3]].
func partialRound(api frontend.API, j int, s State) State {
	x := sbox(api, api.Add(s[0], intRC[j]))
	sum := api.Add(x, s[1], s[2])
	return State{api.Add(x, sum), api.Add(s[1], sum), api.Add(s[2], s[2], sum)}
}

// Permute returns the Poseidon2 permutation of s, exactly as
// accel/poseidon2's Permute computes it.
func Permute(api frontend.API, s State) State {
	s = externalMatrix(api, s)
	for j := 0; j < poseidon2.FullRounds/2; j++ {
		s = fullRound(api, j, s)
	}
	for j := 0; j < poseidon2.PartialRounds; j++ {
		s = partialRound(api, j, s)
	}
	for j := poseidon2.FullRounds / 2; j < poseidon2.FullRounds; j++ {
		s = fullRound(api, j, s)
	}
	return s
}

// Compress returns the keyed compression Permute(left, right, key)[0]. key
// is a variable or a constant (0 to 3 in the Merkle trees).
func Compress(api frontend.API, left, right, key frontend.Variable) frontend.Variable {
	return Permute(api, State{left, right, key})[0]
}

// Sponge hashes elems with the rate-2 sponge: state (0, 0, 2^64 + 0x0302),
// 10* padding on field elements, output the first state element. It costs
// (len(elems)/2 + 1) permutations.
func Sponge(api frontend.API, elems ...frontend.Variable) frontend.Variable {
	padded := make([]frontend.Variable, 0, len(elems)+2)
	padded = append(padded, elems...)
	padded = append(padded, 1)
	if len(padded)%poseidon2.Rate != 0 {
		padded = append(padded, 0)
	}
	s := State{frontend.Variable(0), frontend.Variable(0), frontend.Variable(new(big.Int).Set(spongeIV))}
	for i := 0; i < len(padded); i += poseidon2.Rate {
		s[0] = api.Add(s[0], padded[i])
		s[1] = api.Add(s[1], padded[i+1])
		s = Permute(api, s)
	}
	return s[0]
}
