package rln

import (
	"fmt"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
)

// Identity is a zerokit RLN v2 identity in its extended (Semaphore-compatible)
// form, as zerokit's extended_keygen makes it and nwaku stores it:
//
//	SecretHash = Poseidon(Trapdoor, Nullifier)   // identity_secret_hash
//	Commitment = Poseidon(SecretHash)            // id_commitment
//
// The tree leaf is [RateCommitment](Commitment, limit). Trapdoor, Nullifier and
// SecretHash are secret; a proof reveals SecretHash if the member signals
// twice in one epoch (see [RecoverSecret]).
type Identity struct {
	Trapdoor   fr.Element // identity_trapdoor
	Nullifier  fr.Element // identity_nullifier
	SecretHash fr.Element // identity_secret_hash, the circuit's identitySecret
	Commitment fr.Element // id_commitment
}

// NewIdentity derives the identity with the given trapdoor and nullifier.
func NewIdentity(trapdoor, nullifier fr.Element) Identity {
	secret := hash(trapdoor, nullifier)
	return Identity{
		Trapdoor:   trapdoor,
		Nullifier:  nullifier,
		SecretHash: secret,
		Commitment: IDCommitment(secret),
	}
}

// GenerateIdentity returns a new identity with a uniformly random trapdoor and
// nullifier drawn from crypto/rand. The error is crypto/rand's.
func GenerateIdentity() (Identity, error) {
	var trapdoor, nullifier fr.Element
	if _, err := trapdoor.SetRandom(); err != nil {
		return Identity{}, fmt.Errorf("rln: generate identity trapdoor: %w", err)
	}
	if _, err := nullifier.SetRandom(); err != nil {
		return Identity{}, fmt.Errorf("rln: generate identity nullifier: %w", err)
	}
	return NewIdentity(trapdoor, nullifier), nil
}

// IDCommitment returns Poseidon(secretHash), the identity commitment a member
// registers.
func IDCommitment(secretHash fr.Element) fr.Element {
	return hash(secretHash)
}

// RateCommitment returns the membership tree leaf
// Poseidon(idCommitment, userMessageLimit): the member may send up to
// userMessageLimit messages (message ids 0 to userMessageLimit-1) per epoch.
func RateCommitment(idCommitment fr.Element, userMessageLimit uint64) fr.Element {
	var limit fr.Element
	limit.SetUint64(userMessageLimit)
	return hash(idCommitment, limit)
}
