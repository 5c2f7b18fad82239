package witness

import (
	"errors"
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
)

// refOp is the semantics of each operation on canonical integers, written
// with math/big from zerokit's iden3calc graph.rs (v2.0.2) as the
// reference for the fr.Element code. ok = false means zerokit fails.
func refOp(o opcode, a, b, c *big.Int) (z *big.Int, ok bool) {
	r := fr.Modulus()
	half := new(big.Int).Rsh(r, 1)
	boolInt := func(v bool) *big.Int {
		if v {
			return big.NewInt(1)
		}
		return big.NewInt(0)
	}
	signed := func(x *big.Int) *big.Int {
		if x.Cmp(half) > 0 {
			return new(big.Int).Sub(x, r)
		}
		return x
	}
	mask256 := new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 256), big.NewInt(1))
	bitRes := func(d *big.Int) (*big.Int, bool) {
		if d.Cmp(r) > 0 {
			d.Sub(d, r)
		}
		return d, d.Cmp(r) != 0
	}
	z = new(big.Int)
	switch o {
	case opNeg:
		return z.Mod(z.Neg(a), r), true
	case opID:
		return z.Set(a), true
	case opMul:
		return z.Mod(z.Mul(a, b), r), true
	case opDiv:
		if b.Sign() == 0 {
			return z, true
		}
		return z.Mod(z.Mul(a, new(big.Int).ModInverse(b, r)), r), true
	case opAdd:
		return z.Mod(z.Add(a, b), r), true
	case opSub:
		return z.Mod(z.Sub(a, b), r), true
	case opPow:
		return z.Exp(a, b, r), true
	case opIdiv, opMod:
		if b.Sign() == 0 {
			return z, true
		}
		if o == opIdiv {
			return z.Quo(a, b), true
		}
		return z.Rem(a, b), true
	case opEq:
		return boolInt(a.Cmp(b) == 0), true
	case opNeq:
		return boolInt(a.Cmp(b) != 0), true
	case opLt:
		return boolInt(signed(a).Cmp(signed(b)) < 0), true
	case opGt:
		return boolInt(signed(a).Cmp(signed(b)) > 0), true
	case opLeq:
		return boolInt(signed(a).Cmp(signed(b)) <= 0), true
	case opGeq:
		return boolInt(signed(a).Cmp(signed(b)) >= 0), true
	case opLand:
		return boolInt(a.Sign() != 0 && b.Sign() != 0), true
	case opLor:
		return boolInt(a.Sign() != 0 || b.Sign() != 0), true
	case opShl:
		if b.Sign() == 0 {
			return z.Set(a), true
		}
		if b.Cmp(big.NewInt(254)) >= 0 {
			return z, true
		}
		z.And(z.Lsh(a, uint(b.Uint64())), mask256)
		return z, z.Cmp(r) < 0
	case opShr:
		if b.Cmp(big.NewInt(254)) >= 0 {
			return z, true
		}
		return z.Rsh(a, uint(b.Uint64())), true
	case opBand:
		return bitRes(z.And(a, b))
	case opBor:
		return bitRes(z.Or(a, b))
	case opBxor:
		return bitRes(z.Xor(a, b))
	case opTernCond:
		if a.Sign() == 0 {
			return z.Set(c), true
		}
		return z.Set(b), true
	}
	panic("BUG: refOp: unknown opcode " + o.String())
}

// opValues are the operands tried for every operation: small numbers,
// shift amounts around 64-bit limbs and 254, values around (r-1)/2 and r.
func opValues(rng *rand.Rand) []*big.Int {
	r := fr.Modulus()
	half := new(big.Int).Rsh(r, 1)
	vals := []*big.Int{}
	for _, v := range []int64{0, 1, 2, 3, 7, 9, 12, 10, 63, 64, 65, 128, 200, 253, 254, 255, 256} {
		vals = append(vals, big.NewInt(v))
	}
	for _, d := range []int64{-2, -1, 0, 1, 2} {
		vals = append(vals, new(big.Int).Add(half, big.NewInt(d)))
	}
	vals = append(vals,
		new(big.Int).Sub(r, big.NewInt(1)), new(big.Int).Sub(r, big.NewInt(2)),
		new(big.Int).Lsh(big.NewInt(1), 253), new(big.Int).Lsh(big.NewInt(3), 200),
		new(big.Int).Add(new(big.Int).Lsh(big.NewInt(1), 130), big.NewInt(5)))
	for range 6 {
		var e fr.Element
		e.SetUint64(rng.Uint64())
		e.Exp(e, big.NewInt(int64(rng.IntN(1000)+3)))
		vals = append(vals, e.BigInt(new(big.Int)))
	}
	return vals
}

// TestOpsMatchReference evaluates every operation of a one-node graph on
// edge and random operands and compares with refOp.
func TestOpsMatchReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	vals := opValues(rng)
	failures := map[opcode]int{}
	for o := opNeg; o <= opTernCond; o++ {
		g, err := Parse(opGraph(o))
		if err != nil {
			t.Fatalf("Parse(graph with %s): %v", o, err)
		}
		for _, a := range vals {
			for _, b := range vals {
				c := vals[rng.IntN(len(vals))]
				in := map[string][]fr.Element{"a": {elem(a)}, "b": {elem(b)}, "c": {elem(c)}}
				w, err := g.Calculate(in)
				want, ok := refOp(o, a, b, c)
				if !ok {
					failures[o]++
					if !errors.Is(err, ErrEval) {
						t.Errorf("%s(%d, %d) = %v, want error %v", o, a, b, err, ErrEval)
					}
					continue
				}
				if err != nil {
					t.Fatalf("%s(%d, %d): %v", o, a, b, err)
				}
				if got := w[1].BigInt(new(big.Int)); got.Cmp(want) != 0 {
					t.Errorf("%s(%d, %d, %d) = %d, want %d", o, a, b, c, got, want)
				}
			}
		}
	}
	// The operands must reach the failing cases of zerokit's Shl and bit ops.
	for _, o := range []opcode{opShl, opBor, opBxor} {
		if failures[o] == 0 {
			t.Errorf("no operands made %s fail; extend opValues", o)
		}
	}
}

// TestOpsKnownAnswers checks values from zerokit's own graph.rs tests.
func TestOpsKnownAnswers(t *testing.T) {
	minus1 := new(big.Int).Sub(fr.Modulus(), big.NewInt(1))
	minus2 := new(big.Int).Sub(fr.Modulus(), big.NewInt(2))
	for _, c := range []struct {
		op   opcode
		a, b *big.Int
		want string
	}{
		{opShl, big.NewInt(4), big.NewInt(2), "16"},
		{opDiv, big.NewInt(2), big.NewInt(3), "7296080957279758407415468581752425029516121466805344781232734728858602831873"},
		{opDiv, big.NewInt(6), big.NewInt(2), "3"},
		{opDiv, big.NewInt(7), big.NewInt(2), "10944121435919637611123202872628637544274182200208017171849102093287904247812"},
		{opIdiv, big.NewInt(7), big.NewInt(2), "3"},
		{opIdiv, big.NewInt(2), big.NewInt(3), "0"},
		{opMod, big.NewInt(7), big.NewInt(2), "1"},
		{opMod, big.NewInt(7), big.NewInt(9), "7"},
		{opGeq, minus1, big.NewInt(3), "0"},
		{opGeq, minus1, minus2, "1"},
		{opLt, minus1, big.NewInt(3), "1"},
	} {
		g, err := Parse(opGraph(c.op))
		if err != nil {
			t.Fatal(err)
		}
		w, err := g.Calculate(map[string][]fr.Element{"a": {elem(c.a)}, "b": {elem(c.b)}, "c": {{}}})
		if err != nil {
			t.Fatalf("%s(%d, %d): %v", c.op, c.a, c.b, err)
		}
		if got := w[1].BigInt(new(big.Int)).String(); got != c.want {
			t.Errorf("%s(%d, %d) = %s, want %s", c.op, c.a, c.b, got, c.want)
		}
	}
}

func elem(x *big.Int) fr.Element {
	var e fr.Element
	e.SetBigInt(x)
	return e
}
