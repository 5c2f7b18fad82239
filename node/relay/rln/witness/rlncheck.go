package witness

import (
	"errors"
	"fmt"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
)

// ErrUnsatisfied means the inputs violate an assert of the circuit: circom's
// wasm witness calculator would stop with "Assert Failed", and a proof made
// from the graph's witness would not verify.
var ErrUnsatisfied = errors.New("witness: inputs do not satisfy the circuit")

// rlnLimitBits is LIMIT_BIT_SIZE of the RLN v2 circuit, RLN(20, 16).
const rlnLimitBits = 16

// isRLN reports whether the input signals are those of the RLN v2 circuit,
// whose asserts checkRLN knows.
func isRLN(spans map[string]span) bool {
	want := map[string]bool{
		"identitySecret": true, "userMessageLimit": true, "messageId": true,
		"pathElements": false, "identityPathIndex": false, "x": true, "externalNullifier": true,
	}
	if len(spans) != len(want) {
		return false
	}
	for name, scalar := range want {
		s, ok := spans[name]
		if !ok || scalar != (s.len == 1) {
			return false
		}
	}
	return true
}

// checkRLN checks the asserts that circom generates for the RLN v2
// circuit's constraints, which the graph does not contain:
//   - MerkleTreeInclusionProof: identityPathIndex[i] * (identityPathIndex[i] - 1) === 0;
//   - RangeCheck: Num2Bits(16)(messageId), so messageId < 2^16;
//   - RangeCheck: LessThan(16)([messageId, userMessageLimit]) === 1, which
//     decomposes messageId + 2^16 - userMessageLimit into 17 bits and needs
//     bit 16 clear: messageId < userMessageLimit <= messageId + 2^16.
func checkRLN(in map[string][]fr.Element) error {
	for i, b := range in["identityPathIndex"] {
		if !b.IsZero() && !b.IsOne() {
			return fmt.Errorf("%w: identityPathIndex[%d] = %s is not 0 or 1 (use the bits of the leaf index)", ErrUnsatisfied, i, b.String())
		}
	}
	id, limit := &in["messageId"][0], &in["userMessageLimit"][0]
	if !fitsBits(id, rlnLimitBits) {
		return fmt.Errorf("%w: messageId %s does not fit %d bits", ErrUnsatisfied, id.String(), rlnLimitBits)
	}
	var d fr.Element
	d.SetUint64(1 << rlnLimitBits)
	d.Add(&d, id)
	d.Sub(&d, limit)
	if !fitsBits(&d, rlnLimitBits) {
		if fitsBits(&d, rlnLimitBits+1) {
			return fmt.Errorf("%w: messageId %s is not below userMessageLimit %s (the member has used up this epoch's messages)", ErrUnsatisfied, id.String(), limit.String())
		}
		return fmt.Errorf("%w: userMessageLimit %s exceeds messageId + 2^%d, which the circuit's range check cannot represent", ErrUnsatisfied, limit.String(), rlnLimitBits)
	}
	return nil
}

// fitsBits reports whether e's canonical value is below 2^n (n < 64).
func fitsBits(e *fr.Element, n uint) bool {
	b := e.Bits()
	return b[1]|b[2]|b[3] == 0 && b[0] < 1<<n
}
