package poseidon2_test

import (
	"errors"
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/cairn-node/cairn/accel"
	"github.com/cairn-node/cairn/accel/poseidon2"
)

// batchSizes cover the empty batch, sizes around the parallel threshold of
// the simd backend and sizes that do not divide evenly among workers.
var batchSizes = []int{0, 1, 2, 3, 17, 63, 64, 127, 128, 129, 1000, 1031}

// edgeValues are field elements at the ends of the range and at limb
// boundaries.
func edgeValues(t testing.TB) []accel.Fr {
	t.Helper()
	r := poseidon2.Modulus()
	one := big.NewInt(1)
	var out []accel.Fr
	for _, v := range []*big.Int{
		big.NewInt(0), big.NewInt(1), big.NewInt(2),
		new(big.Int).Lsh(one, 64), new(big.Int).Lsh(one, 128), new(big.Int).Lsh(one, 192), new(big.Int).Lsh(one, 253),
		new(big.Int).Sub(r, one), new(big.Int).Sub(r, big.NewInt(2)), new(big.Int).Sub(r, new(big.Int).Lsh(one, 64)),
	} {
		x, err := poseidon2.FrFromBig(v)
		if err != nil {
			t.Fatalf("FrFromBig(%v) = %v", v, err)
		}
		out = append(out, x)
	}
	return out
}

// randFr returns a uniformly random canonical element.
func randFr(rng *rand.Rand) accel.Fr {
	r := poseidon2.Modulus()
	for {
		var x accel.Fr
		for i := 0; i < 32; i += 8 {
			v := rng.Uint64()
			for j := 0; j < 8; j++ {
				x[i+j] = byte(v >> (8 * j))
			}
		}
		x[31] &= 0x3f // below 2^254, then reject the values >= r
		if poseidon2.ToBig(x).Cmp(r) < 0 {
			return x
		}
	}
}

// randValue mixes random elements with the edge values.
func randValue(rng *rand.Rand, edges []accel.Fr) accel.Fr {
	if rng.IntN(8) == 0 {
		return edges[rng.IntN(len(edges))]
	}
	return randFr(rng)
}

func TestBackendsAgree(t *testing.T) {
	ref := mustNew(t, accel.Go)
	rng := rand.New(rand.NewPCG(1, 2))
	edges := edgeValues(t)
	for _, p := range backends(t) {
		if p.Backend() == accel.Go {
			continue
		}
		for _, n := range batchSizes {
			states := make([][3]accel.Fr, n)
			left := make([]accel.Fr, n)
			right := make([]accel.Fr, n)
			for i := range states {
				states[i] = [3]accel.Fr{randValue(rng, edges), randValue(rng, edges), randValue(rng, edges)}
				left[i], right[i] = randValue(rng, edges), randValue(rng, edges)
			}
			want := append([][3]accel.Fr(nil), states...)
			if err := ref.Permute(want); err != nil {
				t.Fatal(err)
			}
			got := append([][3]accel.Fr(nil), states...)
			if err := p.Permute(got); err != nil {
				t.Fatalf("%s: Permute(%d states) = %v", p.Backend(), n, err)
			}
			for i := range got {
				if got[i] != want[i] {
					t.Fatalf("%s: Permute(%x) = %x, want %x", p.Backend(), states[i], got[i], want[i])
				}
			}

			for _, key := range []uint64{0, 1, 2, 3, 1 << 40} {
				wantC := make([]accel.Fr, n)
				gotC := make([]accel.Fr, n)
				if err := ref.Compress(wantC, left, right, key); err != nil {
					t.Fatal(err)
				}
				if err := p.Compress(gotC, left, right, key); err != nil {
					t.Fatalf("%s: Compress(%d pairs) = %v", p.Backend(), n, err)
				}
				for i := range gotC {
					if gotC[i] != wantC[i] {
						t.Fatalf("%s: Compress(%x, %x, %d) = %x, want %x", p.Backend(), left[i], right[i], key, gotC[i], wantC[i])
					}
					// The compression is the first element of the permutation.
					st := [][3]accel.Fr{{left[i], right[i], poseidon2.FrFromUint64(key)}}
					if err := ref.Permute(st); err != nil {
						t.Fatal(err)
					}
					if st[0][0] != wantC[i] {
						t.Fatalf("go: Compress(%x, %x, %d) = %x, want Permute(...)[0] = %x", left[i], right[i], key, wantC[i], st[0][0])
					}
				}
			}

			if n > 300 {
				continue // the sponge is sequential; long inputs add nothing
			}
			wantS, err := ref.Sponge(left)
			if err != nil {
				t.Fatal(err)
			}
			gotS, err := p.Sponge(left)
			if err != nil {
				t.Fatalf("%s: Sponge(%d elements) = %v", p.Backend(), n, err)
			}
			if gotS != wantS {
				t.Errorf("%s: Sponge(%d elements) = %x, want %x", p.Backend(), n, gotS, wantS)
			}
		}
	}
}

// TestBackendsAgreeOnEdges permutes every triple of edge values (0, 1,
// r-1, limb boundaries) and compresses every pair of them.
func TestBackendsAgreeOnEdges(t *testing.T) {
	ref := mustNew(t, accel.Go)
	edges := edgeValues(t)
	var states [][3]accel.Fr
	var left, right []accel.Fr
	for _, a := range edges {
		for _, b := range edges {
			left, right = append(left, a), append(right, b)
			for _, c := range edges {
				states = append(states, [3]accel.Fr{a, b, c})
			}
		}
	}
	want := append([][3]accel.Fr(nil), states...)
	if err := ref.Permute(want); err != nil {
		t.Fatal(err)
	}
	wantC := make([]accel.Fr, len(left))
	if err := ref.Compress(wantC, left, right, poseidon2.KeyOdd); err != nil {
		t.Fatal(err)
	}
	for _, p := range backends(t) {
		got := append([][3]accel.Fr(nil), states...)
		if err := p.Permute(got); err != nil {
			t.Fatal(err)
		}
		for i := range got {
			if got[i] != want[i] {
				t.Errorf("%s: Permute(%x) = %x, want %x", p.Backend(), states[i], got[i], want[i])
			}
		}
		gotC := make([]accel.Fr, len(left))
		if err := p.Compress(gotC, left, right, poseidon2.KeyOdd); err != nil {
			t.Fatal(err)
		}
		for i := range gotC {
			if gotC[i] != wantC[i] {
				t.Errorf("%s: Compress(%x, %x, 2) = %x, want %x", p.Backend(), left[i], right[i], gotC[i], wantC[i])
			}
		}
	}
}

// TestCompressAliasing checks that out may be the left or right slice.
func TestCompressAliasing(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	const n = 300
	left := make([]accel.Fr, n)
	right := make([]accel.Fr, n)
	for i := range left {
		left[i], right[i] = randFr(rng), randFr(rng)
	}
	for _, p := range backends(t) {
		want := make([]accel.Fr, n)
		if err := p.Compress(want, left, right, 1); err != nil {
			t.Fatal(err)
		}
		l := append([]accel.Fr(nil), left...)
		if err := p.Compress(l, l, right, 1); err != nil {
			t.Fatal(err)
		}
		r := append([]accel.Fr(nil), right...)
		if err := p.Compress(r, left, r, 1); err != nil {
			t.Fatal(err)
		}
		for i := range want {
			if l[i] != want[i] || r[i] != want[i] {
				t.Fatalf("%s: Compress with out aliasing an input differs at %d", p.Backend(), i)
			}
		}
	}
}

// nonCanonical returns values that are not field elements: r, r+1, 2^256-1
// and a value above r in the top byte only.
func nonCanonical() []accel.Fr {
	r := poseidon2.Modulus()
	put := func(v *big.Int) accel.Fr {
		var be [32]byte
		v.FillBytes(be[:])
		var x accel.Fr
		for i := range be {
			x[i] = be[31-i]
		}
		return x
	}
	all := accel.Fr{}
	for i := range all {
		all[i] = 0xff
	}
	top := accel.Fr{}
	top[31] = 0x40
	return []accel.Fr{put(r), put(new(big.Int).Add(r, big.NewInt(1))), all, top}
}

func TestInvalidElements(t *testing.T) {
	for _, p := range backends(t) {
		for _, bad := range nonCanonical() {
			good := poseidon2.FrFromUint64(7)
			for pos := 0; pos < 3; pos++ {
				states := make([][3]accel.Fr, 200)
				states[150][pos] = bad
				before := append([][3]accel.Fr(nil), states...)
				err := p.Permute(states)
				if !errors.Is(err, accel.ErrInvalidElement) {
					t.Errorf("%s: Permute(state with %x at %d) = %v, want %v", p.Backend(), bad, pos, err, accel.ErrInvalidElement)
				}
				for i := range states {
					if states[i] != before[i] {
						t.Fatalf("%s: Permute with an invalid element changed state %d", p.Backend(), i)
					}
				}
			}
			out := make([]accel.Fr, 200)
			ok := make([]accel.Fr, 200)
			withBad := make([]accel.Fr, 200)
			withBad[199] = bad
			if err := p.Compress(out, withBad, ok, 0); !errors.Is(err, accel.ErrInvalidElement) {
				t.Errorf("%s: Compress(left with %x) = %v, want %v", p.Backend(), bad, err, accel.ErrInvalidElement)
			}
			if err := p.Compress(out, ok, withBad, 0); !errors.Is(err, accel.ErrInvalidElement) {
				t.Errorf("%s: Compress(right with %x) = %v, want %v", p.Backend(), bad, err, accel.ErrInvalidElement)
			}
			for _, in := range [][]accel.Fr{{bad}, {good, bad}, {good, good, bad}} {
				if _, err := p.Sponge(in); !errors.Is(err, accel.ErrInvalidElement) {
					t.Errorf("%s: Sponge(%x) = %v, want %v", p.Backend(), in, err, accel.ErrInvalidElement)
				}
			}
		}
	}
}

func TestCompressLengths(t *testing.T) {
	for _, p := range backends(t) {
		for _, c := range []struct{ out, left, right int }{{1, 2, 2}, {2, 1, 2}, {2, 2, 1}, {0, 1, 0}} {
			err := p.Compress(make([]accel.Fr, c.out), make([]accel.Fr, c.left), make([]accel.Fr, c.right), 0)
			if !errors.Is(err, accel.ErrInvalidParams) {
				t.Errorf("%s: Compress(lengths %d, %d, %d) = %v, want %v", p.Backend(), c.out, c.left, c.right, err, accel.ErrInvalidParams)
			}
		}
	}
}

func TestNew(t *testing.T) {
	for _, b := range []accel.Backend{accel.Go, accel.SIMD} {
		p := mustNew(t, b)
		if p.Backend() != b {
			t.Errorf("New(%s).Backend() = %s, want %s", b, p.Backend(), b)
		}
		if err := poseidon2.Available(b); err != nil {
			t.Errorf("Available(%s) = %v, want nil", b, err)
		}
	}
	for _, b := range []accel.Backend{"", "cuda", "GO"} {
		if _, err := poseidon2.New(b); !errors.Is(err, accel.ErrUnknownBackend) {
			t.Errorf("New(%q) = %v, want %v", b, err, accel.ErrUnknownBackend)
		}
		if err := poseidon2.Available(b); !errors.Is(err, accel.ErrUnknownBackend) {
			t.Errorf("Available(%q) = %v, want %v", b, err, accel.ErrUnknownBackend)
		}
	}
	p, err := poseidon2.New(accel.Icicle)
	switch {
	case err == nil:
		if p.Backend() != accel.Icicle {
			t.Errorf("New(icicle).Backend() = %s, want icicle", p.Backend())
		}
	case !errors.Is(err, accel.ErrUnavailable):
		t.Errorf("New(icicle) = %v, want nil or %v", err, accel.ErrUnavailable)
	}
	if got := poseidon2.Available(accel.Icicle); (got == nil) != (err == nil) {
		t.Errorf("Available(icicle) = %v, want it to agree with New(icicle) = %v", got, err)
	}
}
