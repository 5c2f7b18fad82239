package proofs_test

import (
	"errors"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/cairn-node/cairn/accel"
	"github.com/cairn-node/cairn/accel/msm"
	"github.com/cairn-node/cairn/accel/ntt"
	"github.com/cairn-node/cairn/node/storage/proofs"
	"github.com/cairn-node/cairn/node/storage/proofs/circuit"
	"github.com/cairn-node/cairn/node/storage/proofs/internal/accelprove"
	"github.com/cairn-node/cairn/node/storage/proofs/internal/prooftest"
)

// benchSizes are the N benchmarked; CAIRN_PROOFS_N100=1 adds N = 100 to
// BenchmarkProve (a setup of several minutes and a 268 MB key).
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

// proveRoute is one way to prove: gnark's prover, or Prove with its kernels
// forced to backends.
type proveRoute struct {
	name  string
	prove func(*proofs.Keys, *circuit.Witness) (*proofs.Proof, error)
}

// proveRoutes returns gnark's prover, Prove on the go kernels, and where
// icicle is built in, Prove with the NTTs on icicle and with both NTTs and
// MSMs on icicle.
func proveRoutes(tb testing.TB) []proveRoute {
	kernels := func(mb, nb accel.Backend) ([]accelprove.Option, error) {
		m, errM := msm.New(mb)
		k, errN := ntt.New(nb)
		if err := errors.Join(errM, errN); err != nil {
			return nil, err
		}
		return []accelprove.Option{accelprove.WithMSM(m), accelprove.WithNTT(k)}, nil
	}
	routes := []proveRoute{{"gnark", (*proofs.Keys).ProveGnark}}
	for _, r := range []struct {
		name   string
		mb, nb accel.Backend
	}{{"go", accel.Go, accel.Go}, {"icicle-ntt", accel.Go, accel.Icicle}, {"icicle", accel.Icicle, accel.Icicle}} {
		opts, err := kernels(r.mb, r.nb)
		if err != nil {
			tb.Logf("route %s skipped: %v", r.name, err)
			continue
		}
		routes = append(routes, proveRoute{r.name, func(k *proofs.Keys, w *circuit.Witness) (*proofs.Proof, error) {
			return k.ProveAccel(w, opts...)
		}})
	}
	return routes
}

// BenchmarkProveRoutes compares the provers: each iteration proves the
// fixture once on every route of proveRoutes, one after the other, so that
// a shared machine's load slows all routes alike; it reports the mean wall
// time of each route (<route>-ms/op) and ns/op for all together:
//
//	go test -run '^$' -bench ProveRoutes -benchtime 3x ./node/storage/proofs/
//
// (with -tags icicle after `make icicle` for the icicle routes).
func BenchmarkProveRoutes(b *testing.B) {
	for _, n := range []int{1, 5} {
		b.Run(fmt.Sprintf("N=%d", n), func(b *testing.B) {
			k, w := keysFor(b, n), fixture(b, n)
			routes := proveRoutes(b)
			spent := make([]time.Duration, len(routes))
			for b.Loop() {
				for i, r := range routes {
					start := time.Now()
					if _, err := r.prove(k, w); err != nil {
						b.Fatalf("%s: %v", r.name, err)
					}
					spent[i] += time.Since(start)
				}
			}
			for i, r := range routes {
				b.ReportMetric(float64(spent[i].Microseconds())/1e3/float64(b.N), r.name+"-ms/op")
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
