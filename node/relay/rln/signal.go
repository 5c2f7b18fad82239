package rln

import (
	"encoding/binary"
	"fmt"
	"math/big"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	"golang.org/x/crypto/sha3"
)

// SignalX returns x = keccak256(signal) read as a little-endian integer
// and reduced mod r: the value the circuit binds the proof to (zerokit's
// hash_to_field_le). nwaku's signal is payload ‖ content topic ‖ timestamp
// (u64 little-endian).
func SignalX(signal []byte) fr.Element {
	h := sha3.NewLegacyKeccak256()
	h.Write(signal)
	sum := h.Sum(nil)
	for i, j := 0, len(sum)-1; i < j; i, j = i+1, j-1 {
		sum[i], sum[j] = sum[j], sum[i]
	}
	var x fr.Element
	x.SetBigInt(new(big.Int).SetBytes(sum)) // SetBigInt reduces mod r
	return x
}

// DecodeVerifyInput splits zerokit's verify input
// [ proof_values<288> | signal_len<8, u64 LE> | signal<signal_len> ] into
// its proof values and signal. Errors wrap ErrInvalidProof.
func DecodeVerifyInput(b []byte) (ProofValues, []byte, error) {
	if len(b) < ProofValuesSize+8 {
		return ProofValues{}, nil, fmt.Errorf("%w: verify input of %d bytes is shorter than %d", ErrInvalidProof, len(b), ProofValuesSize+8)
	}
	pv, err := DecodeProofValues(b[:ProofValuesSize])
	if err != nil {
		return ProofValues{}, nil, err
	}
	n := binary.LittleEndian.Uint64(b[ProofValuesSize:])
	rest := b[ProofValuesSize+8:]
	if n != uint64(len(rest)) {
		return ProofValues{}, nil, fmt.Errorf("%w: verify input declares a %d-byte signal and carries %d bytes", ErrInvalidProof, n, len(rest))
	}
	return pv, append([]byte(nil), rest...), nil
}

// EncodeVerifyInput returns zerokit's verify input: the encoded proof
// values, the signal length as a u64 little-endian, then the signal. It is
// what DecodeVerifyInput reads.
func EncodeVerifyInput(pv ProofValues, signal []byte) []byte {
	out := make([]byte, 0, ProofValuesSize+8+len(signal))
	out = append(out, pv.Encode()...)
	out = binary.LittleEndian.AppendUint64(out, uint64(len(signal)))
	return append(out, signal...)
}

// VerifyRLN checks an RLN proof as zerokit's verify_rln_proof does: x must
// equal SignalX(signal), the root must be one of roots (any root when
// roots is empty), and the Groth16 proof must verify. A failed check is
// false, nil; malformed points are false with an error wrapping
// ErrInvalidProof.
func VerifyRLN(vk *VerifyingKey, pv ProofValues, signal []byte, roots []fr.Element) (bool, error) {
	if x := SignalX(signal); !x.Equal(&pv.X) {
		return false, nil
	}
	if len(roots) > 0 {
		ok := false
		for i := range roots {
			if roots[i].Equal(&pv.Root) {
				ok = true
				break
			}
		}
		if !ok {
			return false, nil
		}
	}
	return Verify(vk, pv.Proof, pv.PublicInputs())
}
