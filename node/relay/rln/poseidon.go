package rln

import (
	"errors"
	"fmt"
	"math/big"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	"github.com/iden3/go-iden3-crypto/poseidon"
)

// MaxPoseidonInputs is the largest number of inputs Poseidon accepts (state
// width t = 17, the widest circom parameter set).
const MaxPoseidonInputs = 16

// ErrPoseidonInputs is returned by [Poseidon] for zero or more than
// [MaxPoseidonInputs] inputs.
var ErrPoseidonInputs = errors.New("rln: poseidon takes 1 to 16 inputs")

// Poseidon returns the circom Poseidon hash of inputs over the BN254 scalar
// field, with state width t = len(inputs)+1 and circomlib's round constants
// and MDS matrices — the hash zerokit and the RLN v2 circuit use (zerokit
// rln/src/hashers.rs poseidon_hash; its ROUND_PARAMS match circom's for
// t = 2..9). Poseidon([1, 2]) =
// 7853200120776062878684798364095072458815029376092732009249414926327459813530.
//
// It fails only with [ErrPoseidonInputs]. It does not retain inputs and is
// safe for concurrent use.
func Poseidon(inputs ...fr.Element) (fr.Element, error) {
	if len(inputs) == 0 || len(inputs) > MaxPoseidonInputs {
		return fr.Element{}, fmt.Errorf("%w: got %d", ErrPoseidonInputs, len(inputs))
	}
	in := make([]*big.Int, len(inputs))
	for i := range inputs {
		in[i] = inputs[i].BigInt(new(big.Int))
	}
	h, err := poseidon.Hash(in)
	if err != nil {
		// Canonical field elements and a valid arity cannot fail.
		return fr.Element{}, fmt.Errorf("rln: poseidon: %w", err)
	}
	var out fr.Element
	out.SetBigInt(h)
	return out, nil
}

// hash is Poseidon for the fixed arities (1 to 3) this package uses, which
// cannot fail.
func hash(inputs ...fr.Element) fr.Element {
	h, err := Poseidon(inputs...)
	if err != nil {
		panic("BUG: rln: fixed-arity poseidon failed: " + err.Error())
	}
	return h
}
