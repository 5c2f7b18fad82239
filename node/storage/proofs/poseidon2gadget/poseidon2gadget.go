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
// multiplications (x², x³, x⁵) per S-box, 3 S-boxes in each of the 8 full
// rounds and 1 in each of the 56 partial rounds. Linear layers are free.
const ConstraintsPerPermutation = 3 * (poseidon2.FullRounds*poseidon2.Width + poseidon2.PartialRounds)

// constants are read once from accel/poseidon2; they are never modified.
var extRC, intRC = poseidon2.RoundConstants()

var spongeIV = poseidon2.SpongeIV()

// State is the permutation state (x, y, z).
type State [poseidon2.Width]frontend.Variable

// sbox returns x^5 in three constraints: x·x = x², x·x² = x³ and
// x³·x² = x^5. gnark puts the longer factor of a product on the left (the
// A expression), and x — the S-box input, a linear expression over the
// earlier S-box outputs — is the longer one. So:
//
//   - x² appears in no A expression and x³ in no B expression: each S-box
//     adds two points to the proving key's G1.A and two to G1.B and G2.B,
//     not three (a wire in no A or B expression has no point there), and
//     the prover's A and B MSMs shrink alike;
//   - the output x^5 is one wire, so the linear expressions that carry the
//     state through the partial rounds grow by one term per round, and the
//     long x appears in three expressions, not four: the solver, which
//     evaluates every term, has less than half the work of x², x⁴, x⁵.
//
// The relation is the same.
func sbox(api frontend.API, x frontend.Variable) frontend.Variable {
	x2 := api.Mul(x, x)
	x3 := api.Mul(x, x2)
	return api.Mul(x3, x2)
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
	return SpongeFrom(api, Absorb(api), elems...)
}

// Absorb returns the sponge's state after absorbing prefix, whose length
// must be even (a whole number of rate-2 blocks; it panics otherwise).
// Sponges of messages sharing the prefix can start from this state with
// SpongeFrom, paying for the prefix's len(prefix)/2 permutations once:
// SpongeFrom(api, Absorb(api, p...), rest...) = Sponge(api, p..., rest...).
func Absorb(api frontend.API, prefix ...frontend.Variable) State {
	if len(prefix)%poseidon2.Rate != 0 {
		panic("poseidon2gadget: Absorb of an odd-length prefix; absorb whole blocks and pass the rest to SpongeFrom")
	}
	s := State{frontend.Variable(0), frontend.Variable(0), frontend.Variable(new(big.Int).Set(spongeIV))}
	return absorbBlocks(api, s, prefix)
}

// SpongeFrom finishes a sponge from state s (from Absorb): it absorbs rest
// with the 10* padding and returns the first state element. s is not
// modified. It costs (len(rest)/2 + 1) permutations.
func SpongeFrom(api frontend.API, s State, rest ...frontend.Variable) frontend.Variable {
	padded := make([]frontend.Variable, 0, len(rest)+2)
	padded = append(padded, rest...)
	padded = append(padded, 1)
	if len(padded)%poseidon2.Rate != 0 {
		padded = append(padded, 0)
	}
	return absorbBlocks(api, s, padded)[0]
}

// absorbBlocks adds each rate-2 block of blocks (even length) to the
// state's first two elements and permutes.
func absorbBlocks(api frontend.API, s State, blocks []frontend.Variable) State {
	for i := 0; i < len(blocks); i += poseidon2.Rate {
		s[0] = api.Add(s[0], blocks[i])
		s[1] = api.Add(s[1], blocks[i+1])
		s = Permute(api, s)
	}
	return s
}
