package groth16

import (
	"testing"

	"github.com/consensys/gnark-crypto/ecc/bn254"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr"

	"github.com/cairn-node/cairn/node/relay/rln/circuit"
)

// Benchmarks for the RLN key. Run them alone on a quiet machine:
//
//	go test ./node/relay/rln/groth16 -run '^$' -bench . -count 5
//
// Besides ns/op they report cpu-ms/op, the process CPU time per operation,
// which a loaded machine disturbs much less than wall time: on an idle
// 2-core machine wall time is at best half of it.

// loop runs f b.N times and reports the CPU time per call.
func loop(b *testing.B, f func()) {
	b.Helper()
	start, ok := processCPU()
	for b.Loop() {
		f()
	}
	if end, ok2 := processCPU(); ok && ok2 {
		b.ReportMetric(float64(end-start)/float64(b.N)/1e6, "cpu-ms/op")
	}
}

func BenchmarkParseZKey(b *testing.B) {
	data := circuit.ZKey()
	loop(b, func() {
		if _, err := ParseZKey(data); err != nil {
			b.Fatal(err)
		}
	})
}

// BenchmarkProve is a whole proof from a ready witness.
func BenchmarkProve(b *testing.B) {
	pk := embeddedKey(b)
	w := readWtns(b, witnessFile)
	loop(b, func() {
		if _, err := ProveRandom(pk, w); err != nil {
			b.Fatal(err)
		}
	})
}

// BenchmarkQuotient is the H scalars: evaluations, c = a∘b, 3 iFFT and 3
// coset FFTs.
func BenchmarkQuotient(b *testing.B) {
	pk := embeddedKey(b)
	w := readWtns(b, witnessFile)
	b.Run("evaluations", func(b *testing.B) {
		loop(b, func() { pk.evaluations(w) })
	})
	b.Run("all", func(b *testing.B) {
		loop(b, func() {
			if _, err := pk.quotient(&config{}, w); err != nil {
				b.Fatal(err)
			}
		})
	})
}

// engine returns the router's MSM for n points.
func engine(b *testing.B, cfg *config, n int) MSM {
	b.Helper()
	m, err := cfg.engine(n)
	if err != nil {
		b.Fatal(err)
	}
	return m
}

// BenchmarkMSM times each of Prove's three MSMs alone on the default
// engine, and all three as Prove runs them (concurrently, with the
// quotient).
func BenchmarkMSM(b *testing.B) {
	pk := embeddedKey(b)
	w := readWtns(b, witnessFile)
	cfg, err := newConfig(nil)
	if err != nil {
		b.Fatal(err)
	}
	r := frInt(3)
	kScalars, err := pk.kScalars(&cfg, w, r)
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name    string
		points  []bn254.G1Affine
		scalars []fr.Element
	}{
		{"A", pk.aNZ.points, gather(w, pk.aNZ.signals)},
		{"C+H+B1", pk.kPoints, kScalars},
	} {
		b.Run(c.name, func(b *testing.B) {
			m := engine(b, &cfg, len(c.points))
			loop(b, func() {
				if _, err := m.G1(c.points, c.scalars); err != nil {
					b.Fatal(err)
				}
			})
		})
	}
	b.Run("B2", func(b *testing.B) {
		sc := gather(w, pk.b2NZ.signals)
		m := engine(b, &cfg, len(sc))
		loop(b, func() {
			if _, err := m.G2(pk.b2NZ.points, sc); err != nil {
				b.Fatal(err)
			}
		})
	})
	b.Run("all", func(b *testing.B) {
		loop(b, func() {
			if _, err := pk.msms(&cfg, w, r); err != nil {
				b.Fatal(err)
			}
		})
	})
}
