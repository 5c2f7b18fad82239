package rln

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
)

// DefaultRLNIdentifier is the application identifier Waku RLN relay uses
// (nwaku waku_rln_relay/constants.nim DefaultRlnIdentifier).
const DefaultRLNIdentifier = "rln/waku-rln-relay/v2.0.0"

// ErrRLNIdentifier is returned by [RLNIdentifierField] for an identifier that
// does not fit a canonical field element.
var ErrRLNIdentifier = errors.New("rln: rln identifier must be at most 32 bytes and below the field modulus")

// ErrSameShareX is returned by [RecoverSecret] when both shares have the same
// x: they lie on the line but do not fix it (the same message twice, not
// double signalling).
var ErrSameShareX = errors.New("rln: shares have the same x")

// EpochBytes returns nwaku's 32-byte epoch: epoch as a uint64 little-endian,
// zero-padded (nwaku conversion_utils.nim toEpoch). nwaku's epoch is
// floor(unix seconds / epoch length).
func EpochBytes(epoch uint64) [FieldSize]byte {
	var b [FieldSize]byte
	binary.LittleEndian.PutUint64(b[:], epoch)
	return b
}

// EpochField returns EpochBytes(epoch) read as a little-endian field element,
// the value nwaku hashes into the external nullifier.
func EpochField(epoch uint64) fr.Element {
	var e fr.Element
	e.SetUint64(epoch)
	return e
}

// RLNIdentifierField returns id's UTF-8 bytes zero-padded to 32 bytes and read
// as a little-endian field element, as nwaku passes DefaultRlnIdentifier to
// zerokit. The error wraps [ErrRLNIdentifier].
func RLNIdentifierField(id string) (fr.Element, error) {
	if len(id) > FieldSize {
		return fr.Element{}, fmt.Errorf("%w: %q is %d bytes", ErrRLNIdentifier, id, len(id))
	}
	var b [FieldSize]byte
	copy(b[:], id)
	e, err := fr.LittleEndian.Element(&b)
	if err != nil {
		return fr.Element{}, fmt.Errorf("%w: %q: %w", ErrRLNIdentifier, id, err)
	}
	return e, nil
}

// ExternalNullifier returns Poseidon(epoch, rlnIdentifier), the circuit's
// external_nullifier, exactly as nwaku computes it: the epoch and identifier
// field elements go into Poseidon as they are, without hashing them first
// (nwaku waku_rln_relay/rln/wrappers.nim extractMetadata and
// group_manager/on_chain/group_manager.nim generateProof, via zerokit's
// poseidon_hash FFI on little-endian field elements).
func ExternalNullifier(epoch, rlnIdentifier fr.Element) fr.Element {
	return hash(epoch, rlnIdentifier)
}

// Shares returns the values an RLN proof reveals for a message with signal
// hash x (see [SignalX]):
//
//	a1        = Poseidon(secretHash, externalNullifier, messageID)
//	y         = secretHash + x·a1
//	nullifier = Poseidon(a1)
//
// Two messages with the same nullifier (same epoch and message id) but
// different x give two points of the line y = secretHash + x·a1, from which
// [RecoverSecret] finds secretHash.
func Shares(secretHash, externalNullifier fr.Element, messageID uint64, x fr.Element) (y, nullifier, a1 fr.Element) {
	var id fr.Element
	id.SetUint64(messageID)
	a1 = hash(secretHash, externalNullifier, id)
	y.Mul(&x, &a1)
	y.Add(&y, &secretHash)
	nullifier = hash(a1)
	return y, nullifier, a1
}

// RecoverSecret returns the identity secret hash from two shares (x1, y1) and
// (x2, y2) of the same nullifier: the intercept of the line through them,
// y1 − x1·(y2−y1)/(x2−x1). It fails with [ErrSameShareX] when x1 == x2.
// The result is only the member's secret if both shares came from valid
// proofs with the same nullifier; callers check that first.
func RecoverSecret(x1, y1, x2, y2 fr.Element) (fr.Element, error) {
	if x1.Equal(&x2) {
		return fr.Element{}, ErrSameShareX
	}
	var dx, dy, slope, s fr.Element
	dx.Sub(&x2, &x1)
	dy.Sub(&y2, &y1)
	dx.Inverse(&dx)
	slope.Mul(&dy, &dx)
	s.Mul(&x1, &slope)
	s.Sub(&y1, &s)
	return s, nil
}
