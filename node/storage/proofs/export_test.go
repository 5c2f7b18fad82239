package proofs

import (
	"fmt"

	"github.com/consensys/gnark/backend/groth16"
	groth16bn254 "github.com/consensys/gnark/backend/groth16/bn254"

	"github.com/cairn-node/cairn/node/storage/proofs/circuit"
	"github.com/cairn-node/cairn/node/storage/proofs/internal/accelprove"
)

// ProveAccel is Prove with accelprove options, which force the MSM and NTT
// backends (accelprove.WithMSM, accelprove.WithNTT).
func (k *Keys) ProveAccel(w *circuit.Witness, opts ...accelprove.Option) (*Proof, error) {
	return k.prove(w, opts...)
}

// ProveGnark is Prove computed by gnark's own groth16.Prove: the test
// oracle for the accel prover and the baseline of BenchmarkProve.
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
