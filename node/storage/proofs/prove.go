package proofs

import (
	"errors"
	"fmt"

	"github.com/consensys/gnark-crypto/ecc"
	"github.com/consensys/gnark/backend/groth16"
	groth16bn254 "github.com/consensys/gnark/backend/groth16/bn254"
	"github.com/consensys/gnark/backend/witness"
	cs "github.com/consensys/gnark/constraint/bn254"
	"github.com/consensys/gnark/frontend"

	"github.com/cairn-node/cairn/node/storage/proofs/circuit"
	"github.com/cairn-node/cairn/node/storage/proofs/internal/accelprove"
)

// field is the BN254 scalar field, the circuit's field.
var field = ecc.BN254.ScalarField()

// ErrUnsatisfied is returned by Prove when the witness does not satisfy
// the circuit: a wrong cell, path, root, entropy or slot index.
var ErrUnsatisfied = errors.New("proofs: witness does not satisfy the circuit")

// Prove makes a proof for w. It returns an error wrapping circuit.ErrWitness
// when w does not fit the parameters and one wrapping ErrUnsatisfied when
// the statement does not hold for w. w is not modified or retained. It is
// safe to call concurrently.
//
// The proof is gnark's Groth16 (the same proof gnark's prover makes for
// the same randomness), computed by package accelprove: its MSMs and NTTs
// run on the accel backends that the router picks for their sizes (all
// CPUs on the go backend; a GPU through icicle where one is set up). A
// forced backend that cannot run here (CAIRN_ACCEL_MSM=icicle in a binary
// without icicle, say) is an error wrapping accel.ErrUnavailable.
func (k *Keys) Prove(w *circuit.Witness) (*Proof, error) { return k.prove(w) }

// prove is Prove with accelprove's options (tests force kernel backends).
func (k *Keys) prove(w *circuit.Witness, opts ...accelprove.Option) (*Proof, error) {
	full, err := k.fullWitness(w)
	if err != nil {
		return nil, err
	}
	r1cs, ok := k.ccs.(*cs.R1CS)
	if !ok {
		return nil, fmt.Errorf("proofs: prove: constraint system is %T, not a BN254 R1CS (a bug in Setup)", k.ccs)
	}
	p, err := accelprove.Prove(r1cs, k.pk, full, opts...)
	if errors.Is(err, accelprove.ErrUnsatisfied) {
		return nil, fmt.Errorf("%w: %w", ErrUnsatisfied, err)
	}
	if err != nil {
		return nil, fmt.Errorf("proofs: prove %v: %w", k.params, err)
	}
	return &Proof{p: *p}, nil
}

// ProveGnark is Prove computed by gnark's own groth16.Prove instead of
// package accelprove: the reference that the accel prover must match
// (the tests' oracle) and the baseline of the prove benchmarks. It never
// uses a GPU. Errors are Prove's.
func (k *Keys) ProveGnark(w *circuit.Witness) (*Proof, error) {
	full, err := k.fullWitness(w)
	if err != nil {
		return nil, err
	}
	p, err := groth16.Prove(k.ccs, k.pk, full)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnsatisfied, err)
	}
	return &Proof{p: *p.(*groth16bn254.Proof)}, nil
}

// fullWitness assigns w to the circuit and returns gnark's full witness.
func (k *Keys) fullWitness(w *circuit.Witness) (witness.Witness, error) {
	a, err := circuit.Assign(k.params, w)
	if err != nil {
		return nil, err
	}
	full, err := frontend.NewWitness(a, field)
	if err != nil {
		return nil, fmt.Errorf("proofs: witness: %w", err)
	}
	return full, nil
}
