package proofs_test

import (
	"fmt"
	"os"
	"testing"

	"github.com/cairn-node/cairn/node/storage/proofs/circuit"
	"github.com/cairn-node/cairn/node/storage/proofs/internal/prooftest"
)

// benchSizes are the N benchmarked; CAIRN_PROOFS_N100=1 adds N = 100 to
// BenchmarkProve (a setup of several minutes and a ~340 MB key).
func benchSizes() []int {
	if os.Getenv("CAIRN_PROOFS_N100") != "" {
		return []int{1, 5, 100}
	}
	return []int{1, 5}
}

// BenchmarkProve and BenchmarkVerify set up each N once per run (N = 5
// takes tens of seconds on 2 cores), then time the prover and verifier on
// the upstream fixture: go test -run '^$' -bench . ./node/storage/proofs/
func BenchmarkProve(b *testing.B) {
	for _, n := range benchSizes() {
		b.Run(fmt.Sprintf("N=%d", n), func(b *testing.B) {
			k := keysFor(b, n)
			w := benchWitness(b, n)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := k.Prove(w); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// benchWitness is the upstream fixture for n ≤ 5, else a synthetic slot of
// 1024 cells (the fixture has 5 samples only).
func benchWitness(b *testing.B, n int) *circuit.Witness {
	if n <= 5 {
		return fixture(b, n)
	}
	w, err := prooftest.Witness(prooftest.Slot{NSlots: 11, SlotIndex: 3, NCells: 1024, Seed: 1}, n)
	if err != nil {
		b.Fatal(err)
	}
	return w
}

func BenchmarkVerify(b *testing.B) {
	for _, n := range []int{1, 5} {
		b.Run(fmt.Sprintf("N=%d", n), func(b *testing.B) {
			k := keysFor(b, n)
			w := fixture(b, n)
			p, err := k.Prove(w)
			if err != nil {
				b.Fatal(err)
			}
			vk, pub := k.VerifyingKey(), public(w)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if err := vk.Verify(p, pub); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
