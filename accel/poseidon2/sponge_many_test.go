package poseidon2_test

import (
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/cairn-node/cairn/accel"
	"github.com/cairn-node/cairn/accel/poseidon2"
)

// TestSpongeMany checks SpongeMany against Sponge on every backend for
// message lengths 0..9 and 67 (a cell), and its parameter errors.
func TestSpongeMany(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, b := range []accel.Backend{accel.Go, accel.SIMD} {
		p, err := poseidon2.New(b)
		if err != nil {
			t.Logf("%s: %v", b, err)
			continue
		}
		for _, n := range []int{0, 1, 2, 3, 4, 5, 8, 9, 67} {
			msgs := make([][]accel.Fr, 130) // above simd's parallel threshold
			for i := range msgs {
				for range n {
					msgs[i] = append(msgs[i], poseidon2.FrFromUint64(rng.Uint64()))
				}
			}
			out := make([]accel.Fr, len(msgs))
			if err := poseidon2.SpongeMany(p, out, msgs); err != nil {
				t.Fatal(err)
			}
			for i, m := range msgs {
				want, err := p.Sponge(m)
				if err != nil {
					t.Fatal(err)
				}
				if out[i] != want {
					t.Fatalf("%s: SpongeMany(len %d)[%d] = %x, Sponge = %x", b, n, i, out[i], want)
				}
			}
		}
		if err := poseidon2.SpongeMany(p, make([]accel.Fr, 2), [][]accel.Fr{{}, {{}}}); !errors.Is(err, accel.ErrInvalidParams) {
			t.Errorf("%s: SpongeMany(uneven) = %v, want ErrInvalidParams", b, err)
		}
		bad := accel.Fr{}
		for i := range bad {
			bad[i] = 0xff
		}
		if err := poseidon2.SpongeMany(p, make([]accel.Fr, 1), [][]accel.Fr{{bad}}); !errors.Is(err, accel.ErrInvalidElement) {
			t.Errorf("%s: SpongeMany(non-canonical) = %v, want ErrInvalidElement", b, err)
		}
	}
}
