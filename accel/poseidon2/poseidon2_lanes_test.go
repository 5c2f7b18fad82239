package poseidon2

import (
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/cairn-node/cairn/accel"
)

// withoutLanes runs f with the simd backend on gnark-crypto's scalar
// arithmetic, as on a CPU without AVX-512 IFMA.
func withoutLanes(t *testing.T, f func()) {
	t.Helper()
	saved := laneKernel
	laneKernel = nil
	defer func() { laneKernel = saved }()
	f()
}

// laneTestValue returns r-1, 0 or a random canonical element: r-1 drives
// the lazy-reduction bounds of the lane kernel to their largest.
func laneTestValue(rng *rand.Rand) accel.Fr {
	switch rng.IntN(4) {
	case 0:
		x, _ := FrFromBig(new(big.Int).Sub(Modulus(), big.NewInt(1)))
		return x
	case 1:
		return accel.Fr{}
	}
	b := make([]byte, 40)
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	x, _ := FrFromBig(new(big.Int).Mod(new(big.Int).SetBytes(b), Modulus()))
	return x
}

// TestLanesMatchGo compares the simd backend, with and without the lane
// kernel, with the Go backend: permutations and compressions of batches
// that are and are not multiples of eight, and lockstep sponges of every
// length from 0 to 70 elements over 1 to 17 messages.
func TestLanesMatchGo(t *testing.T) {
	if laneKernel == nil {
		t.Log("no AVX-512 IFMA here: only the scalar simd path is compared")
	}
	rng := rand.New(rand.NewPCG(7, 11))
	g, s := goBackend{}, simdBackend{}
	run := func(t *testing.T) {
		for _, n := range []int{1, 7, 8, 9, 16, 23} {
			states := make([][3]accel.Fr, n)
			for i := range states {
				states[i] = [3]accel.Fr{laneTestValue(rng), laneTestValue(rng), laneTestValue(rng)}
			}
			want := append([][3]accel.Fr(nil), states...)
			if err := g.Permute(want); err != nil {
				t.Fatal(err)
			}
			if err := s.Permute(states); err != nil {
				t.Fatal(err)
			}
			for i := range states {
				if states[i] != want[i] {
					t.Fatalf("permute batch %d state %d differs from go", n, i)
				}
			}
			left, right := make([]accel.Fr, n), make([]accel.Fr, n)
			for i := range left {
				left[i], right[i] = laneTestValue(rng), laneTestValue(rng)
			}
			for key := range uint64(4) {
				wantC, gotC := make([]accel.Fr, n), make([]accel.Fr, n)
				if err := g.Compress(wantC, left, right, key); err != nil {
					t.Fatal(err)
				}
				if err := s.Compress(gotC, left, right, key); err != nil {
					t.Fatal(err)
				}
				for i := range gotC {
					if gotC[i] != wantC[i] {
						t.Fatalf("compress batch %d key %d pair %d differs from go", n, key, i)
					}
				}
			}
		}
		for length := 0; length <= 70; length++ {
			msgs := make([][]accel.Fr, 1+length%17)
			for i := range msgs {
				msgs[i] = make([]accel.Fr, length)
				for j := range msgs[i] {
					msgs[i][j] = laneTestValue(rng)
				}
			}
			got := make([]accel.Fr, len(msgs))
			if err := SpongeMany(s, got, msgs); err != nil {
				t.Fatal(err)
			}
			for i, m := range msgs {
				want, err := g.Sponge(m)
				if err != nil {
					t.Fatal(err)
				}
				if got[i] != want {
					t.Fatalf("sponge of %d elements, message %d of %d, differs from go", length, i, len(msgs))
				}
			}
		}
	}
	t.Run("lanes", run)
	t.Run("scalar", func(t *testing.T) { withoutLanes(t, func() { run(t) }) })
}
