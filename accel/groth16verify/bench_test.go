package groth16verify_test

import (
	"fmt"
	"testing"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"

	"github.com/cairn-node/cairn/accel"
	"github.com/cairn-node/cairn/accel/groth16verify"
)

// BenchmarkVerify measures one RLN proof per op.
func BenchmarkVerify(b *testing.B) {
	vk := rlnKey(b)
	c := rlnCases(b)[0]
	v, err := groth16verify.New(accel.Go)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if ok, err := v.Verify(vk, c.proof, c.public); !ok || err != nil {
			b.Fatalf("Verify = %v, %v", ok, err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "proofs/s")
}

// BenchmarkBatchVerify measures batches of RLN proofs (the three upstream
// valid proofs, cycled), all valid and with one bad proof (one bisection
// path); proofs/s is the throughput of the whole process (all cores).
func BenchmarkBatchVerify(b *testing.B) {
	vk := rlnKey(b)
	cases := rlnCases(b)
	v, err := groth16verify.New(accel.Go)
	if err != nil {
		b.Fatal(err)
	}
	for _, n := range []int{64, 256} {
		for _, bad := range []int{0, 1} {
			proofs := make([]groth16verify.Proof, n)
			publics := make([][]fr.Element, n)
			for i := range proofs {
				proofs[i], publics[i] = cases[i%3].proof, cases[i%3].public
			}
			if bad > 0 {
				proofs[n/3].A.Neg(&proofs[n/3].A)
			}
			b.Run(fmt.Sprintf("n=%d/bad=%d", n, bad), func(b *testing.B) {
				for b.Loop() {
					oks, err := v.BatchVerify(vk, proofs, publics)
					if err != nil || oks[n/3] == (bad > 0) || !oks[0] {
						b.Fatalf("BatchVerify = %v, %v", oks, err)
					}
				}
				b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "proofs/s")
			})
		}
	}
}
