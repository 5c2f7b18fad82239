package acceltest

import (
	"math/rand/v2"
	"testing"

	"github.com/cairn-node/cairn/accel"
	"github.com/cairn-node/cairn/accel/merkle"
	"github.com/cairn-node/cairn/accel/poseidon2"
	"github.com/cairn-node/cairn/accel/sha256x"
)

// merkleSizes covers single leaves, odd layers at every level and a tree
// large enough to take the kernels' parallel paths.
var merkleSizes = []int{1, 2, 3, 4, 5, 7, 8, 9, 31, 33, 100, 1023, 4097}

// RunMerkle checks that trees built over backend b's hash kernels have the
// same roots and proofs as trees built over the Go reference, for SHA-256
// and Poseidon2 (each skipped when b lacks that kernel).
func RunMerkle(t *testing.T, b accel.Backend) {
	t.Helper()
	rng := rand.New(rand.NewPCG(5, 6))
	t.Run("sha256", func(t *testing.T) {
		h, err := sha256x.New(b)
		if err != nil {
			skipUnavailable(t, err)
			t.Fatal(err)
		}
		ref, _ := sha256x.New(accel.Go)
		for _, n := range merkleSizes {
			leaves := make([][32]byte, n)
			for i := range leaves {
				for j := range leaves[i] {
					leaves[i][j] = byte(rng.Uint32())
				}
			}
			compareTrees(t, n, leaves, merkle.SHA256(ref), merkle.SHA256(h))
		}
	})
	t.Run("poseidon2", func(t *testing.T) {
		p, err := poseidon2.New(b)
		if err != nil {
			skipUnavailable(t, err)
			t.Fatal(err)
		}
		ref, err := poseidon2.New(accel.Go)
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range merkleSizes {
			leaves := make([]accel.Fr, n)
			for i := range leaves {
				leaves[i] = poseidon2.FrFromUint64(rng.Uint64())
			}
			compareTrees(t, n, leaves, merkle.Poseidon2(ref), merkle.Poseidon2(p))
		}
	})
}

func compareTrees[D comparable](t *testing.T, n int, leaves []D, ref, c merkle.Compressor[D]) {
	t.Helper()
	want, err := merkle.Build(leaves, ref)
	if err != nil {
		t.Fatalf("Build(%d leaves, go) = %v", n, err)
	}
	got, err := merkle.Build(leaves, c)
	if err != nil {
		t.Fatalf("Build(%d leaves) = %v", n, err)
	}
	if got.Root() != want.Root() {
		t.Fatalf("Build(%d leaves).Root() = %v, go %v", n, got.Root(), want.Root())
	}
	for _, i := range []int{0, n / 2, n - 1} {
		path, err := got.Proof(i)
		if err != nil {
			t.Fatal(err)
		}
		ok, err := merkle.Verify(c, leaves[i], i, n, path, got.Root())
		if !ok || err != nil {
			t.Fatalf("Verify(leaf %d of %d) = %v, %v, want true", i, n, ok, err)
		}
	}
}
