package proofs

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/big"

	"github.com/consensys/gnark-crypto/ecc/bn254"
	groth16bn254 "github.com/consensys/gnark/backend/groth16/bn254"

	"github.com/cairn-node/cairn/node/internal/snarkjs"
	"github.com/cairn-node/cairn/node/storage/proofs/circuit"
)

// ErrInvalidProof is returned by Verify for a proof that does not verify
// against the verifying key and public inputs.
var ErrInvalidProof = errors.New("proofs: invalid proof")

// ErrEncoding is returned by the decoders for bytes that are not a
// well-formed proof or verifying key of this circuit.
var ErrEncoding = errors.New("proofs: malformed encoding")

// Layout of gnark's compressed verifying key for SampleAndProve (3 public
// inputs, no commitments): α₁ β₁ β₂ γ₂ δ₁ δ₂ (288 bytes), uint32 len(K) = 4,
// K (4 × 32), uint32 0 (committed publics), uint32 0 (commitment keys).
const (
	vkPointsSize        = 2*32 + 2*64 + 32 + 64
	vkNbK               = 4
	verifyingKeySize    = vkPointsSize + 4 + vkNbK*32 + 4 + 4
	maxVerifyingKeySize = verifyingKeySize
)

// VerifyingKey verifies SampleAndProve proofs. It is immutable and safe for
// concurrent use.
type VerifyingKey struct {
	vk *groth16bn254.VerifyingKey
}

// ReadVerifyingKey decodes a verifying key written by WriteTo. It checks the
// points (on the curve, in the subgroup) and returns an error wrapping
// ErrEncoding for anything else than a key with 3 public inputs and no
// commitments. It reads at most 428 bytes.
func ReadVerifyingKey(r io.Reader) (*VerifyingKey, error) {
	b := make([]byte, verifyingKeySize)
	if _, err := io.ReadFull(r, b); err != nil {
		return nil, fmt.Errorf("%w: verifying key: %w", ErrEncoding, err)
	}
	// Decode at fixed offsets instead of with gnark's decoder, which would
	// allocate by slice lengths read from b and accepts uncompressed points
	// that shift the layout.
	if binary.BigEndian.Uint32(b[vkPointsSize:]) != vkNbK ||
		binary.BigEndian.Uint32(b[verifyingKeySize-8:]) != 0 ||
		binary.BigEndian.Uint32(b[verifyingKeySize-4:]) != 0 {
		return nil, fmt.Errorf("%w: verifying key is not for 3 public inputs without commitments", ErrEncoding)
	}
	vk := new(groth16bn254.VerifyingKey)
	vk.G1.K = make([]bn254.G1Affine, vkNbK)
	fields := []struct {
		pt   point
		size int
	}{{&vk.G1.Alpha, 32}, {&vk.G1.Beta, 32}, {&vk.G2.Beta, 64}, {&vk.G2.Gamma, 64}, {&vk.G1.Delta, 32}, {&vk.G2.Delta, 64}}
	off := 0
	for i, f := range fields {
		if err := decodePoint(f.pt, b[off:off+f.size], i); err != nil {
			return nil, err
		}
		off += f.size
	}
	off += 4
	for i := range vk.G1.K {
		if err := decodePoint(&vk.G1.K[i], b[off:off+32], len(fields)+i); err != nil {
			return nil, err
		}
		off += 32
	}
	if err := vk.Precompute(); err != nil {
		return nil, fmt.Errorf("%w: verifying key: %w", ErrEncoding, err)
	}
	return newVerifyingKey(vk), nil
}

// point is a G1 or G2 affine point of gnark-crypto.
type point interface {
	SetBytes([]byte) (int, error)
	IsInSubGroup() bool
}

// decodePoint decodes one compressed point of a verifying key.
func decodePoint(pt point, b []byte, i int) error {
	n, err := pt.SetBytes(b)
	if err != nil {
		return fmt.Errorf("%w: verifying key point %d: %w", ErrEncoding, i, err)
	}
	if n != len(b) {
		return fmt.Errorf("%w: verifying key point %d is not compressed", ErrEncoding, i)
	}
	if !pt.IsInSubGroup() {
		return fmt.Errorf("%w: verifying key point %d not in its subgroup", ErrEncoding, i)
	}
	return nil
}

// ParseSnarkjsVerifyingKey reads a snarkjs verification_key.json with
// three public inputs (entropy, dataset root, slot index): the form
// upstream publishes the keys of its storage-proof verifier in
// (codex-contracts-eth verifier/networks/*/proof_main_verification_key.json).
// With it, Verify and BatchKey check proofs made by upstream's circom
// prover under upstream's keys. Errors wrap ErrEncoding.
//
// A snarkjs key lacks the G1 forms of β and δ, which only gnark's prover
// reads; WriteTo writes them as the point at infinity.
func ParseSnarkjsVerifyingKey(data []byte) (*VerifyingKey, error) {
	raw, err := snarkjs.ParseVerifyingKey(data)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrEncoding, err)
	}
	if raw.NumPublic() != vkNbK-1 {
		return nil, fmt.Errorf("%w: verifying key with %d public inputs, want 3 (entropy, dataset root, slot index)", ErrEncoding, raw.NumPublic())
	}
	vk := new(groth16bn254.VerifyingKey)
	vk.G1.Alpha, vk.G1.K = raw.Alpha, raw.IC
	vk.G2.Beta, vk.G2.Gamma, vk.G2.Delta = raw.Beta, raw.Gamma, raw.Delta
	if err := vk.Precompute(); err != nil {
		return nil, fmt.Errorf("proofs: snarkjs verifying key: %w", err)
	}
	return newVerifyingKey(vk), nil
}

// newVerifyingKey wraps vk; it sets the one field gnark's encoder would
// otherwise write lazily, so that concurrent WriteTo calls do not race.
func newVerifyingKey(vk *groth16bn254.VerifyingKey) *VerifyingKey {
	if vk.PublicAndCommitmentCommitted == nil {
		vk.PublicAndCommitmentCommitted = [][]int{}
	}
	return &VerifyingKey{vk: vk}
}

// WriteTo writes gnark's compressed encoding (428 bytes), which
// ReadVerifyingKey reads back.
func (k *VerifyingKey) WriteTo(w io.Writer) (int64, error) {
	n, err := k.vk.WriteTo(w)
	if err != nil {
		return n, fmt.Errorf("proofs: write verifying key: %w", err)
	}
	return n, nil
}

// Digest returns the SHA-256 of the key's WriteTo encoding: it names the
// key (two setups of one circuit give different keys), e.g. so that a
// prover farm's worker can tell whether it holds the submitter's keys.
func (k *VerifyingKey) Digest() [32]byte {
	h := sha256.New()
	if _, err := k.WriteTo(h); err != nil {
		panic("proofs: hash a verifying key: " + err.Error()) // a hash never fails to take bytes
	}
	return [32]byte(h.Sum(nil))
}

// ExportSolidity writes a Solidity contract that verifies these proofs
// (gnark's template; pragma ^0.8.0). Its verifyProof takes the proof in
// gnark's uncompressed point order and the three public inputs.
func (k *VerifyingKey) ExportSolidity(w io.Writer) error {
	if err := k.vk.ExportSolidity(w); err != nil {
		return fmt.Errorf("proofs: export solidity: %w", err)
	}
	return nil
}

// PublicInputs are the public inputs of a storage proof, in upstream's order.
type PublicInputs struct {
	Entropy     *big.Int
	DataSetRoot *big.Int
	SlotIndex   uint64
}

// Verify checks proof against the public inputs. It returns nil for a valid
// proof, an error wrapping ErrInvalidProof for an invalid one, and one
// wrapping circuit.ErrWitness for inputs that are not field elements.
// Neither argument is modified.
func (k *VerifyingKey) Verify(proof *Proof, pub PublicInputs) error {
	if proof == nil {
		return fmt.Errorf("%w: nil proof", ErrInvalidProof)
	}
	if _, err := circuit.Public(pub.Entropy, pub.DataSetRoot, pub.SlotIndex); err != nil {
		return err // not field elements
	}
	in, ok := publicElements(pub)
	if !ok {
		return fmt.Errorf("%w: public inputs out of range", circuit.ErrWitness)
	}
	if err := groth16bn254.Verify(&proof.p, k.vk, in); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidProof, err)
	}
	return nil
}
