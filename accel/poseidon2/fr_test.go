package poseidon2_test

import (
	"bytes"
	"errors"
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/cairn-node/cairn/accel"
	"github.com/cairn-node/cairn/accel/poseidon2"
)

func TestModulus(t *testing.T) {
	want := "21888242871839275222246405745257275088548364400416034343698204186575808495617"
	if got := poseidon2.Modulus().String(); got != want {
		t.Errorf("Modulus() = %s, want %s", got, want)
	}
	m := poseidon2.Modulus()
	m.SetInt64(0)
	if got := poseidon2.Modulus().String(); got != want {
		t.Errorf("Modulus() after changing a returned copy = %s, want %s", got, want)
	}
}

func TestFrConversions(t *testing.T) {
	for _, v := range []uint64{0, 1, 0x1122334455667788, ^uint64(0)} {
		x := poseidon2.FrFromUint64(v)
		if got := poseidon2.ToBig(x); !got.IsUint64() || got.Uint64() != v {
			t.Errorf("ToBig(FrFromUint64(%d)) = %v, want %d", v, got, v)
		}
		if x[0] != byte(v) {
			t.Errorf("FrFromUint64(%#x)[0] = %#x, want %#x (little-endian)", v, x[0], byte(v))
		}
		y, err := poseidon2.FrFromBig(new(big.Int).SetUint64(v))
		if err != nil || y != x {
			t.Errorf("FrFromBig(%d) = %x, %v, want %x, nil", v, y, err, x)
		}
	}

	r := poseidon2.Modulus()
	rMinus1 := new(big.Int).Sub(r, big.NewInt(1))
	x, err := poseidon2.FrFromBig(rMinus1)
	if err != nil {
		t.Fatalf("FrFromBig(r-1) = %v, want nil", err)
	}
	if got := poseidon2.ToBig(x); got.Cmp(rMinus1) != 0 {
		t.Errorf("ToBig(FrFromBig(r-1)) = %v, want %v", got, rMinus1)
	}
	if err := poseidon2.CheckCanonical(x); err != nil {
		t.Errorf("CheckCanonical(r-1) = %v, want nil", err)
	}
	// r-1 = 0x30644e72…f0000000, little-endian bytes.
	if x[0] != 0x00 || x[3] != 0xf0 || x[31] != 0x30 {
		t.Errorf("FrFromBig(r-1) = %x, want little-endian 00 00 00 f0 … 30", x)
	}

	for _, v := range []*big.Int{nil, big.NewInt(-1), r, new(big.Int).Add(r, big.NewInt(1)), new(big.Int).Lsh(big.NewInt(1), 256)} {
		if _, err := poseidon2.FrFromBig(v); !errors.Is(err, accel.ErrInvalidElement) {
			t.Errorf("FrFromBig(%v) = %v, want %v", v, err, accel.ErrInvalidElement)
		}
	}
	for _, bad := range nonCanonical() {
		if err := poseidon2.CheckCanonical(bad); !errors.Is(err, accel.ErrInvalidElement) {
			t.Errorf("CheckCanonical(%x) = %v, want %v", bad, err, accel.ErrInvalidElement)
		}
	}
}

func TestBytesToElements(t *testing.T) {
	seq := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(i + 1)
		}
		return b
	}
	chunk := func(b ...byte) accel.Fr {
		var x accel.Fr
		copy(x[:], b)
		return x
	}
	tests := []struct {
		name string
		in   []byte
		want []accel.Fr
	}{
		{"empty", nil, []accel.Fr{chunk(1)}},
		{"one byte", []byte{0xaa}, []accel.Fr{chunk(0xaa, 1)}},
		{"trailing zero", []byte{0xaa, 0}, []accel.Fr{chunk(0xaa, 0, 1)}},
		{"30 bytes", seq(30), []accel.Fr{chunk(append(seq(30), 1)...)}},
		{"31 bytes", seq(31), []accel.Fr{chunk(seq(31)...), chunk(1)}},
		{"62 bytes", seq(62), []accel.Fr{chunk(seq(31)...), chunk(seq(62)[31:]...), chunk(1)}},
		{"80 bytes", seq(80), []accel.Fr{chunk(seq(31)...), chunk(seq(62)[31:]...), chunk(append(seq(80)[62:], 1)...)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := poseidon2.BytesToElements(nil, tc.in)
			if len(got) != len(tc.want) {
				t.Fatalf("BytesToElements(%x) = %d elements, want %d", tc.in, len(got), len(tc.want))
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Errorf("BytesToElements(%x)[%d] = %x, want %x", tc.in, i, got[i], tc.want[i])
				}
			}
			if n := poseidon2.NumElements(len(tc.in)); n != len(got) {
				t.Errorf("NumElements(%d) = %d, want %d", len(tc.in), n, len(got))
			}
		})
	}
	if got := poseidon2.NumElements(2048); got != 67 {
		t.Errorf("NumElements(2048) = %d, want 67", got)
	}
	prefix := []accel.Fr{poseidon2.FrFromUint64(9)}
	if got := poseidon2.BytesToElements(prefix, nil); len(got) != 2 || got[0] != prefix[0] {
		t.Errorf("BytesToElements(prefix, nil) = %x, want prefix then one element", got)
	}
}

// TestHashBytes checks HashBytes against the sponge over BytesToElements,
// as nim-poseidon2 testSponge.nim "sponge with byte array as input" does,
// and that the byte padding separates inputs that differ in trailing zeros.
func TestHashBytes(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, p := range backends(t) {
		for _, n := range []int{0, 1, 30, 31, 32, 61, 62, 80, 2048} {
			data := make([]byte, n)
			for i := range data {
				data[i] = byte(rng.Uint32())
			}
			got, err := poseidon2.HashBytes(p, data)
			if err != nil {
				t.Fatalf("%s: HashBytes(%d bytes) = %v", p.Backend(), n, err)
			}
			want, err := p.Sponge(poseidon2.BytesToElements(nil, data))
			if err != nil {
				t.Fatal(err)
			}
			if got != want {
				t.Errorf("%s: HashBytes(%d bytes) = %x, want Sponge(BytesToElements) = %x", p.Backend(), n, got, want)
			}
			z, err := poseidon2.HashBytes(p, append(bytes.Clone(data), 0))
			if err != nil {
				t.Fatal(err)
			}
			if z == got {
				t.Errorf("%s: HashBytes of %d bytes and of the same with a zero byte appended are equal", p.Backend(), n)
			}
		}
	}
}
