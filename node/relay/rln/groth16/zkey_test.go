package groth16

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math/big"
	"testing"

	"github.com/consensys/gnark-crypto/ecc/bn254"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr"

	"github.com/cairn-node/cairn/accel/ntt"
	"github.com/cairn-node/cairn/node/relay/rln/circuit"
)

// The RLN v2 (depth 20) circuit's sizes, as `snarkjs zkey info`/r1cs info
// report them and the witness file confirms.
const (
	rlnNVars       = 5844
	rlnNPublic     = 5
	rlnDomainSize  = 8192
	rlnInputsFirst = 5820 // first input constraint = number of r1cs constraints
)

func TestParseZKeyEmbedded(t *testing.T) {
	pk := embeddedKey(t)
	if pk.NVars != rlnNVars || pk.NPublic != rlnNPublic || pk.DomainSize != rlnDomainSize {
		t.Fatalf("ParseZKey: nVars %d nPublic %d domain %d, want %d %d %d",
			pk.NVars, pk.NPublic, pk.DomainSize, rlnNVars, rlnNPublic, rlnDomainSize)
	}
	// snarkjs appends one A coefficient (constraint nCons+s, signal s, value
	// 1) per public signal and the constant; they are the last ones and the
	// highest constraints.
	var maxCons uint32
	for _, c := range pk.Coefficients {
		maxCons = max(maxCons, c.Constraint)
	}
	if want := uint32(rlnInputsFirst + rlnNPublic); maxCons != want {
		t.Errorf("highest coefficient constraint = %d, want %d", maxCons, want)
	}
	tail := pk.Coefficients[len(pk.Coefficients)-rlnNPublic-1:]
	for s, c := range tail {
		want := Coefficient{Matrix: MatrixA, Constraint: uint32(rlnInputsFirst + s), Signal: uint32(s)}
		want.Value.SetOne()
		if c != want {
			t.Errorf("input constraint coefficient %d = %+v, want %+v", s, c, want)
		}
	}
}

// TestZKeyRoundTrip re-encodes the parsed key and compares every section
// with the file: it pins both Montgomery conversions (points ×R, coefficients
// ×R²) and the section layouts.
func TestZKeyRoundTrip(t *testing.T) {
	pk := embeddedKey(t)
	z := fileOf(pk)
	got := z.encodeSections()
	want := sectionsOf(t, circuit.ZKey())
	for sec := 1; sec <= numSections; sec++ {
		if !bytes.Equal(got[sec], want[sec]) {
			t.Errorf("section %d re-encoded differs from the file (%d vs %d bytes)", sec, len(got[sec]), len(want[sec]))
		}
	}
}

// TestOddCosetRoot checks that gnark-crypto's roots of unity are snarkjs's
// (ffjavascript: w[28] = 5^((r-1)/2^28), w[k-1] = w[k]²), which the
// reduction depends on.
func TestOddCosetRoot(t *testing.T) {
	e := new(big.Int).Sub(fr.Modulus(), big.NewInt(1))
	e.Rsh(e, 28)
	var w28 fr.Element
	w28.SetUint64(5)
	w28.Exp(w28, e)
	got, err := fr.Generator(1 << 28)
	if err != nil || !got.Equal(&w28) {
		t.Fatalf("fr.Generator(2^28) = %s, %v; want 5^((r-1)/2^28) = %s", got.String(), err, w28.String())
	}
	pk := embeddedKey(t)
	g := pk.shift
	omega, err := ntt.RootOfUnity(pk.DomainSize)
	if err != nil {
		t.Fatal(err)
	}
	var g2 fr.Element
	g2.Square(&g)
	if !g2.Equal(&omega) {
		t.Errorf("coset shift² = %s, want ω = %s", g2.String(), omega.String())
	}
	var gn fr.Element
	gn.Exp(g, big.NewInt(int64(pk.DomainSize)))
	var minusOne fr.Element
	minusOne.SetOne()
	minusOne.Neg(&minusOne)
	if !gn.Equal(&minusOne) {
		t.Errorf("shift^n = %s, want -1 (odd coset)", gn.String())
	}
}

// tinyZKey is a small well-formed key (points are multiples of the
// generators, not a real setup): 3 variables, 1 public, domain 4.
func tinyZKey() zkeyFile {
	_, _, g1, g2 := bn254.Generators()
	mul1 := func(k int64) bn254.G1Affine {
		var p bn254.G1Affine
		p.ScalarMultiplication(&g1, big.NewInt(k))
		return p
	}
	mul2 := func(k int64) bn254.G2Affine {
		var p bn254.G2Affine
		p.ScalarMultiplication(&g2, big.NewInt(k))
		return p
	}
	var two fr.Element
	two.SetUint64(2)
	return zkeyFile{
		nVars: 3, nPublic: 1, domainSize: 4,
		alpha1: mul1(2), beta1: mul1(3), delta1: mul1(5),
		beta2: mul2(3), gamma2: mul2(7), delta2: mul2(5),
		ic:    []bn254.G1Affine{mul1(11), mul1(13)},
		a:     []bn254.G1Affine{mul1(17), {}, mul1(19)}, // one at infinity
		b1:    []bn254.G1Affine{mul1(23), mul1(29), mul1(31)},
		b2:    []bn254.G2Affine{mul2(23), mul2(29), mul2(31)},
		c:     []bn254.G1Affine{mul1(37)},
		h:     []bn254.G1Affine{mul1(41), mul1(43), mul1(47), mul1(53)},
		coefs: []Coefficient{{MatrixA, 0, 2, two}, {MatrixB, 0, 2, two}, {MatrixA, 1, 0, two}, {MatrixA, 2, 1, two}},
	}
}

func TestParseZKeyTiny(t *testing.T) {
	z := tinyZKey()
	pk, err := ParseZKey(z.encode())
	if err != nil {
		t.Fatalf("ParseZKey(tiny) = %v", err)
	}
	if got := fileOf(pk).encode(); !bytes.Equal(got, z.encode()) {
		t.Errorf("tiny key does not round-trip")
	}
	if len(pk.aNZ.points) != 2 || pk.aNZ.signals[1] != 2 {
		t.Errorf("sparse A = %v, want signals [0 2]", pk.aNZ.signals)
	}
	// Extra sections (snarkjs writes contributions in 10) are ignored, and
	// order does not matter.
	withExtra := container(z.encodeSections(), []int{2, 1, 10, 4, 3, 5, 6, 7, 8, 9})
	if _, err := ParseZKey(withExtra); err != nil {
		t.Errorf("ParseZKey(reordered, with section 10) = %v", err)
	}
}

func TestParseZKeyErrors(t *testing.T) {
	base := tinyZKey()
	u32 := func(b []byte, v uint32) { binary.LittleEndian.PutUint32(b, v) }
	tests := []struct {
		name   string
		mutate func(z *zkeyFile, s *[numSections + 1][]byte) []byte
	}{
		{"empty", func(*zkeyFile, *[numSections + 1][]byte) []byte { return nil }},
		{"bad magic", func(_ *zkeyFile, s *[numSections + 1][]byte) []byte {
			b := container(*s, nil)
			copy(b, "ykez")
			return b
		}},
		{"version 2", func(_ *zkeyFile, s *[numSections + 1][]byte) []byte {
			b := container(*s, nil)
			u32(b[4:], 2)
			return b
		}},
		{"truncated", func(_ *zkeyFile, s *[numSections + 1][]byte) []byte {
			b := container(*s, nil)
			return b[:len(b)-1]
		}},
		{"missing section 9", func(_ *zkeyFile, s *[numSections + 1][]byte) []byte {
			return container(*s, []int{1, 2, 3, 4, 5, 6, 7, 8})
		}},
		{"section 3 twice", func(_ *zkeyFile, s *[numSections + 1][]byte) []byte {
			return container(*s, []int{1, 2, 3, 3, 4, 5, 6, 7, 8, 9})
		}},
		{"plonk protocol", func(_ *zkeyFile, s *[numSections + 1][]byte) []byte {
			s[secHeader] = []byte{2, 0, 0, 0}
			return container(*s, nil)
		}},
		{"other curve q", func(_ *zkeyFile, s *[numSections + 1][]byte) []byte {
			s[secGroth16Header][4] ^= 1
			return container(*s, nil)
		}},
		{"nPublic = nVars", func(z *zkeyFile, _ *[numSections + 1][]byte) []byte {
			z.nPublic = z.nVars
			return z.encode()
		}},
		{"domain not a power of two", func(z *zkeyFile, _ *[numSections + 1][]byte) []byte {
			z.domainSize = 6
			return z.encode()
		}},
		{"IC count", func(z *zkeyFile, _ *[numSections + 1][]byte) []byte {
			z.ic = z.ic[:1]
			return z.encode()
		}},
		{"H count", func(z *zkeyFile, _ *[numSections + 1][]byte) []byte {
			z.h = z.h[:3]
			return z.encode()
		}},
		{"A point off curve", func(_ *zkeyFile, s *[numSections + 1][]byte) []byte {
			s[secA][0] ^= 1
			return container(*s, nil)
		}},
		{"coordinate not below q", func(_ *zkeyFile, s *[numSections + 1][]byte) []byte {
			copy(s[secC][:32], fpModulusLE[:])
			return container(*s, nil)
		}},
		{"B2 point off twist", func(_ *zkeyFile, s *[numSections + 1][]byte) []byte {
			s[secB2][70] ^= 1
			return container(*s, nil)
		}},
		{"G2 point outside subgroup", func(z *zkeyFile, _ *[numSections + 1][]byte) []byte {
			z.delta2 = twistPointOutsideSubgroup(t)
			return z.encode()
		}},
		{"coefficient matrix 2", func(z *zkeyFile, _ *[numSections + 1][]byte) []byte {
			z.coefs[0].Matrix = 2
			return z.encode()
		}},
		{"coefficient signal out of range", func(z *zkeyFile, _ *[numSections + 1][]byte) []byte {
			z.coefs[0].Signal = z.nVars
			return z.encode()
		}},
		{"coefficient constraint out of range", func(z *zkeyFile, _ *[numSections + 1][]byte) []byte {
			z.coefs[0].Constraint = z.domainSize
			return z.encode()
		}},
		{"coefficient count", func(_ *zkeyFile, s *[numSections + 1][]byte) []byte {
			u32(s[secCoefs], 1000)
			return container(*s, nil)
		}},
		{"coefficient not below r", func(_ *zkeyFile, s *[numSections + 1][]byte) []byte {
			copy(s[secCoefs][4+12:], frModulusLE[:])
			return container(*s, nil)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			z := tinyZKey()
			z.coefs = append([]Coefficient(nil), base.coefs...)
			s := z.encodeSections()
			data := tt.mutate(&z, &s)
			pk, err := ParseZKey(data)
			if !errors.Is(err, ErrInvalidZKey) {
				t.Fatalf("ParseZKey(%s) = %v, %v; want an error wrapping ErrInvalidZKey", tt.name, pk, err)
			}
			t.Logf("%s: %v", tt.name, err)
		})
	}
}

// twistPointOutsideSubgroup returns a point on the BN254 twist
// y² = x³ + 3/(9+u) that is not in G2: the twist has a large cofactor, so a
// point found by solving the curve equation almost surely lies outside G2.
func twistPointOutsideSubgroup(t *testing.T) bn254.G2Affine {
	var bTwist, xi bn254.E2
	xi.A0.SetUint64(9)
	xi.A1.SetUint64(1)
	bTwist.Inverse(&xi)
	var three bn254.E2
	three.A0.SetUint64(3)
	bTwist.Mul(&bTwist, &three)
	var p bn254.G2Affine
	for x := uint64(1); x < 1000; x++ {
		p.X.A0.SetUint64(x)
		var y2 bn254.E2
		y2.Square(&p.X).Mul(&y2, &p.X).Add(&y2, &bTwist)
		if y2.Legendre() == 1 {
			p.Y.Sqrt(&y2)
			if p.IsOnCurve() && !p.IsInSubGroup() {
				return p
			}
		}
	}
	t.Fatal("no twist point outside G2 found")
	return p
}

func FuzzParseZKey(f *testing.F) {
	z := tinyZKey()
	f.Add(z.encode())
	f.Add(container(z.encodeSections(), []int{1, 2, 3, 4}))
	f.Fuzz(func(t *testing.T, data []byte) {
		pk, err := ParseZKey(data)
		if err != nil {
			if !errors.Is(err, ErrInvalidZKey) {
				t.Fatalf("ParseZKey error %v does not wrap ErrInvalidZKey", err)
			}
			return
		}
		// A key that parses re-encodes to sections that parse the same.
		again, err := ParseZKey(fileOf(pk).encode())
		if err != nil || again.NVars != pk.NVars || len(again.Coefficients) != len(pk.Coefficients) {
			t.Fatalf("re-encoded key: %v", err)
		}
	})
}
