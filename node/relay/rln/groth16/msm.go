package groth16

import (
	"fmt"

	"github.com/consensys/gnark-crypto/ecc/bn254"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr"

	"github.com/cairn-node/cairn/accel/msm"
	"github.com/cairn-node/cairn/accel/ntt"
)

// MSM is the multi-scalar multiplication engine Prove runs its three MSMs
// on. accel/msm's MSM satisfies it. Implementations must be safe for
// concurrent use (Prove calls them from several goroutines at once), must
// not retain or modify their arguments, and must return the identity for
// empty input.
type MSM interface {
	// G1 returns Σ scalars[i]·points[i]; len(points) == len(scalars).
	G1(points []bn254.G1Affine, scalars []fr.Element) (bn254.G1Affine, error)
	// G2 is G1 in G2.
	G2(points []bn254.G2Affine, scalars []fr.Element) (bn254.G2Affine, error)
}

// Option configures Prove and ProveRandom.
type Option func(*config) error

type config struct {
	msm MSM     // nil: route each MSM by its size
	ntt ntt.NTT // nil: route the quotient's transforms by the domain size
}

// WithMSM makes Prove run every MSM on m instead of the engine the process
// router (accel/msm.ForSize) picks for each MSM's size. m must not be nil.
func WithMSM(m MSM) Option {
	return func(c *config) error {
		if m == nil {
			return fmt.Errorf("groth16: WithMSM(nil)")
		}
		c.msm = m
		return nil
	}
}

// WithNTT makes Prove run the quotient's transforms on k instead of the
// backend the process router (accel/ntt.ForSize) picks for the domain
// size. k must not be nil.
func WithNTT(k ntt.NTT) Option {
	return func(c *config) error {
		if k == nil {
			return fmt.Errorf("groth16: WithNTT(nil)")
		}
		c.ntt = k
		return nil
	}
}

func newConfig(opts []Option) (config, error) {
	var c config
	for _, o := range opts {
		if err := o(&c); err != nil {
			return c, err
		}
	}
	return c, nil
}

// engine returns the MSM engine for an MSM of n points: the WithMSM engine,
// else the router's choice for n (so on a GPU host the larger MSMs go to
// the GPU and the smaller stay on the CPU).
func (c *config) engine(n int) (MSM, error) {
	if c.msm != nil {
		return c.msm, nil
	}
	m, err := msm.ForSize(n)
	if err != nil {
		return nil, fmt.Errorf("groth16: pick an MSM backend for %d points: %w", n, err)
	}
	return m, nil
}

// nttEngine returns the NTT for transforms of n elements: the WithNTT
// engine, else the router's choice for n.
func (c *config) nttEngine(n int) (ntt.NTT, error) {
	if c.ntt != nil {
		return c.ntt, nil
	}
	k, err := ntt.ForSize(n)
	if err != nil {
		return nil, fmt.Errorf("groth16: pick an NTT backend for %d elements: %w", n, err)
	}
	return k, nil
}
