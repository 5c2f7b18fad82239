package ntt_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"

	"github.com/cairn-node/cairn/accel"
	"github.com/cairn-node/cairn/accel/ntt"
)

// benchLogSizes run from the RLN prover's domain (2^13) through the
// storage proofs' (2^15 for N = 1, 2^17 for N = 5, 2^21 for N = 100).
var benchLogSizes = []int{10, 13, 15, 17, 20}

// BenchmarkNTT times one transform per op on every available backend: the
// coset forward transform with bit-reversed input (the prover's most common
// call) on a random vector; elements/s is the throughput of the whole
// process (all cores). The vector is transformed again each op, which is as
// costly as a fresh one.
func BenchmarkNTT(b *testing.B) {
	var ks []ntt.NTT
	for _, bk := range []accel.Backend{accel.Go, accel.Icicle} {
		if k, err := ntt.New(bk); err == nil {
			ks = append(ks, k)
		}
	}
	tr := ntt.Transform{Coset: true, Order: ntt.RN}
	for _, lg := range benchLogSizes {
		n := 1 << lg
		rng := rand.New(rand.NewPCG(uint64(n), 1))
		v := make([]fr.Element, n)
		for i := range v {
			v[i].SetUint64(rng.Uint64())
		}
		for _, k := range ks {
			b.Run(fmt.Sprintf("%s/n=2^%d", k.Backend(), lg), func(b *testing.B) {
				if err := k.Apply(v, tr); err != nil { // warm-up: domain tables
					b.Fatal(err)
				}
				for b.Loop() {
					if err := k.Apply(v, tr); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "elements/s")
			})
		}
	}
}
