package msm_test

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/consensys/gnark-crypto/ecc/bn254"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr"

	"github.com/cairn-node/cairn/accel"
	"github.com/cairn-node/cairn/accel/msm"
)

// benchSizes are the RLN prover's size class (2^13) and a storage-proof
// sized MSM (2^16).
var benchSizes = []int{1 << 13, 1 << 16}

// benchInput returns n random points a_i·G and n random scalars.
func benchInput(n int) ([]bn254.G1Affine, []bn254.G2Affine, []fr.Element) {
	rng := rand.New(rand.NewPCG(uint64(n), 17))
	rnd := func() fr.Element {
		var b [32]byte
		for i := 0; i < 32; i += 8 {
			binary.LittleEndian.PutUint64(b[i:], rng.Uint64())
		}
		var e fr.Element
		e.SetBytes(b[:])
		return e
	}
	a, s := make([]fr.Element, n), make([]fr.Element, n)
	for i := range a {
		a[i], s[i] = rnd(), rnd()
	}
	_, _, g1, g2 := bn254.Generators()
	return bn254.BatchScalarMultiplicationG1(&g1, a), bn254.BatchScalarMultiplicationG2(&g2, a), s
}

// BenchmarkMSM measures one MSM per op on every available backend; points/s
// is the throughput of the whole process (all cores).
func BenchmarkMSM(b *testing.B) {
	var ms []msm.MSM
	for _, bk := range []accel.Backend{accel.Go, accel.Icicle} {
		if m, err := msm.New(bk); err == nil {
			ms = append(ms, m)
		}
	}
	for _, n := range benchSizes {
		p1, p2, s := benchInput(n)
		for _, m := range ms {
			b.Run(fmt.Sprintf("G1/%s/n=%d", m.Backend(), n), func(b *testing.B) {
				for b.Loop() {
					if _, err := m.G1(p1, s); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "points/s")
			})
			b.Run(fmt.Sprintf("G2/%s/n=%d", m.Backend(), n), func(b *testing.B) {
				for b.Loop() {
					if _, err := m.G2(p2, s); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "points/s")
			})
		}
	}
}
