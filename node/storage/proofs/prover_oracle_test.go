package proofs_test

import (
	"bytes"
	"fmt"
	"testing"
	"testing/cryptotest"

	"github.com/cairn-node/cairn/node/storage/proofs"
)

// TestProveMatchesGnark proves the upstream fixture with gnark's own prover
// and with Prove under the same fixed crypto/rand: the proofs must be equal
// byte for byte, and verify. Prove runs as routed in production; for N = 1
// it also runs with its kernels forced onto each backend built in
// (proveRoutes: go, and with -tags icicle the icicle CPU device).
//
// N = 5 needs its 87k-constraint setup; -short skips it.
func TestProveMatchesGnark(t *testing.T) {
	for _, n := range []int{1, 5} {
		t.Run(fmt.Sprintf("N=%d", n), func(t *testing.T) {
			if n > 1 && testing.Short() {
				t.Skip("-short: N = 5 needs a Groth16 setup of 87k constraints")
			}
			k, w := keysFor(t, n), fixture(t, n)
			cryptotest.SetGlobalRandom(t, uint64(n))
			ref, err := k.ProveGnark(w)
			if err != nil {
				t.Fatalf("gnark prove(N=%d) = %v", n, err)
			}
			want, err := ref.MarshalBinary()
			if err != nil {
				t.Fatal(err)
			}
			routes := []proveRoute{{"routed", (*proofs.Keys).Prove}}
			if n == 1 {
				routes = append(routes, proveRoutes(t)[1:]...) // [0] is gnark's
			}
			for _, r := range routes {
				cryptotest.SetGlobalRandom(t, uint64(n))
				p, err := r.prove(k, w)
				if err != nil {
					t.Fatalf("%s: Prove(N=%d) = %v", r.name, n, err)
				}
				got, err := p.MarshalBinary()
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, want) {
					t.Errorf("%s: Prove(N=%d) = %x, gnark's prover with the same r, s = %x", r.name, n, got, want)
				}
				if err := k.VerifyingKey().Verify(p, public(w)); err != nil {
					t.Errorf("%s: Verify(Prove(N=%d)) = %v", r.name, n, err)
				}
			}
		})
	}
}
