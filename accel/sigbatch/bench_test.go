package sigbatch_test

import (
	"fmt"
	"testing"

	"github.com/cairn-node/cairn/accel"
	"github.com/cairn-node/cairn/accel/sigbatch"
)

// BenchmarkVerify measures Verify on generated batches, all valid: a batch
// of n (one Verify call) against the same n items verified one per call
// (n calls, each a batch of one: the cost of single verification through
// the kernel). sigs/s counts signatures per second on all cores.
func BenchmarkVerify(b *testing.B) {
	v, err := sigbatch.New(accel.Go)
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		s    sigbatch.Scheme
		n    int
		same bool
	}{
		{sigbatch.Ed25519, 1024, false},
		{sigbatch.BLS12381, 1000, true},
		{sigbatch.BLS12381, 64, false},
		{sigbatch.Secp256k1, 1024, false},
	} {
		items, err := sigbatch.Generate(c.s, c.n, sigbatch.GenerateOptions{SameMessage: c.same})
		if err != nil {
			b.Fatal(err)
		}
		name := fmt.Sprintf("%s/n=%d/same-message=%v", c.s, c.n, c.same)
		b.Run(name+"/batch", func(b *testing.B) {
			for b.Loop() {
				if r, err := v.Verify(items); err != nil || r.Valid != c.n {
					b.Fatalf("Verify = %d valid, %v", r.Valid, err)
				}
			}
			b.ReportMetric(float64(c.n)*float64(b.N)/b.Elapsed().Seconds(), "sigs/s")
		})
		b.Run(name+"/one-by-one", func(b *testing.B) {
			for b.Loop() {
				for i := range items {
					if r, err := v.Verify(items[i : i+1]); err != nil || r.Valid != 1 {
						b.Fatalf("Verify(item %d) = %v", i, err)
					}
				}
			}
			b.ReportMetric(float64(c.n)*float64(b.N)/b.Elapsed().Seconds(), "sigs/s")
		})
	}
}
