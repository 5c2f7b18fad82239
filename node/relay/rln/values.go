package rln

import (
	"fmt"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
)

// FieldSize is the size of a serialized field element: 32 bytes little-endian.
const FieldSize = fr.Bytes

// ProofValuesSize is the size of serialized ProofValues:
// proof (128) ‖ root ‖ external_nullifier ‖ x ‖ y ‖ nullifier (32 each).
const ProofValuesSize = CompressedProofSize + 5*FieldSize

// ProofValues is a proof together with the circuit's public values, laid out
// as zerokit's serialize_proof_values writes them after the 128-byte proof
// (vacp2p/zerokit v0.9.0 rln/src/protocol.rs).
type ProofValues struct {
	Proof             Proof
	Root              fr.Element // Merkle root of the membership tree
	ExternalNullifier fr.Element // Poseidon(epoch, rln_identifier)
	X                 fr.Element // keccak256(signal) mod r
	Y                 fr.Element // Shamir share: secret + x·a1
	Nullifier         fr.Element // Poseidon(a1)
}

// DecodeProofValues decodes the 288-byte zerokit layout
// [ proof<128> | root<32> | external_nullifier<32> | x<32> | y<32> | nullifier<32> ].
// Field elements must be canonical (< r), as in current zerokit
// (bytes_le_to_fr returns NonCanonicalFieldElement; v0.9.0 reduced mod r
// silently, which gives one nullifier several encodings). Every error wraps ErrInvalidProof.
// A longer b is rejected too; slice it first if it carries a signal.
// It does not retain b.
func DecodeProofValues(b []byte) (ProofValues, error) {
	var pv ProofValues
	if len(b) != ProofValuesSize {
		return pv, fmt.Errorf("%w: proof values are %d bytes, want %d", ErrInvalidProof, len(b), ProofValuesSize)
	}
	var err error
	if pv.Proof, err = DecodeCompressed(b[:CompressedProofSize]); err != nil {
		return ProofValues{}, err
	}
	fields := []struct {
		name string
		dst  *fr.Element
	}{
		{"root", &pv.Root},
		{"external_nullifier", &pv.ExternalNullifier},
		{"x", &pv.X},
		{"y", &pv.Y},
		{"nullifier", &pv.Nullifier},
	}
	off := CompressedProofSize
	for _, f := range fields {
		if *f.dst, err = DecodeField(b[off : off+FieldSize]); err != nil {
			return ProofValues{}, fmt.Errorf("decode %s: %w", f.name, err)
		}
		off += FieldSize
	}
	return pv, nil
}

// Encode returns the 288-byte zerokit serialization of pv.
func (pv *ProofValues) Encode() []byte {
	out := make([]byte, 0, ProofValuesSize)
	proof := pv.Proof.EncodeCompressed()
	out = append(out, proof[:]...)
	for _, e := range []*fr.Element{&pv.Root, &pv.ExternalNullifier, &pv.X, &pv.Y, &pv.Nullifier} {
		var buf [FieldSize]byte
		fr.LittleEndian.PutElement(&buf, *e)
		out = append(out, buf[:]...)
	}
	return out
}

// PublicInputs returns the circuit's public inputs in circuit order:
// y, root, nullifier, x, external_nullifier.
func (pv *ProofValues) PublicInputs() [NumPublicInputs]fr.Element {
	return [NumPublicInputs]fr.Element{pv.Y, pv.Root, pv.Nullifier, pv.X, pv.ExternalNullifier}
}

// DecodeField decodes a 32-byte little-endian canonical field element. The
// error wraps ErrInvalidProof.
func DecodeField(b []byte) (fr.Element, error) {
	if len(b) != FieldSize {
		return fr.Element{}, fmt.Errorf("%w: field element is %d bytes, want %d", ErrInvalidProof, len(b), FieldSize)
	}
	e, err := fr.LittleEndian.Element((*[FieldSize]byte)(b))
	if err != nil {
		return fr.Element{}, fmt.Errorf("%w: field element: %w", ErrInvalidProof, err)
	}
	return e, nil
}
