package poseidon2

import "math/big"

// Exported parameters of the permutation, for code that must recompute it
// elsewhere, such as the in-circuit gadget of node/storage/proofs.

// Width is the state size t of the permutation.
const Width = width

// Rate is the rate of the sponge; its capacity is Width - Rate = 1.
const Rate = rate

// FullRounds is the number of full (external) rounds: half of them run
// before the partial rounds, half after.
const FullRounds = nFullRounds

// PartialRounds is the number of partial (internal) rounds.
const PartialRounds = nPartialRounds

// RoundConstants returns fresh copies of the round constants as integers
// below r: external[j] are the three constants of full round j (rounds 0 to
// FullRounds/2-1 before the partial rounds, the rest after), internal[j] the
// constant added to the first element in partial round j. The caller owns
// the returned values.
func RoundConstants() (external [][3]*big.Int, internal []*big.Int) {
	external = make([][3]*big.Int, nFullRounds)
	for j := range external {
		for k := 0; k < width; k++ {
			external[j][k] = mustBigFromHex(externalRoundConstantsHex[width*j+k])
		}
	}
	internal = make([]*big.Int, nPartialRounds)
	for j := range internal {
		internal[j] = mustBigFromHex(internalRoundConstantsHex[j])
	}
	return external, internal
}

// SpongeIV returns a fresh copy of the sponge's capacity IV,
// 2^64 + 256·t + rate = 2^64 + 0x0302.
func SpongeIV() *big.Int { return spongeIV() }

// mustBigFromHex parses a constant of constants.go. A failure is a bug in
// this package, never a consequence of input.
func mustBigFromHex(h string) *big.Int {
	v, ok := new(big.Int).SetString(h, 0)
	if !ok {
		panic("BUG: poseidon2: bad round constant " + h)
	}
	return v
}
