package witness

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/big"
	"math/bits"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
)

// opcode is a node operation. The values of the operation nodes follow the
// proto enums (UnoOp, DuoOp, TresOp) in order, offset by their first opcode.
type opcode uint8

// Node kinds and operations.
const (
	opInput opcode = iota
	opConst

	// UnoOp: Neg = 0, Id = 1.
	opNeg
	opID

	// DuoOp: Mul = 0 … Bxor = 19.
	opMul
	opDiv
	opAdd
	opSub
	opPow
	opIdiv
	opMod
	opEq
	opNeq
	opLt
	opGt
	opLeq
	opGeq
	opLand
	opLor
	opShl
	opShr
	opBor
	opBand
	opBxor

	// TresOp: TernCond = 0.
	opTernCond

	numUnoOps  = int(opID-opNeg) + 1
	numDuoOps  = int(opBxor-opMul) + 1
	numTresOps = 1
)

var opNames = [...]string{
	opInput: "Input", opConst: "Constant", opNeg: "Neg", opID: "Id",
	opMul: "Mul", opDiv: "Div", opAdd: "Add", opSub: "Sub", opPow: "Pow", opIdiv: "Idiv",
	opMod: "Mod", opEq: "Eq", opNeq: "Neq", opLt: "Lt", opGt: "Gt", opLeq: "Leq", opGeq: "Geq",
	opLand: "Land", opLor: "Lor", opShl: "Shl", opShr: "Shr", opBor: "Bor", opBand: "Band",
	opBxor: "Bxor", opTernCond: "TernCond",
}

func (o opcode) String() string {
	if int(o) < len(opNames) {
		return opNames[o]
	}
	return fmt.Sprintf("op(%d)", uint8(o))
}

// fieldBits is the bit size of r; shifts by this much or more give 0.
const fieldBits = 254

var (
	// modulus is r as little-endian 64-bit limbs.
	modulus [4]uint64
	// half is (r-1)/2: circom reads a value above it as negative.
	half [4]uint64
	// montR2 holds R^2 mod r in its raw limbs (the element R mod r), so that
	// a Montgomery product with it turns canonical limbs into an Element.
	montR2 fr.Element
)

func init() {
	r := fr.Modulus()
	modulus = limbsOf(r)
	half = limbsOf(new(big.Int).Rsh(r, 1))
	montR2.SetBigInt(new(big.Int).Lsh(big.NewInt(1), 256))
}

// limbsOf returns x (0 <= x < 2^256) as little-endian 64-bit limbs.
func limbsOf(x *big.Int) [4]uint64 {
	var b [32]byte
	x.FillBytes(b[:])
	var l [4]uint64
	for i := range l {
		l[i] = binary.BigEndian.Uint64(b[32-8*(i+1):])
	}
	return l
}

// fromCanonical returns the element with canonical value l. l must be < r.
func fromCanonical(l [4]uint64) fr.Element {
	e := fr.Element(l)
	e.Mul(&e, &montR2)
	return e
}

// less reports a < b as 256-bit unsigned integers.
func less(a, b *[4]uint64) bool {
	for i := 3; i >= 0; i-- {
		if a[i] != b[i] {
			return a[i] < b[i]
		}
	}
	return false
}

// negative reports whether circom reads a canonical value as negative.
func negative(a *[4]uint64) bool { return less(&half, a) }

// signedLess is circom's a < b on field elements: values above (r-1)/2
// are negative (a - r).
func signedLess(a, b *fr.Element) bool {
	x, y := a.Bits(), b.Bits()
	xn, yn := negative(&x), negative(&y)
	if xn != yn {
		return xn
	}
	return less(&x, &y)
}

func setBool(z *fr.Element, v bool) {
	if v {
		z.SetOne()
	} else {
		z.SetZero()
	}
}

// Errors of operations whose result is not a field element; zerokit fails
// the witness computation on them too.
var (
	errShlOverflow = errors.New("Shl result is not below r")
	errBitOverflow = errors.New("bitwise result equals r")
)

// shl sets z to a << b on canonical values, as zerokit does: b = 0 gives a,
// b >= 254 gives 0, otherwise the 256-bit shift (bits above 255 dropped),
// which must be below r.
func shl(z, a, b *fr.Element) error {
	if b.IsZero() {
		*z = *a
		return nil
	}
	bb := b.Bits()
	if bb[1]|bb[2]|bb[3] != 0 || bb[0] >= fieldBits {
		z.SetZero()
		return nil
	}
	n := uint(bb[0])
	x := a.Bits()
	var y [4]uint64
	w, s := n/64, n%64
	for i := 3; i >= int(w); i-- {
		y[i] = x[i-int(w)] << s
		if s != 0 && i-int(w)-1 >= 0 {
			y[i] |= x[i-int(w)-1] >> (64 - s)
		}
	}
	if !less(&y, &modulus) {
		return errShlOverflow
	}
	*z = fromCanonical(y)
	return nil
}

// shr sets z to a >> b on canonical values: b = 0 gives a, b >= 254 gives 0.
func shr(z, a, b *fr.Element) {
	if b.IsZero() {
		*z = *a
		return
	}
	bb := b.Bits()
	if bb[1]|bb[2]|bb[3] != 0 || bb[0] >= fieldBits {
		z.SetZero()
		return
	}
	n := uint(bb[0])
	x := a.Bits()
	var y [4]uint64
	w, s := n/64, n%64
	for i := 0; i+int(w) < 4; i++ {
		y[i] = x[i+int(w)] >> s
		if s != 0 && i+int(w)+1 < 4 {
			y[i] |= x[i+int(w)+1] << (64 - s)
		}
	}
	*z = fromCanonical(y) // y <= x < r
}

// bitwise sets z to the limb-wise f of the canonical values of a and b,
// minus r if that exceeds r (zerokit's rule; the result is then below r
// because both inputs are below 2^254). A result equal to r is an error.
func bitwise(z, a, b *fr.Element, f func(x, y uint64) uint64) error {
	x, y := a.Bits(), b.Bits()
	var d [4]uint64
	for i := range d {
		d[i] = f(x[i], y[i])
	}
	if less(&modulus, &d) {
		var borrow uint64
		for i := range d {
			d[i], borrow = bits.Sub64(d[i], modulus[i], borrow)
		}
	} else if d == modulus {
		return errBitOverflow
	}
	*z = fromCanonical(d)
	return nil
}

// bigOp evaluates Pow, Idiv and Mod on canonical values with math/big.
// They do not occur in hot loops of circom circuits (the RLN graph has
// none), so clarity wins over speed. Idiv and Mod by 0 give 0.
func bigOp(op opcode, z, a, b *fr.Element) {
	var x, y big.Int
	a.BigInt(&x)
	b.BigInt(&y)
	switch op {
	case opPow:
		z.Exp(*a, &y) // a^b mod r, with 0^0 = 1
		return
	case opIdiv, opMod:
		if y.Sign() == 0 {
			z.SetZero()
			return
		}
		if op == opIdiv {
			x.Quo(&x, &y)
		} else {
			x.Rem(&x, &y)
		}
	}
	z.SetBigInt(&x)
}
