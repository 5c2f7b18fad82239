package groth16

import (
	"errors"
	"fmt"
	"math/bits"

	"github.com/consensys/gnark-crypto/ecc/bn254"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
)

// ErrInvalidZKey reports a proving key that is not a well-formed snarkjs
// Groth16 BN254 .zkey: bad magic or version, a missing, repeated, short or
// long section, another protocol or curve, inconsistent sizes, an element
// not below its modulus, a point not on its curve (or, for G2, outside the
// prime-order subgroup), or a coefficient out of range.
var ErrInvalidZKey = errors.New("groth16: invalid zkey")

// Matrix names the QAP matrix a coefficient belongs to.
type Matrix uint8

const (
	// MatrixA is the left matrix of the constraints (a·w)(b·w) = c·w.
	MatrixA Matrix = 0
	// MatrixB is the right matrix.
	MatrixB Matrix = 1
)

// Coefficient is one non-zero entry of the A or B matrix, already out of
// the zkey's doubled Montgomery encoding: the constraint's (A or B)·w
// includes Value·w[Signal].
type Coefficient struct {
	Matrix     Matrix
	Constraint uint32 // < DomainSize
	Signal     uint32 // < NVars
	Value      fr.Element
}

// ProvingKey is a parsed snarkjs Groth16 proving key for BN254.
//
// INVARIANT (established by ParseZKey): len(IC) = NPublic+1;
// len(A) = len(B1) = len(B2) = NVars; len(C) = NVars-NPublic-1;
// len(H) = DomainSize, a power of two below 2^28; every point is on its
// curve and every G2 point in the prime-order subgroup; every coefficient's
// constraint is < DomainSize and its signal < NVars.
//
// A ProvingKey is immutable after ParseZKey and safe for concurrent use; its
// exported slices are shared and must not be modified.
type ProvingKey struct {
	NVars      int // witness length, including the constant 1 at index 0
	NPublic    int // public signals (outputs then public inputs), after the 1
	DomainSize int // n, the size of the constraint domain D

	// The verifying key (Alpha1, Beta2, Gamma2, Delta2, IC) and the G1
	// twins of β and δ that the prover needs.
	Alpha1, Beta1, Delta1 bn254.G1Affine
	Beta2, Gamma2, Delta2 bn254.G2Affine
	IC                    []bn254.G1Affine // input commitments, IC[0] for the constant 1

	A, B1 []bn254.G1Affine // per signal: A_i(τ), B_i(τ) in G1
	B2    []bn254.G2Affine // per signal: B_i(τ) in G2
	C     []bn254.G1Affine // per private signal NPublic+1..NVars-1
	H     []bn254.G1Affine // per point of the odd coset g·D

	Coefficients []Coefficient

	// Precomputed for Prove.
	// shift is g, a primitive 2n-th root of unity: g² = ω and g·D is the
	// odd coset the quotient is evaluated on.
	shift fr.Element
	// aNZ, b1NZ and b2NZ hold the points of A, B1, B2 that are not at
	// infinity, with the signals they belong to: MSMs skip the rest.
	aNZ, b1NZ g1Sparse
	b2NZ      g2Sparse
	// kPoints is C ‖ H ‖ b1NZ.points, the bases of Prove's merged MSM.
	kPoints []bn254.G1Affine
	// coefA and coefB are Coefficients split by matrix, as columns.
	coefA, coefB coefColumns
}

type g1Sparse struct {
	points  []bn254.G1Affine
	signals []uint32
}

type g2Sparse struct {
	points  []bn254.G2Affine
	signals []uint32
}

type coefColumns struct {
	constraint, signal []uint32
	value              []fr.Element
}

// maxLogDomain is the largest domain the prover supports: the odd coset
// needs a root of unity of order 2n, and BN254's scalar field has them up
// to 2^28.
const maxLogDomain = 27

// ParseZKey parses and validates a snarkjs Groth16 .zkey for BN254 (the
// binary "zkey" container, version 1, sections 1 to 9; other sections such
// as the contributions in section 10 are ignored). Field elements are read
// in the Montgomery little-endian form snarkjs writes; coefficients carry an
// extra Montgomery factor (snarkjs stores value·R² mod r) that is removed.
//
// Every error wraps ErrInvalidZKey; ParseZKey never panics on bad input.
// It copies what it keeps: data may be modified afterwards. Parsing checks
// every G2 point's subgroup membership, which is the bulk of its cost.
func ParseZKey(data []byte) (*ProvingKey, error) {
	sections, err := splitSections(data)
	if err != nil {
		return nil, err
	}
	pk := &ProvingKey{}
	if err := pk.parseHeaders(sections); err != nil {
		return nil, err
	}
	if err := pk.parsePoints(sections); err != nil {
		return nil, err
	}
	if err := pk.parseCoefficients(sections[secCoefs]); err != nil {
		return nil, err
	}
	pk.precompute()
	return pk, nil
}

// Section numbers of the snarkjs Groth16 zkey.
const (
	secHeader = 1 + iota
	secGroth16Header
	secIC
	secCoefs
	secA
	secB1
	secB2
	secC
	secH
	numSections = secH
)

const groth16ProtocolID = 1

func zkeyErr(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalidZKey}, args...)...)
}

// splitSections reads the binfile container and returns sections 1..9 by
// number (index 0 unused).
func splitSections(data []byte) ([numSections + 1][]byte, error) {
	var out [numSections + 1][]byte
	r := reader{b: data}
	magic := r.bytes(4)
	version := r.u32()
	n := r.u32()
	if r.err != nil {
		return out, zkeyErr("file header: %w", r.err)
	}
	if string(magic) != "zkey" {
		return out, zkeyErr("magic %q, want \"zkey\"", magic)
	}
	if version != 1 {
		return out, zkeyErr("version %d, want 1", version)
	}
	for i := uint32(0); i < n; i++ {
		typ := r.u32()
		size := r.u64()
		if r.err != nil {
			return out, zkeyErr("section %d header: %w", i, r.err)
		}
		if size > uint64(len(r.b)) {
			return out, zkeyErr("section type %d is %d bytes, only %d left", typ, size, len(r.b))
		}
		body := r.bytes(int(size))
		if typ < 1 || typ > numSections {
			continue
		}
		if out[typ] != nil {
			return out, zkeyErr("section %d appears twice", typ)
		}
		out[typ] = body
	}
	for typ := 1; typ <= numSections; typ++ {
		if out[typ] == nil {
			return out, zkeyErr("section %d is missing", typ)
		}
	}
	return out, nil
}

// parseHeaders reads sections 1 (protocol) and 2 (Groth16 header).
func (pk *ProvingKey) parseHeaders(s [numSections + 1][]byte) error {
	h := reader{b: s[secHeader]}
	if p := h.u32(); h.err != nil || p != groth16ProtocolID || len(h.b) != 0 {
		return zkeyErr("section 1: want the 4-byte groth16 protocol id 1")
	}
	r := reader{b: s[secGroth16Header]}
	if err := r.modulus("q", fpModulusLE[:]); err != nil {
		return err
	}
	if err := r.modulus("r", frModulusLE[:]); err != nil {
		return err
	}
	nVars, nPublic, domainSize := r.u32(), r.u32(), r.u32()
	if r.err != nil {
		return zkeyErr("section 2: %w", r.err)
	}
	if nVars == 0 || nVars >= 1<<31 || nPublic >= nVars {
		return zkeyErr("section 2: nVars %d, nPublic %d: want nPublic < nVars < 2^31", nVars, nPublic)
	}
	if domainSize == 0 || domainSize&(domainSize-1) != 0 || bits.TrailingZeros32(domainSize) > maxLogDomain {
		return zkeyErr("section 2: domain size %d is not a power of two up to 2^%d", domainSize, maxLogDomain)
	}
	if nPublic+1 > domainSize {
		return zkeyErr("section 2: domain size %d below the %d input constraints", domainSize, nPublic+1)
	}
	pk.NVars, pk.NPublic, pk.DomainSize = int(nVars), int(nPublic), int(domainSize)
	g1 := []struct {
		name string
		dst  *bn254.G1Affine
	}{{"alpha1", &pk.Alpha1}, {"beta1", &pk.Beta1}}
	for _, f := range g1 {
		if err := r.g1(f.dst); err != nil {
			return zkeyErr("section 2 %s: %w", f.name, err)
		}
	}
	for _, f := range []struct {
		name string
		dst  *bn254.G2Affine
	}{{"beta2", &pk.Beta2}, {"gamma2", &pk.Gamma2}} {
		if err := r.g2(f.dst); err != nil {
			return zkeyErr("section 2 %s: %w", f.name, err)
		}
	}
	if err := r.g1(&pk.Delta1); err != nil {
		return zkeyErr("section 2 delta1: %w", err)
	}
	if err := r.g2(&pk.Delta2); err != nil {
		return zkeyErr("section 2 delta2: %w", err)
	}
	if len(r.b) != 0 {
		return zkeyErr("section 2 has %d trailing bytes", len(r.b))
	}
	return nil
}

// parsePoints reads sections 3 and 5 to 9, checking each length before
// allocating.
func (pk *ProvingKey) parsePoints(s [numSections + 1][]byte) error {
	g1Sections := []struct {
		sec int
		n   int
		dst *[]bn254.G1Affine
	}{
		{secIC, pk.NPublic + 1, &pk.IC},
		{secA, pk.NVars, &pk.A},
		{secB1, pk.NVars, &pk.B1},
		{secC, pk.NVars - pk.NPublic - 1, &pk.C},
		{secH, pk.DomainSize, &pk.H},
	}
	for _, g := range g1Sections {
		pts, err := readG1Section(s[g.sec], g.n)
		if err != nil {
			return zkeyErr("section %d: %w", g.sec, err)
		}
		*g.dst = pts
	}
	pts, err := readG2Section(s[secB2], pk.NVars)
	if err != nil {
		return zkeyErr("section %d: %w", secB2, err)
	}
	pk.B2 = pts
	return nil
}

// coefSize is the size of one coefficient record: matrix, constraint and
// signal (u32 each) and a 32-byte value.
const coefSize = 12 + fr.Bytes

// parseCoefficients reads section 4.
func (pk *ProvingKey) parseCoefficients(sec []byte) error {
	r := reader{b: sec}
	n := r.u32()
	if r.err != nil {
		return zkeyErr("section 4: %w", r.err)
	}
	if uint64(len(r.b)) != uint64(n)*coefSize {
		return zkeyErr("section 4: %d coefficients need %d bytes, have %d", n, uint64(n)*coefSize, len(r.b))
	}
	pk.Coefficients = make([]Coefficient, n)
	for i := range pk.Coefficients {
		c := &pk.Coefficients[i]
		m, cons, sig := r.u32(), r.u32(), r.u32()
		if m > uint32(MatrixB) {
			return zkeyErr("section 4: coefficient %d: matrix %d, want 0 (A) or 1 (B)", i, m)
		}
		if cons >= uint32(pk.DomainSize) || sig >= uint32(pk.NVars) {
			return zkeyErr("section 4: coefficient %d: constraint %d signal %d out of range (domain %d, nVars %d)", i, cons, sig, pk.DomainSize, pk.NVars)
		}
		v, err := r.frDoubleMont()
		if err != nil {
			return zkeyErr("section 4: coefficient %d: %w", i, err)
		}
		*c = Coefficient{Matrix: Matrix(m), Constraint: cons, Signal: sig, Value: v}
	}
	return nil
}

// precompute finds the odd-coset shift and builds the sparse point lists
// and the coefficient columns.
func (pk *ProvingKey) precompute() {
	n := uint64(pk.DomainSize)
	// g generates the domain of size 2n, so g² = ω and g·D is the odd coset;
	// n ≤ 2^27 (checked) so the root exists.
	g, err := fr.Generator(2 * n)
	if err != nil {
		panic("BUG: groth16: domain size checked at parse: " + err.Error())
	}
	pk.shift = g
	pk.aNZ = sparseG1(pk.A)
	pk.b1NZ = sparseG1(pk.B1)
	for i := range pk.B2 {
		if !pk.B2[i].IsInfinity() {
			pk.b2NZ.points = append(pk.b2NZ.points, pk.B2[i])
			pk.b2NZ.signals = append(pk.b2NZ.signals, uint32(i))
		}
	}
	pk.kPoints = make([]bn254.G1Affine, 0, len(pk.C)+len(pk.H)+len(pk.b1NZ.points))
	pk.kPoints = append(pk.kPoints, pk.C...)
	pk.kPoints = append(pk.kPoints, pk.H...)
	pk.kPoints = append(pk.kPoints, pk.b1NZ.points...)
	for _, c := range pk.Coefficients {
		col := &pk.coefA
		if c.Matrix == MatrixB {
			col = &pk.coefB
		}
		col.constraint = append(col.constraint, c.Constraint)
		col.signal = append(col.signal, c.Signal)
		col.value = append(col.value, c.Value)
	}
}

func sparseG1(pts []bn254.G1Affine) g1Sparse {
	var s g1Sparse
	for i := range pts {
		if !pts[i].IsInfinity() {
			s.points = append(s.points, pts[i])
			s.signals = append(s.signals, uint32(i))
		}
	}
	return s
}
