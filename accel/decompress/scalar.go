package decompress

import (
	"fmt"

	"github.com/consensys/gnark-crypto/ecc/bn254"
	"github.com/consensys/gnark-crypto/ecc/bn254/fp"
)

// The flags in the top two bits of a compressed point's first byte.
const (
	flagMask         byte = 0b11 << 6
	flagUncompressed byte = 0b00 << 6
	flagInfinity     byte = 0b01 << 6
	flagSmallest     byte = 0b10 << 6
	flagLargest      byte = 0b11 << 6
)

// The curves' constants: y² = x³ + 3 in G1, y² = x³ + 3/(9+i) in G2 (the
// twist).
var (
	bG1 = fp.NewElement(3)
	bG2 = func() bn254.E2 {
		var b, twist bn254.E2
		twist.A0.SetUint64(9)
		twist.A1.SetUint64(1)
		b.Inverse(&twist).MulByElement(&b, &bG1)
		return b
	}()
)

// header is what the first pass learns of a compressed point's flag:
// whether it is at infinity and, if not, which of the two roots y is.
type header struct {
	infinity, largest bool
}

// invalid returns the error of point i of group g.
func invalid(g string, i int, format string, args ...any) error {
	return fmt.Errorf("decompress: %s point %d: %s: %w", g, i, fmt.Sprintf(format, args...), ErrInvalidPoint)
}

// parseFlag reads the flag of point i from its first byte b0 and checks
// that an infinity's other bits (rest and b0's low bits) are zero.
func parseFlag(g string, i int, b0 byte, rest []byte) (header, error) {
	switch b0 & flagMask {
	case flagUncompressed:
		return header{}, invalid(g, i, "not compressed (flag bits 00)")
	case flagInfinity:
		if b0&^flagMask != 0 || !allZero(rest) {
			return header{}, invalid(g, i, "infinity with nonzero bits")
		}
		return header{infinity: true}, nil
	}
	return header{largest: b0&flagMask == flagLargest}, nil
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// parseG1 reads point i's flag and x (into p.X; p.Y is zeroed).
func parseG1(p *bn254.G1Affine, i int, b []byte) (header, error) {
	*p = bn254.G1Affine{}
	h, err := parseFlag("G1", i, b[0], b[1:G1Size])
	if err != nil || h.infinity {
		return h, err
	}
	if err := setCoordinate(&p.X, b[:fp.Bytes]); err != nil {
		return h, invalid("G1", i, "x: %v", err)
	}
	return h, nil
}

// parseG2 reads point i's flag and x (x.A1 then x.A0; into p.X).
func parseG2(p *bn254.G2Affine, i int, b []byte) (header, error) {
	*p = bn254.G2Affine{}
	h, err := parseFlag("G2", i, b[0], b[1:G2Size])
	if err != nil || h.infinity {
		return h, err
	}
	if err := setCoordinate(&p.X.A1, b[:fp.Bytes]); err != nil {
		return h, invalid("G2", i, "x.A1: %v", err)
	}
	if err := p.X.A0.SetBytesCanonical(b[fp.Bytes:G2Size]); err != nil {
		return h, invalid("G2", i, "x.A0: %v", err)
	}
	return h, nil
}

// setCoordinate sets e to the canonical big-endian b with the flag bits
// cleared; b's value must be below p.
func setCoordinate(e *fp.Element, b []byte) error {
	var w [fp.Bytes]byte
	copy(w[:], b)
	w[0] &^= flagMask
	return e.SetBytesCanonical(w[:])
}

// rhsG1 returns x³ + 3.
func rhsG1(x *fp.Element) fp.Element {
	var r fp.Element
	r.Square(x).Mul(&r, x).Add(&r, &bG1)
	return r
}

// rhsG2 returns x³ + 3/(9+i).
func rhsG2(x *bn254.E2) bn254.E2 {
	var r bn254.E2
	r.Square(x).Mul(&r, x).Add(&r, &bG2)
	return r
}

// chooseG1 sets y to the root that the flag asks for: y itself or -y, by
// gnark-crypto's order (y is largest when above (p-1)/2).
func chooseG1(y *fp.Element, largest bool) {
	if y.LexicographicallyLargest() != largest {
		y.Neg(y)
	}
}

// chooseG2 is chooseG1 in Fp2 (by x.A1, or by x.A0 where x.A1 is zero).
func chooseG2(y *bn254.E2, largest bool) {
	if y.LexicographicallyLargest() != largest {
		y.Neg(y)
	}
}

// solveG1 sets point i's y from its x with one scalar square root.
func solveG1(p *bn254.G1Affine, h header, i int) error {
	rhs := rhsG1(&p.X)
	if p.Y.Sqrt(&rhs) == nil {
		return invalid("G1", i, "x is not on the curve")
	}
	chooseG1(&p.Y, h.largest)
	return nil
}

// solveG2 sets point i's y from its x with gnark-crypto's Fp2 square root.
func solveG2(p *bn254.G2Affine, h header, i int) error {
	rhs := rhsG2(&p.X)
	if rhs.Legendre() == -1 {
		return invalid("G2", i, "x is not on the curve")
	}
	p.Y.Sqrt(&rhs)
	chooseG2(&p.Y, h.largest)
	return nil
}
