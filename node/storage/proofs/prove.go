package proofs

import (
	"errors"
	"fmt"

	"github.com/consensys/gnark-crypto/ecc"
	"github.com/consensys/gnark/backend/groth16"
	groth16bn254 "github.com/consensys/gnark/backend/groth16/bn254"
	"github.com/consensys/gnark/frontend"

	"github.com/cairn-node/cairn/node/storage/proofs/circuit"
)

// field is the BN254 scalar field, the circuit's field.
var field = ecc.BN254.ScalarField()

// ErrUnsatisfied is returned by Prove when the witness does not satisfy
// the circuit: a wrong cell, path, root, entropy or slot index.
var ErrUnsatisfied = errors.New("proofs: witness does not satisfy the circuit")

// Prove makes a proof for w. It returns an error wrapping circuit.ErrWitness
// when w does not fit the parameters and one wrapping ErrUnsatisfied when
// the statement does not hold for w. w is not modified or retained. It uses
// all CPUs (gnark's prover); it is safe to call concurrently.
func (k *Keys) Prove(w *circuit.Witness) (*Proof, error) {
	a, err := circuit.Assign(k.params, w)
	if err != nil {
		return nil, err
	}
	full, err := frontend.NewWitness(a, field)
	if err != nil {
		return nil, fmt.Errorf("proofs: witness: %w", err)
	}
	p, err := groth16.Prove(k.ccs, k.pk, full)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnsatisfied, err)
	}
	return &Proof{p: *p.(*groth16bn254.Proof)}, nil
}
