package rln

// nwaku's RateLimitProof protobuf, by hand (waku-org/nwaku
// waku/waku_rln_relay/protocol_types.nim, RateLimitProof.encode and
// init(T: type RateLimitProof, buffer), at commit
// 7d1c6abaacba3e05edb57fa177381602b71b9b98):
//
//	message RateLimitProof {
//	  bytes proof          = 1; // 128 B, arkworks-compressed A|B|C
//	  bytes merkle_root    = 2; // 32 B LE
//	  bytes epoch          = 3; // 32 B: u64 LE zero-padded
//	  bytes share_x        = 4; // 32 B LE
//	  bytes share_y        = 5; // 32 B LE
//	  bytes nullifier      = 6; // 32 B LE
//	  bytes rln_identifier = 7; // 32 B: UTF-8 zero-padded
//	}
//
// Field 7 is the rln identifier, not the external nullifier: nwaku
// recomputes external_nullifier = Poseidon(epoch, rln_identifier) before it
// verifies (group_manager/on_chain/group_manager.nim verifyProof).

import (
	"fmt"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"

	"github.com/cairn-node/cairn/node/internal/minpb"
)

// MaxRateLimitProofSize is the largest encoded RateLimitProof that
// DecodeRateLimitProof accepts. nwaku's encoding is exactly
// RateLimitProofSize bytes; the slack leaves room for unknown fields a newer
// peer may add.
const MaxRateLimitProofSize = 1024

// RateLimitProofSize is the size of RateLimitProof.Encode's output:
// 3+128 bytes for the proof and 2+32 bytes for each of the six 32-byte fields.
const RateLimitProofSize = 3 + CompressedProofSize + 6*(2+FieldSize)

// RateLimitProof is the rate_limit_proof (field 21) of a Waku message, as
// nwaku writes it. The 32-byte values are kept as bytes; ProofValues
// decodes and checks them.
type RateLimitProof struct {
	Proof         [CompressedProofSize]byte // field 1: arkworks-compressed Groth16 proof
	MerkleRoot    [FieldSize]byte           // field 2
	Epoch         [FieldSize]byte           // field 3: EpochBytes(epoch)
	ShareX        [FieldSize]byte           // field 4: x = SignalX(signal)
	ShareY        [FieldSize]byte           // field 5: y
	Nullifier     [FieldSize]byte           // field 6
	RLNIdentifier [FieldSize]byte           // field 7: e.g. DefaultRLNIdentifier zero-padded
}

// Field numbers of RateLimitProof.
const (
	rlpFieldProof         = 1
	rlpFieldMerkleRoot    = 2
	rlpFieldEpoch         = 3
	rlpFieldShareX        = 4
	rlpFieldShareY        = 5
	rlpFieldNullifier     = 6
	rlpFieldRLNIdentifier = 7
	rlpNumFields          = 7
)

// NewRateLimitProof returns the RateLimitProof nwaku attaches to a message
// for proof values pv made in epoch with the given RLN identifier (see
// DefaultRLNIdentifier). The identifier must fit 32 bytes.
func NewRateLimitProof(pv ProofValues, epoch uint64, rlnIdentifier string) (RateLimitProof, error) {
	if len(rlnIdentifier) > FieldSize {
		return RateLimitProof{}, fmt.Errorf("%w: %q is %d bytes", ErrRLNIdentifier, rlnIdentifier, len(rlnIdentifier))
	}
	p := RateLimitProof{Proof: pv.Proof.EncodeCompressed(), Epoch: EpochBytes(epoch)}
	le := func(dst *[FieldSize]byte, e fr.Element) { fr.LittleEndian.PutElement(dst, e) }
	le(&p.MerkleRoot, pv.Root)
	le(&p.ShareX, pv.X)
	le(&p.ShareY, pv.Y)
	le(&p.Nullifier, pv.Nullifier)
	copy(p.RLNIdentifier[:], rlnIdentifier)
	return p, nil
}

// fields returns the 32-byte fields 2..7 in field-number order.
func (p *RateLimitProof) fields() [rlpNumFields - 1]*[FieldSize]byte {
	return [rlpNumFields - 1]*[FieldSize]byte{&p.MerkleRoot, &p.Epoch, &p.ShareX, &p.ShareY, &p.Nullifier, &p.RLNIdentifier}
}

// Encode returns p as nwaku's RateLimitProof.encode writes it: fields 1 to 7
// in order, each as a length-delimited value, every one written even when
// it is all zeros.
func (p *RateLimitProof) Encode() []byte {
	b := make([]byte, 0, RateLimitProofSize)
	b = minpb.AppendBytes(b, rlpFieldProof, p.Proof[:])
	for i, f := range p.fields() {
		b = minpb.AppendBytes(b, rlpFieldMerkleRoot+i, f[:])
	}
	return b
}

// DecodeRateLimitProof parses an encoded RateLimitProof. It is stricter than
// nwaku's decoder, which copies whatever it finds into fixed arrays: each of
// fields 1 to 7 must appear exactly once, length-delimited, with exactly its
// size (128 bytes for the proof, 32 for the others). Unknown fields of any
// valid wire type are skipped. Varints must be minimal, and b must be at most
// MaxRateLimitProofSize bytes. The values themselves are not checked; see
// ProofValues. Every error wraps ErrInvalidProof. It does not retain b.
func DecodeRateLimitProof(b []byte) (RateLimitProof, error) {
	var p RateLimitProof
	if len(b) > MaxRateLimitProofSize {
		return RateLimitProof{}, fmt.Errorf("%w: rate limit proof of %d bytes exceeds %d", ErrInvalidProof, len(b), MaxRateLimitProofSize)
	}
	fs, err := minpb.ParseFields(b)
	if err != nil {
		return RateLimitProof{}, fmt.Errorf("%w: rate limit proof: %w", ErrInvalidProof, err)
	}
	var seen [rlpNumFields + 1]bool
	fields := p.fields()
	for _, f := range fs {
		if f.Num > rlpNumFields {
			continue // unknown fields are skipped, as minprotobuf does
		}
		if f.Wire != minpb.WireBytes {
			return RateLimitProof{}, fmt.Errorf("%w: rate limit proof: field %d has wire type %d, want %d", ErrInvalidProof, f.Num, f.Wire, minpb.WireBytes)
		}
		if seen[f.Num] {
			return RateLimitProof{}, fmt.Errorf("%w: rate limit proof: field %d repeated", ErrInvalidProof, f.Num)
		}
		seen[f.Num] = true
		var dst []byte
		if f.Num == rlpFieldProof {
			dst = p.Proof[:]
		} else {
			dst = fields[f.Num-rlpFieldMerkleRoot][:]
		}
		if len(f.Data) != len(dst) {
			return RateLimitProof{}, fmt.Errorf("%w: rate limit proof: field %d is %d bytes, want %d", ErrInvalidProof, f.Num, len(f.Data), len(dst))
		}
		copy(dst, f.Data)
	}
	for num := 1; num <= rlpNumFields; num++ {
		if !seen[num] {
			return RateLimitProof{}, fmt.Errorf("%w: rate limit proof: field %d missing", ErrInvalidProof, num)
		}
	}
	return p, nil
}

// ExternalNullifier returns Poseidon(epoch, rln_identifier), as nwaku
// computes it before verifying. The epoch and identifier must be canonical
// field elements; the error wraps ErrInvalidProof.
func (p *RateLimitProof) ExternalNullifier() (fr.Element, error) {
	epoch, err := DecodeField(p.Epoch[:])
	if err != nil {
		return fr.Element{}, fmt.Errorf("decode epoch: %w", err)
	}
	id, err := DecodeField(p.RLNIdentifier[:])
	if err != nil {
		return fr.Element{}, fmt.Errorf("decode rln_identifier: %w", err)
	}
	return ExternalNullifier(epoch, id), nil
}

// ProofValues returns p in zerokit's proof-values form, as nwaku's verifyProof
// builds it: root = merkle_root, external_nullifier = Poseidon(epoch,
// rln_identifier), x = share_x, y = share_y, nullifier = nullifier. The
// proof must decode (points on the curve and in the subgroup) and every
// field element must be canonical; errors wrap ErrInvalidProof. Check the
// result with VerifyRLN, and the epoch and root against local state.
func (p *RateLimitProof) ProofValues() (ProofValues, error) {
	var pv ProofValues
	var err error
	if pv.Proof, err = DecodeCompressed(p.Proof[:]); err != nil {
		return ProofValues{}, err
	}
	if pv.ExternalNullifier, err = p.ExternalNullifier(); err != nil {
		return ProofValues{}, err
	}
	for _, f := range []struct {
		name string
		src  *[FieldSize]byte
		dst  *fr.Element
	}{
		{"merkle_root", &p.MerkleRoot, &pv.Root},
		{"share_x", &p.ShareX, &pv.X},
		{"share_y", &p.ShareY, &pv.Y},
		{"nullifier", &p.Nullifier, &pv.Nullifier},
	} {
		if *f.dst, err = DecodeField(f.src[:]); err != nil {
			return ProofValues{}, fmt.Errorf("decode %s: %w", f.name, err)
		}
	}
	return pv, nil
}
