//go:build icicle && cgo && !icicle_gnark

package poseidon2

import (
	"errors"
	"fmt"
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/ingonyama-zk/icicle/v3/wrappers/golang/core"
	bn254 "github.com/ingonyama-zk/icicle/v3/wrappers/golang/curves/bn254"
	icp2 "github.com/ingonyama-zk/icicle/v3/wrappers/golang/curves/bn254/poseidon2"

	"github.com/cairn-node/cairn/accel"
	"github.com/cairn-node/cairn/accel/internal/icicle"
)

// permutation([0, 1, 2]) with this package's (Logos Storage, older
// HorizenLabs) constants; see TestHorizenLabsKAT.
var icicleKAT = [3]string{
	"0x30610a447b7dec194697fb50786aa7421494bd64c221ba4d3b1af25fb07bd103",
	"0x13f731d6ffbad391be22d2ac364151849e19fa38eced4e761bcd21dbdc600288",
	"0x1433e2c8f68382c447c5c14b8b3df7cbfd9273dd655fe52f1357c27150da786f",
}

// permutation([0, 1, 2]) with HorizenLabs' current constants, the ones icicle
// v3.9.2 compiles in (HorizenLabs poseidon2, plain_implementations/src/poseidon2/
// poseidon2.rs, test kats, after commit bb476b9c).
var icicleHorizenLabsCurrentKAT = [3]string{
	"0x0bb61d24daca55eebcb1929a82650f328134334da98ea4f847f760054f4a3033",
	"0x303b6f7c86d043bfcbcc80214f26a30277a15d3f74ca654992defe7ff8d03570",
	"0x1ed25194542b12eef8617361c3ba7c52e660b145994427cc86296242cf766ec8",
}

func icicleTestBackend(tb testing.TB) accel.Poseidon2 {
	tb.Helper()
	p, err := newIcicle()
	if err != nil {
		tb.Skipf("icicle unavailable: %v", err)
	}
	tb.Logf("icicle device %s", icicle.DeviceName())
	return p
}

func icicleFr(v uint64) (x accel.Fr) {
	for i := range 8 {
		x[i] = byte(v >> (8 * i))
	}
	return x
}

func icicleRandFr(r *rand.ChaCha8) accel.Fr {
	var x accel.Fr
	for {
		r.Read(x[:])
		x[31] &= 0x3f
		if icicleCanonical(&x) {
			return x
		}
	}
}

func TestIcicleKAT(t *testing.T) {
	p := icicleTestBackend(t)
	states := [][3]accel.Fr{{icicleFr(0), icicleFr(1), icicleFr(2)}}
	if err := p.Permute(states); err != nil {
		t.Fatal(err)
	}
	for j := range 3 {
		if want := icicleHex(icicleKAT[j]); states[0][j] != want {
			t.Errorf("Permute([0,1,2])[%d] = %x, want %x", j, states[0][j], want)
		}
	}
}

// TestIcicleHasherIsNotOurs pins the findings that made this backend use
// programs: icicle's own Poseidon2 hasher (t=3, no domain tag) uses
// HorizenLabs' current constants, not the Logos Storage ones, and outputs
// element 1 of the state.
func TestIcicleHasherIsNotOurs(t *testing.T) {
	icicleTestBackend(t)
	h, code := icp2.NewHasher(3, nil)
	if err := icicle.Error("NewHasher", code); err != nil {
		t.Fatal(err)
	}
	defer h.Delete()
	in := make([]bn254.ScalarField, 3)
	for i := range in {
		in[i].FromUint32(uint32(i))
	}
	out := make([]bn254.ScalarField, 1)
	if err := icicle.Error("Hash", h.Hash(core.HostSliceFromElements(in), core.HostSliceFromElements(out), core.GetDefaultHashConfig())); err != nil {
		t.Fatal(err)
	}
	b := out[0].ToBytesLittleEndian()
	var got accel.Fr
	copy(got[:], b)
	if want := icicleHex(icicleHorizenLabsCurrentKAT[1]); got != want {
		t.Errorf("icicle Poseidon2 hasher([0,1,2]) = %x, want current-HorizenLabs permutation[1] = %x", got, want)
	}
	if got == icicleHex(icicleKAT[0]) {
		t.Errorf("icicle hasher now gives the Logos Storage permutation[0]: Compress could use it directly")
	}
}

func TestIciclePermuteMatchesReference(t *testing.T) {
	p := icicleTestBackend(t)
	r := rand.NewChaCha8([32]byte{1})
	for _, n := range []int{0, 1, 2, 63, 64, 65, 1000} {
		states := make([][3]accel.Fr, n)
		for i := range states {
			for j := range 3 {
				states[i][j] = icicleRandFr(r)
			}
		}
		want := make([][3]accel.Fr, n)
		for i, s := range states {
			want[i] = icicleRefPermute(s)
		}
		if err := p.Permute(states); err != nil {
			t.Fatal(err)
		}
		for i := range states {
			if states[i] != want[i] {
				t.Fatalf("n=%d: Permute state %d = %x, want %x", n, i, states[i], want[i])
			}
		}
	}
}

func TestIcicleCompress(t *testing.T) {
	p := icicleTestBackend(t)
	r := rand.NewChaCha8([32]byte{2})
	for _, n := range []int{0, 1, 63, 64, 65, 513} {
		for _, key := range []uint64{0, 1, 2, 3, 1<<64 - 1} {
			left, right, out := make([]accel.Fr, n), make([]accel.Fr, n), make([]accel.Fr, n)
			for i := range left {
				left[i], right[i] = icicleRandFr(r), icicleRandFr(r)
			}
			if err := p.Compress(out, left, right, key); err != nil {
				t.Fatal(err)
			}
			for i := range out {
				want := icicleRefPermute([3]accel.Fr{left[i], right[i], icicleFr(key)})[0]
				if out[i] != want {
					t.Fatalf("n=%d key=%d: Compress[%d] = %x, want %x", n, key, i, out[i], want)
				}
			}
		}
	}
}

func TestIcicleSponge(t *testing.T) {
	p := icicleTestBackend(t)
	r := rand.NewChaCha8([32]byte{3})
	for n := range 6 {
		elems := make([]accel.Fr, n)
		for i := range elems {
			elems[i] = icicleRandFr(r)
		}
		got, err := p.Sponge(elems)
		if err != nil {
			t.Fatal(err)
		}
		if want := icicleRefSponge(elems); got != want {
			t.Errorf("Sponge(%d elements) = %x, want %x", n, got, want)
		}
	}
}

// TestIcicleMatchesGoBackend checks the icicle backend byte for byte against
// the package's pure-Go reference.
func TestIcicleMatchesGoBackend(t *testing.T) {
	p := icicleTestBackend(t)
	ref, err := New(accel.Go)
	if err != nil {
		t.Fatal(err)
	}
	r := rand.NewChaCha8([32]byte{5})
	for _, n := range []int{1, 3, 64, 129, 2048} {
		left, right := make([]accel.Fr, n), make([]accel.Fr, n)
		states := make([][3]accel.Fr, n)
		for i := range left {
			left[i], right[i] = icicleRandFr(r), icicleRandFr(r)
			states[i] = [3]accel.Fr{left[i], right[i], icicleRandFr(r)}
		}
		for _, key := range []uint64{KeyNone, KeyBottomLayer, KeyOdd, KeyOddAndBottomLayer} {
			got, want := make([]accel.Fr, n), make([]accel.Fr, n)
			if err := p.Compress(got, left, right, key); err != nil {
				t.Fatal(err)
			}
			if err := ref.Compress(want, left, right, key); err != nil {
				t.Fatal(err)
			}
			for i := range got {
				if got[i] != want[i] {
					t.Fatalf("n=%d key=%d: icicle Compress[%d] = %x, Go = %x", n, key, i, got[i], want[i])
				}
			}
		}
		got := append([][3]accel.Fr(nil), states...)
		if err := p.Permute(got); err != nil {
			t.Fatal(err)
		}
		if err := ref.Permute(states); err != nil {
			t.Fatal(err)
		}
		for i := range got {
			if got[i] != states[i] {
				t.Fatalf("n=%d: icicle Permute[%d] = %x, Go = %x", n, i, got[i], states[i])
			}
		}
		if n <= 129 {
			gs, err := p.Sponge(left)
			if err != nil {
				t.Fatal(err)
			}
			ws, err := ref.Sponge(left)
			if err != nil {
				t.Fatal(err)
			}
			if gs != ws {
				t.Fatalf("n=%d: icicle Sponge = %x, Go = %x", n, gs, ws)
			}
		}
	}
}

func TestIcicleRejectsNonCanonical(t *testing.T) {
	p := icicleTestBackend(t)
	bad := icicleModulus
	out := make([]accel.Fr, 1)
	if err := p.Compress(out, []accel.Fr{bad}, []accel.Fr{{}}, 0); !errors.Is(err, accel.ErrInvalidElement) {
		t.Errorf("Compress(r, 0) error = %v, want ErrInvalidElement", err)
	}
	if err := p.Permute([][3]accel.Fr{{{}, bad, {}}}); !errors.Is(err, accel.ErrInvalidElement) {
		t.Errorf("Permute error = %v, want ErrInvalidElement", err)
	}
	if _, err := p.Sponge([]accel.Fr{bad}); !errors.Is(err, accel.ErrInvalidElement) {
		t.Errorf("Sponge error = %v, want ErrInvalidElement", err)
	}
	if err := p.Compress(out, nil, nil, 0); !errors.Is(err, accel.ErrInvalidParams) {
		t.Errorf("Compress with unequal lengths error = %v, want ErrInvalidParams", err)
	}
}

func BenchmarkIcicleCompress(b *testing.B) {
	p := icicleTestBackend(b)
	r := rand.NewChaCha8([32]byte{4})
	for _, n := range []int{1, 16, 256, 4096, 65536} {
		left, right, out := make([]accel.Fr, n), make([]accel.Fr, n), make([]accel.Fr, n)
		for i := range left {
			left[i], right[i] = icicleRandFr(r), icicleRandFr(r)
		}
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			for b.Loop() {
				if err := p.Compress(out, left, right, 0); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "hashes/s")
		})
	}
}

// A slow, independent math/big model of the HorizenLabs permutation, so this
// test does not depend on the Go backend being present.

var icicleR, _ = new(big.Int).SetString("21888242871839275222246405745257275088548364400416034343698204186575808495617", 10)

func icicleToBig(x accel.Fr) *big.Int {
	var be [32]byte
	for i := range x {
		be[31-i] = x[i]
	}
	return new(big.Int).SetBytes(be[:])
}

func icicleFromBig(v *big.Int) (x accel.Fr) {
	be := v.FillBytes(make([]byte, 32))
	for i := range x {
		x[i] = be[31-i]
	}
	return x
}

func icicleRefPermute(in [3]accel.Fr) [3]accel.Fr {
	var s [3]*big.Int
	for i := range s {
		s[i] = icicleToBig(in[i])
	}
	mod := func(v *big.Int) *big.Int { return v.Mod(v, icicleR) }
	pow5 := func(v *big.Int) *big.Int { return new(big.Int).Exp(v, big.NewInt(5), icicleR) }
	ext := func() {
		sum := mod(new(big.Int).Add(new(big.Int).Add(s[0], s[1]), s[2]))
		for i := range s {
			s[i] = mod(new(big.Int).Add(s[i], sum))
		}
	}
	full := func(r int) {
		for i := range s {
			s[i] = pow5(mod(new(big.Int).Add(s[i], icicleToBig(icicleHex(externalRoundConstantsHex[r*width+i])))))
		}
		ext()
	}
	ext()
	for r := range nFullRounds / 2 {
		full(r)
	}
	for _, rc := range internalRoundConstantsHex {
		s[0] = pow5(mod(new(big.Int).Add(s[0], icicleToBig(icicleHex(rc)))))
		sum := mod(new(big.Int).Add(new(big.Int).Add(s[0], s[1]), s[2]))
		s[0] = mod(new(big.Int).Add(sum, s[0]))
		s[1] = mod(new(big.Int).Add(sum, s[1]))
		s[2] = mod(new(big.Int).Add(sum, new(big.Int).Lsh(s[2], 1)))
	}
	for r := nFullRounds / 2; r < nFullRounds; r++ {
		full(r)
	}
	return [3]accel.Fr{icicleFromBig(s[0]), icicleFromBig(s[1]), icicleFromBig(s[2])}
}

func icicleRefSponge(elems []accel.Fr) accel.Fr {
	iv := new(big.Int).Add(new(big.Int).Lsh(big.NewInt(1), 64), big.NewInt(0x0302))
	s := [3]accel.Fr{{}, {}, icicleFromBig(iv)}
	in := append(append([]accel.Fr{}, elems...), icicleFr(1))
	if len(in)%2 == 1 {
		in = append(in, accel.Fr{})
	}
	add := func(a, b accel.Fr) accel.Fr {
		v := new(big.Int).Add(icicleToBig(a), icicleToBig(b))
		return icicleFromBig(v.Mod(v, icicleR))
	}
	for i := 0; i < len(in); i += 2 {
		s[0], s[1] = add(s[0], in[i]), add(s[1], in[i+1])
		s = icicleRefPermute(s)
	}
	return s[0]
}
