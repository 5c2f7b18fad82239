package proofs

import (
	"github.com/cairn-node/cairn/node/storage/proofs/circuit"
	"github.com/cairn-node/cairn/node/storage/proofs/internal/accelprove"
)

// ProveAccel is Prove with accelprove options, which force the MSM and NTT
// backends (accelprove.WithMSM, accelprove.WithNTT).
func (k *Keys) ProveAccel(w *circuit.Witness, opts ...accelprove.Option) (*Proof, error) {
	return k.prove(w, opts...)
}

// FixtureWitness returns the first n samples of logos-storage-nim's
// circuit input.
var FixtureWitness = fixtureWitness
