package bench

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"

	"github.com/consensys/gnark-crypto/ecc/bn254"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr"

	"github.com/cairn-node/cairn/accel"
	"github.com/cairn-node/cairn/accel/msm"
)

// msmCases are the BN254 MSM rows, in points per second: G1 and G2 at 2^13
// points (the RLN Groth16 prover's size class; quick suite) and 2^16, and
// the GPU-sized rows G1 at 2^20 and 2^22 and G2 at 2^20 (a storage proof
// for 100 samples runs G1 MSMs of 1 to 5 million points). The full suite
// runs the sizes from 2^16. The icicle CPU device needs about 6 s for one
// G2 call at 2^16 and 12 s for G1 at 2^20, so its rows from 2^20 are
// skipped: they are measured where icicle runs on a GPU. The simd backend
// runs from 2^16 points on the lanes (below, gnark-crypto as go).
func msmCases() []Case {
	var cs []Case
	for _, r := range []struct {
		logN int
		g2   bool
	}{{13, false}, {13, true}, {16, false}, {16, true}, {20, false}, {20, true}, {22, false}} {
		kernel := "msm-g1"
		if r.g2 {
			kernel = "msm-g2"
		}
		cs = append(cs, Case{Kernel: kernel, Params: fmt.Sprintf("points=2^%d", r.logN), Unit: "points/s",
			Quick: r.logN <= 13, Setup: msmSetup(1<<r.logN, r.g2)})
	}
	return cs
}

// msmGPUSize is the size from which the icicle rows need icicle on a GPU.
const msmGPUSize = 1 << 20

// msmInputs holds one size's scalars and random points a_i·G of the groups
// asked for, shared by the backends of a case and dropped when the case
// ends.
type msmInputs struct {
	a, s []fr.Element
	p1   []bn254.G1Affine
	p2   []bn254.G2Affine
}

var msmInputCache = map[int]*msmInputs{}

func msmInputsFor(n int, g2 bool) *msmInputs {
	in := msmInputCache[n]
	if in == nil {
		rng := rand.New(rand.NewPCG(uint64(n), 11))
		rnd := func() fr.Element {
			var b [32]byte
			for i := 0; i < len(b); i += 8 {
				binary.LittleEndian.PutUint64(b[i:], rng.Uint64())
			}
			var e fr.Element
			e.SetBytes(b[:]) // reduced mod r
			return e
		}
		in = &msmInputs{a: make([]fr.Element, n), s: make([]fr.Element, n)}
		for i := range in.a {
			in.a[i], in.s[i] = rnd(), rnd()
		}
		msmInputCache[n] = in
		atCaseEnd(func() { delete(msmInputCache, n) })
	}
	_, _, g1, g2gen := bn254.Generators()
	if g2 && in.p2 == nil {
		in.p2 = bn254.BatchScalarMultiplicationG2(&g2gen, in.a)
	}
	if !g2 && in.p1 == nil {
		in.p1 = bn254.BatchScalarMultiplicationG1(&g1, in.a)
	}
	return in
}

func msmSetup(n int, g2 bool) func(accel.Backend) (func() error, float64, error) {
	return func(b accel.Backend) (func() error, float64, error) {
		m, err := msm.New(b)
		if err != nil {
			return nil, 0, err
		}
		if b == accel.Icicle && n >= msmGPUSize && !msm.IcicleOnGPU() {
			return nil, 0, fmt.Errorf("msm: icicle runs on its CPU device here, 5-15x slower than go; rows from 2^20 points are measured on a GPU: %w", accel.ErrUnavailable)
		}
		in := msmInputsFor(n, g2)
		if g2 {
			return func() error { _, err := m.G2(in.p2, in.s); return err }, float64(n), nil
		}
		return func() error { _, err := m.G1(in.p1, in.s); return err }, float64(n), nil
	}
}
