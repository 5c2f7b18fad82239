package decompress_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/consensys/gnark-crypto/ecc/bn254"
	"github.com/consensys/gnark-crypto/ecc/bn254/fp"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr"

	"github.com/cairn-node/cairn/accel"
	"github.com/cairn-node/cairn/accel/decompress"
)

// backends returns the decompressors that run here: go always, simd
// where the CPU has AVX-512 IFMA.
func backends(t testing.TB) []decompress.Decompressor {
	t.Helper()
	var ds []decompress.Decompressor
	for _, b := range []accel.Backend{accel.Go, accel.SIMD} {
		d, err := decompress.New(b)
		if err != nil {
			if errors.Is(err, accel.ErrUnavailable) {
				t.Logf("%s: %v", b, err)
				continue
			}
			t.Fatal(err)
		}
		ds = append(ds, d)
	}
	return ds
}

// randomPoints returns n points of each group, random multiples of the
// generators, every seventh one at infinity; the rest alternate between
// the two roots (flags 0b10 and 0b11) as random points do.
func randomPoints(n int, seed uint64) ([]bn254.G1Affine, []bn254.G2Affine) {
	rng := rand.New(rand.NewPCG(seed, 3))
	s := make([]fr.Element, n)
	for i := range s {
		if i%7 != 3 {
			s[i].SetUint64(rng.Uint64())
			s[i].Square(&s[i])
		}
	}
	_, _, g1, g2 := bn254.Generators()
	return bn254.BatchScalarMultiplicationG1(&g1, s), bn254.BatchScalarMultiplicationG2(&g2, s)
}

func encodeG1(ps []bn254.G1Affine) []byte {
	var b []byte
	for i := range ps {
		c := ps[i].Bytes()
		b = append(b, c[:]...)
	}
	return b
}

func encodeG2(ps []bn254.G2Affine) []byte {
	var b []byte
	for i := range ps {
		c := ps[i].Bytes()
		b = append(b, c[:]...)
	}
	return b
}

// TestRoundTrip decodes gnark-crypto's encodings of random points (both
// flags, infinity) with every backend, at sizes around the lanes' eight
// and the split over CPUs, and expects the points back.
func TestRoundTrip(t *testing.T) {
	p1, p2 := randomPoints(1000, 1)
	large := 0
	for i := range p1 {
		c := p1[i].Bytes()
		if c[0]&0xc0 == 0xc0 {
			large++
		}
	}
	if large < 300 || large > 700 {
		t.Fatalf("%d of 1000 G1 encodings have the largest flag; the test wants both flags", large)
	}
	for _, d := range backends(t) {
		for _, n := range []int{0, 1, 7, 8, 9, 17, 64, 1000} {
			g1 := make([]bn254.G1Affine, n)
			if err := d.G1(g1, encodeG1(p1[:n])); err != nil {
				t.Fatalf("%s G1 n=%d: %v", d.Backend(), n, err)
			}
			g2 := make([]bn254.G2Affine, n)
			if err := d.G2(g2, encodeG2(p2[:n])); err != nil {
				t.Fatalf("%s G2 n=%d: %v", d.Backend(), n, err)
			}
			for i := range n {
				if g1[i] != p1[i] {
					t.Fatalf("%s G1 n=%d point %d = %v, want %v", d.Backend(), n, i, g1[i], p1[i])
				}
				if g2[i] != p2[i] {
					t.Fatalf("%s G2 n=%d point %d = %v, want %v", d.Backend(), n, i, g2[i], p2[i])
				}
			}
		}
	}
}

// notOnCurveG1 returns an x (below p) with no G1 point: x³ + 3 is not a
// square.
func notOnCurveG1() fp.Element {
	for i := uint64(1); ; i++ {
		var x, r fp.Element
		x.SetUint64(i)
		r.Square(&x).Mul(&r, &x).Add(&r, new(fp.Element).SetUint64(3))
		if r.Legendre() == -1 {
			return x
		}
	}
}

// TestInvalid corrupts one point of a valid run in each way the format
// allows and expects every backend to name that point, wrapping
// ErrInvalidPoint.
func TestInvalid(t *testing.T) {
	const n, bad = 40, 21
	p1, p2 := randomPoints(n, 2)
	if p1[bad].IsInfinity() {
		t.Fatal("the corrupted point must be finite")
	}
	x := notOnCurveG1()
	xb := x.Bytes()
	pb := fp.Modulus().FillBytes(make([]byte, 32))
	g2OffCurve := func(b []byte) {
		// Some x in Fp2 has no point: try x.A0 = 1, 2, ... with x.A1 = 1.
		for i := uint64(1); ; i++ {
			var xx, r bn254.E2
			xx.A0.SetUint64(i)
			xx.A1.SetOne()
			r.Square(&xx).Mul(&r, &xx)
			var bt, tw bn254.E2
			tw.A0.SetUint64(9)
			tw.A1.SetOne()
			bt.Inverse(&tw).MulByElement(&bt, new(fp.Element).SetUint64(3))
			r.Add(&r, &bt)
			if r.Legendre() == -1 {
				a1, a0 := xx.A1.Bytes(), xx.A0.Bytes()
				copy(b, a1[:])
				copy(b[32:], a0[:])
				b[0] |= 0x80
				return
			}
		}
	}
	cases := []struct {
		name  string
		g2    bool
		edit  func(b []byte) // b is the bad point's encoding
		wants string
	}{
		{"uncompressed flag", false, func(b []byte) { b[0] &^= 0xc0 }, "not compressed"},
		{"infinity with bits", false, func(b []byte) { b[0] = 0x40; b[31] = 1 }, "infinity"},
		{"x not below p", false, func(b []byte) { copy(b, pb); b[0] |= 0x80 }, "x"},
		{"x off the curve", false, func(b []byte) { copy(b, xb[:]); b[0] |= 0xc0 }, "not on the curve"},
		{"G2 uncompressed flag", true, func(b []byte) { b[0] &^= 0xc0 }, "not compressed"},
		{"G2 infinity with bits", true, func(b []byte) { clear(b); b[0] = 0x40; b[63] = 1 }, "infinity"},
		{"G2 x.A0 not below p", true, func(b []byte) { copy(b[32:], pb) }, "x.A0"},
		{"G2 x off the curve", true, g2OffCurve, "not on the curve"},
	}
	for _, d := range backends(t) {
		for _, c := range cases {
			var err error
			if c.g2 {
				src := encodeG2(p2)
				c.edit(src[bad*64 : (bad+1)*64])
				err = d.G2(make([]bn254.G2Affine, n), src)
			} else {
				src := encodeG1(p1)
				c.edit(src[bad*32 : (bad+1)*32])
				err = d.G1(make([]bn254.G1Affine, n), src)
			}
			if !errors.Is(err, decompress.ErrInvalidPoint) || !strings.Contains(err.Error(), fmt.Sprintf("point %d:", bad)) || !strings.Contains(err.Error(), c.wants) {
				t.Errorf("%s, %s: %v; want ErrInvalidPoint naming point %d and %q", d.Backend(), c.name, err, bad, c.wants)
			}
		}
		if err := d.G1(make([]bn254.G1Affine, 2), make([]byte, 63)); !errors.Is(err, accel.ErrInvalidParams) {
			t.Errorf("%s: 63 bytes for 2 points: %v, want ErrInvalidParams", d.Backend(), err)
		}
	}
}

// TestRead reads slices written by gnark-crypto's Encoder and expects a
// clear error on a stream cut short, including one whose count promises
// far more points than follow.
func TestRead(t *testing.T) {
	p1, p2 := randomPoints(300, 4)
	var buf bytes.Buffer
	enc := bn254.NewEncoder(&buf)
	if err := enc.Encode(p1); err != nil {
		t.Fatal(err)
	}
	if err := enc.Encode(p2); err != nil {
		t.Fatal(err)
	}
	whole := buf.Bytes()
	for _, d := range backends(t) {
		r := bytes.NewReader(whole)
		g1, err := decompress.ReadG1(r, d, len(whole)/32)
		if err != nil || len(g1) != len(p1) || g1[299] != p1[299] {
			t.Fatalf("%s ReadG1 = %d points, %v", d.Backend(), len(g1), err)
		}
		g2, err := decompress.ReadG2(r, d, len(whole)/64)
		if err != nil || len(g2) != len(p2) || g2[299] != p2[299] {
			t.Fatalf("%s ReadG2 = %d points, %v", d.Backend(), len(g2), err)
		}
		if r.Len() != 0 {
			t.Errorf("%s: %d bytes left", d.Backend(), r.Len())
		}
		for _, cut := range []int{0, 2, 4, 100, 4 + 300*32 - 1} {
			if _, err := decompress.ReadG1(bytes.NewReader(whole[:cut]), d, 1<<20); !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Errorf("%s ReadG1 of %d bytes: %v, want io.ErrUnexpectedEOF", d.Backend(), cut, err)
			}
		}
		huge := []byte{0xff, 0xff, 0xff, 0xff}
		if _, err := decompress.ReadG2(io.MultiReader(bytes.NewReader(huge), bytes.NewReader(whole[4:4+64])), d, len(whole)/64); !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("%s ReadG2 with count 2^32-1 and one point: %v, want io.ErrUnexpectedEOF", d.Backend(), err)
		}
		if _, err := decompress.ReadG1(bytes.NewReader(whole), d, 299); !errors.Is(err, io.ErrUnexpectedEOF) || !strings.Contains(err.Error(), "more than") {
			t.Errorf("%s ReadG1 of 300 points with max 299: %v, want io.ErrUnexpectedEOF", d.Backend(), err)
		}
	}
}

// TestNew checks the backends New knows.
func TestNew(t *testing.T) {
	if _, err := decompress.New(accel.Icicle); !errors.Is(err, accel.ErrUnavailable) {
		t.Errorf("New(icicle) = %v, want ErrUnavailable", err)
	}
	if _, err := decompress.New(accel.Backend("gpu9")); !errors.Is(err, accel.ErrUnknownBackend) {
		t.Errorf("New(gpu9) = %v, want ErrUnknownBackend", err)
	}
	d, err := decompress.ForSize(1 << 20)
	if err != nil {
		t.Fatal(err)
	}
	want := accel.Go
	if decompress.Available(accel.SIMD) == nil {
		want = accel.SIMD
	}
	if d.Backend() != want {
		t.Errorf("ForSize(2^20) picked %s, want %s", d.Backend(), want)
	}
}
