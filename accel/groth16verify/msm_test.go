package groth16verify_test

import (
	"slices"
	"sync/atomic"
	"testing"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"

	"github.com/cairn-node/cairn/accel"
	"github.com/cairn-node/cairn/accel/groth16verify"
	"github.com/cairn-node/cairn/accel/msm"
)

// TestMSMRouting checks that a batch's Σ rᵢ·Cᵢ goes through accel/msm when
// it has more than InlineMSMPoints points, on every MSM backend available
// in this build (icicle's CPU device with -tags icicle), with the same
// answers, and that small batches and RLN's 6-point input commitment stay
// inline.
func TestMSMRouting(t *testing.T) {
	vk := rlnKey(t)
	cases := rlnCases(t)
	v, err := groth16verify.New(accel.Go)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range []accel.Backend{accel.Go, accel.Icicle} {
		m, err := msm.New(b)
		if err != nil {
			t.Logf("msm backend %s: %v", b, err)
			continue
		}
		t.Run(string(b), func(t *testing.T) {
			var calls, points atomic.Int64
			defer groth16verify.SetMSMRoute(func(n int) (msm.MSM, error) {
				calls.Add(1)
				points.Add(int64(n))
				return m, nil
			})()
			for _, n := range []int{groth16verify.InlineMSMPoints, 3 * groth16verify.InlineMSMPoints} {
				proofs := make([]groth16verify.Proof, n)
				publics := make([][]fr.Element, n)
				want := make([]bool, n)
				for i := range proofs {
					c := cases[i%len(cases)]
					proofs[i], publics[i], want[i] = c.proof, c.public, c.want
				}
				calls.Store(0)
				points.Store(0)
				got, err := v.BatchVerify(vk, proofs, publics)
				if err != nil || !slices.Equal(got, want) {
					t.Fatalf("BatchVerify(%d) with MSMs on %s = %v, %v, want %v", n, b, got, err, want)
				}
				routed := n > groth16verify.InlineMSMPoints
				if (calls.Load() > 0) != routed {
					t.Errorf("BatchVerify(%d): %d routed MSMs (%d points), want routed = %v", n, calls.Load(), points.Load(), routed)
				}
				// The first combined check routes all n C points.
				if routed && points.Load() < int64(n) {
					t.Errorf("BatchVerify(%d): routed MSMs of %d points in all, want at least %d", n, points.Load(), n)
				}
			}
			calls.Store(0)
			if ok, err := v.Verify(vk, cases[0].proof, cases[0].public); !ok || err != nil || calls.Load() != 0 {
				t.Errorf("Verify = %v, %v with %d routed MSMs, want true, nil, 0", ok, err, calls.Load())
			}
		})
	}
}
