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

// msmCases are the BN254 MSM rows: G1 and G2 at 2^13 points (the RLN
// Groth16 prover's size class; quick suite) and 2^16 (full suite only: the
// icicle CPU device needs about 6 s per G2 call there). The value is
// points per second; there is no simd backend, so its rows are skipped.
func msmCases() []Case {
	var cs []Case
	for _, logN := range []int{13, 16} {
		for _, g2 := range []bool{false, true} {
			kernel := "msm-g1"
			if g2 {
				kernel = "msm-g2"
			}
			cs = append(cs, Case{Kernel: kernel, Params: fmt.Sprintf("points=2^%d", logN), Unit: "points/s",
				Quick: logN <= 13, Setup: msmSetup(1<<logN, g2)})
		}
	}
	return cs
}

// msmInputs holds one size's random points a_i·G and scalars, shared by the
// backends of a case and dropped when the case ends.
type msmInputs struct {
	p1 []bn254.G1Affine
	p2 []bn254.G2Affine
	s  []fr.Element
}

var msmInputCache = map[int]*msmInputs{}

func msmInputsFor(n int) *msmInputs {
	if in := msmInputCache[n]; in != nil {
		return in
	}
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
	a, s := make([]fr.Element, n), make([]fr.Element, n)
	for i := range a {
		a[i], s[i] = rnd(), rnd()
	}
	_, _, g1, g2 := bn254.Generators()
	in := &msmInputs{p1: bn254.BatchScalarMultiplicationG1(&g1, a), p2: bn254.BatchScalarMultiplicationG2(&g2, a), s: s}
	msmInputCache[n] = in
	atCaseEnd(func() { delete(msmInputCache, n) })
	return in
}

func msmSetup(n int, g2 bool) func(accel.Backend) (func() error, float64, error) {
	return func(b accel.Backend) (func() error, float64, error) {
		m, err := msm.New(b)
		if err != nil {
			return nil, 0, err
		}
		in := msmInputsFor(n)
		if g2 {
			return func() error { _, err := m.G2(in.p2, in.s); return err }, float64(n), nil
		}
		return func() error { _, err := m.G1(in.p1, in.s); return err }, float64(n), nil
	}
}
