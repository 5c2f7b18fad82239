package groth16

import (
	"encoding/binary"
	"errors"
	"fmt"
	"runtime"
	"sync"

	"github.com/consensys/gnark-crypto/ecc/bn254"
	"github.com/consensys/gnark-crypto/ecc/bn254/fp"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
)

var errShort = errors.New("unexpected end of data")

// The moduli as 32 little-endian bytes (as the zkey writes them) and as
// little-endian 64-bit limbs (to check elements are canonical).
var (
	fpModulusLE, frModulusLE       [32]byte
	fpModulusLimbs, frModulusLimbs [4]uint64
)

func init() {
	fp.Modulus().FillBytes(fpModulusLE[:])
	fr.Modulus().FillBytes(frModulusLE[:])
	reverse(fpModulusLE[:])
	reverse(frModulusLE[:])
	fpModulusLimbs = leLimbs(fpModulusLE[:])
	frModulusLimbs = leLimbs(frModulusLE[:])
}

func reverse(b []byte) {
	for i, j := 0, len(b)-1; i < j; i, j = i+1, j-1 {
		b[i], b[j] = b[j], b[i]
	}
}

// leLimbs reads 32 little-endian bytes as four little-endian 64-bit limbs.
func leLimbs(b []byte) [4]uint64 {
	var l [4]uint64
	for i := range l {
		l[i] = binary.LittleEndian.Uint64(b[8*i:])
	}
	return l
}

// below reports whether the 256-bit little-endian limbs x are < m.
func below(x, m [4]uint64) bool {
	for i := 3; i >= 0; i-- {
		if x[i] != m[i] {
			return x[i] < m[i]
		}
	}
	return false
}

// reader consumes a byte slice. After the first short read, err is set and
// every later read returns zero values: callers check err once.
type reader struct {
	b   []byte
	err error
}

func (r *reader) bytes(n int) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || n > len(r.b) {
		r.err = errShort
		return nil
	}
	out := r.b[:n:n]
	r.b = r.b[n:]
	return out
}

func (r *reader) u32() uint32 {
	b := r.bytes(4)
	if b == nil {
		return 0
	}
	return binary.LittleEndian.Uint32(b)
}

func (r *reader) u64() uint64 {
	b := r.bytes(8)
	if b == nil {
		return 0
	}
	return binary.LittleEndian.Uint64(b)
}

// modulus reads n8 (u32) and an n8-byte modulus and checks both against
// want, the 32-byte little-endian BN254 modulus.
func (r *reader) modulus(name string, want []byte) error {
	n8 := r.u32()
	if r.err != nil {
		return zkeyErr("section 2 %s: %w", name, r.err)
	}
	if n8 != 32 {
		return zkeyErr("section 2: n8%s = %d, want 32 (curve bn254)", name, n8)
	}
	got := r.bytes(32)
	if r.err != nil {
		return zkeyErr("section 2 %s: %w", name, r.err)
	}
	if string(got) != string(want) {
		return zkeyErr("section 2: %s is not the bn254 modulus (another curve?)", name)
	}
	return nil
}

// fpMont reads a base field element in Montgomery little-endian form. The
// stored integer x·R mod q is exactly gnark-crypto's internal limbs.
func (r *reader) fpMont() (fp.Element, error) {
	b := r.bytes(fp.Bytes)
	if r.err != nil {
		return fp.Element{}, r.err
	}
	l := leLimbs(b)
	if !below(l, fpModulusLimbs) {
		return fp.Element{}, errors.New("coordinate is not below the base field modulus")
	}
	return fp.Element(l), nil
}

// frDoubleMont reads a zkey coefficient: snarkjs stores value·R² mod r.
// Taking those limbs as a gnark-crypto element gives value·R; a Montgomery
// product with the element whose limbs are 1 (that is, R⁻¹) removes the
// remaining R.
func (r *reader) frDoubleMont() (fr.Element, error) {
	b := r.bytes(fr.Bytes)
	if r.err != nil {
		return fr.Element{}, r.err
	}
	l := leLimbs(b)
	if !below(l, frModulusLimbs) {
		return fr.Element{}, errors.New("value is not below the scalar field modulus")
	}
	e := fr.Element(l)
	rInv := fr.Element{1}
	e.Mul(&e, &rInv)
	return e, nil
}

// g1 reads an affine G1 point (x, y, Montgomery LE); (0, 0) is infinity.
// BN254's G1 has cofactor 1, so being on the curve suffices.
func (r *reader) g1(p *bn254.G1Affine) error {
	var err error
	if p.X, err = r.fpMont(); err != nil {
		return fmt.Errorf("x: %w", err)
	}
	if p.Y, err = r.fpMont(); err != nil {
		return fmt.Errorf("y: %w", err)
	}
	if !p.IsOnCurve() { // true for (0, 0), gnark-crypto's infinity
		return errors.New("point is not on the curve")
	}
	return nil
}

// g2Raw reads an affine G2 point (x.c0, x.c1, y.c0, y.c1) without checking
// it; see checkG2.
func (r *reader) g2Raw(p *bn254.G2Affine) error {
	for _, c := range []*fp.Element{&p.X.A0, &p.X.A1, &p.Y.A0, &p.Y.A1} {
		var err error
		if *c, err = r.fpMont(); err != nil {
			return err
		}
	}
	return nil
}

func checkG2(p *bn254.G2Affine) error {
	if !p.IsInSubGroup() { // includes IsOnCurve; true for infinity
		return errors.New("point is not on the twist or not in the prime-order subgroup")
	}
	return nil
}

func (r *reader) g2(p *bn254.G2Affine) error {
	if err := r.g2Raw(p); err != nil {
		return err
	}
	return checkG2(p)
}

// readG1Section reads exactly n G1 points.
func readG1Section(sec []byte, n int) ([]bn254.G1Affine, error) {
	const size = 2 * fp.Bytes
	if len(sec) != n*size {
		return nil, fmt.Errorf("%d bytes, want %d points of %d bytes", len(sec), n, size)
	}
	pts := make([]bn254.G1Affine, n)
	r := reader{b: sec}
	for i := range pts {
		if err := r.g1(&pts[i]); err != nil {
			return nil, fmt.Errorf("point %d: %w", i, err)
		}
	}
	return pts, nil
}

// readG2Section reads exactly n G2 points and checks them on all CPUs (the
// subgroup check dominates parsing).
func readG2Section(sec []byte, n int) ([]bn254.G2Affine, error) {
	const size = 4 * fp.Bytes
	if len(sec) != n*size {
		return nil, fmt.Errorf("%d bytes, want %d points of %d bytes", len(sec), n, size)
	}
	pts := make([]bn254.G2Affine, n)
	r := reader{b: sec}
	for i := range pts {
		if err := r.g2Raw(&pts[i]); err != nil {
			return nil, fmt.Errorf("point %d: %w", i, err)
		}
	}
	workers := min(runtime.GOMAXPROCS(0), max(1, n/64))
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < n; i += workers {
				if err := checkG2(&pts[i]); err != nil {
					errs[w] = fmt.Errorf("point %d: %w", i, err)
					return
				}
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return pts, nil
}
