// Package rln makes and verifies Waku RLN v2 rate-limit proofs: Groth16
// proofs over BN254 of the zerokit RLN v2 circuit (Merkle tree depth 20),
// in the byte formats that zerokit and nwaku put on the wire.
//
// # Proving
//
// A [Prover] proves offline with the circuit files embedded in the binary
// (package circuit: zerokit's snarkjs proving key and circom-witness-rs
// graph): the witness comes from evaluating the graph in Go (package
// witness), the proof from package groth16 with its multi-scalar
// multiplications routed through accel/msm:
//
//	p, err := rln.NewProver()
//	pv, err := p.Prove(rln.ProveInput{IdentitySecret: id.SecretHash,
//		UserMessageLimit: 100, MessageID: 0, Path: path, Signal: signal,
//		ExternalNullifier: rln.ExternalNullifier(rln.EpochField(epoch), rlnID)})
//
// A message id at or above the limit is refused early ([ErrMessageLimit]);
// every proof is verified before it is returned. Membership (which leaves
// the tree holds) lives in package membership, the per-epoch message ids of
// the node's own messages in package budget.
//
// # Verifying
//
// Decode the 288-byte proof values that zerokit serializes (the
// arkworks-compressed proof followed by five field elements) and verify them
// against the embedded verifying key:
//
//	vk := rln.DefaultVerifyingKey()
//	pv, err := rln.DecodeProofValues(buf)
//	if err != nil {
//		return err // errors.Is(err, rln.ErrInvalidProof)
//	}
//	ok, err := rln.Verify(vk, pv.Proof, pv.PublicInputs())
//
// Verify checks only the Groth16 relation. The caller (the relay validator)
// must still check that x = keccak256(signal) mod r, that the root is one of
// the recently accepted roots, that the external nullifier matches the epoch,
// and the nullifier log.
//
// # Formats
//
// Field elements are 32 bytes little-endian and must be canonical (< r). A
// proof is arkworks CanonicalSerialize compressed A (G1, 32 B) ‖ B (G2, 64 B) ‖
// C (G1, 32 B). A compressed point stores its x coordinate little-endian (for
// G2: c0 then c1) and puts two flags into the top bits of its last byte:
// bit 7 set means y is the lexicographically larger root ("YIsNegative"),
// bit 6 set means the point at infinity; both set is invalid.
// ProofValues is proof ‖ root ‖ external_nullifier ‖ x ‖ y ‖ nullifier
// (zerokit serialize_proof_values). The circuit's public inputs, in order, are
// y, root, nullifier, x, external_nullifier.
//
// Malformed input from the network never panics: decoders and verifiers
// return an error wrapping [ErrInvalidProof].
package rln
