package witness

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math/big"
	"testing"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"

	"github.com/cairn-node/cairn/node/relay/rln/circuit"
)

// smallGraph computes out = (a + 5) * a from one input; witness [1, a, out].
func smallGraph() *graphBuilder {
	gb := &graphBuilder{inputs: map[string]span{"a": {1, 1}}}
	one, a := gb.input(0), gb.input(1)
	five := gb.constant(big.NewInt(5))
	sum := gb.op(4, 2, a, five)
	out := gb.op(4, 0, sum, a)
	gb.constant(big.NewInt(9)) // a dead node
	gb.signals = []uint32{one, a, out}
	return gb
}

func TestParseSmallGraph(t *testing.T) {
	g, err := Parse(smallGraph().bytes())
	if err != nil {
		t.Fatal(err)
	}
	w, err := g.Calculate(map[string][]fr.Element{"a": {fr.NewElement(3)}})
	if err != nil {
		t.Fatal(err)
	}
	want := []fr.Element{fr.NewElement(1), fr.NewElement(3), fr.NewElement(24)}
	if len(w) != len(want) {
		t.Fatalf("Calculate = %d wires, want %d", len(w), len(want))
	}
	for i := range want {
		if !w[i].Equal(&want[i]) {
			t.Errorf("Calculate[%d] = %s, want %s", i, w[i].String(), want[i].String())
		}
	}
	if len(g.consts) != 1 {
		t.Errorf("compiled graph keeps %d constants, want 1 (the dead one dropped)", len(g.consts))
	}
}

// TestParseConstants checks that constants are read little-endian and
// reduced mod r, as zerokit's from_le_bytes_mod_order does.
func TestParseConstants(t *testing.T) {
	r := fr.Modulus()
	for _, v := range []*big.Int{big.NewInt(0), big.NewInt(1), new(big.Int).Sub(r, big.NewInt(1)), new(big.Int).Add(r, big.NewInt(7)),
		new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 256), big.NewInt(1))} {
		gb := &graphBuilder{inputs: map[string]span{}}
		gb.input(0)
		gb.signals = []uint32{gb.constant(v)}
		g, err := Parse(gb.bytes())
		if err != nil {
			t.Fatal(err)
		}
		w, err := g.Calculate(nil)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := w[0].BigInt(new(big.Int)), new(big.Int).Mod(v, r); got.Cmp(want) != 0 {
			t.Errorf("constant %d = %d, want %d", v, got, want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	good := smallGraph().bytes()
	edit := func(f func(gb *graphBuilder)) []byte {
		gb := smallGraph()
		f(gb)
		return gb.bytes()
	}
	withCount := func(n uint64) []byte {
		b := bytes.Clone(good)
		binary.LittleEndian.PutUint64(b[len(magic):], n)
		return b
	}
	for _, c := range []struct {
		name string
		b    []byte
	}{
		{"empty", nil},
		{"bad magic", append([]byte("wtns.graph.002"), good[len(magic):]...)},
		{"no count", []byte(magic + "\x01\x00")},
		{"huge count", withCount(1 << 40)},
		{"count too small", withCount(5)},
		{"forward operand", edit(func(gb *graphBuilder) { gb.op(4, 0, 7, 1) })},
		{"self operand", edit(func(gb *graphBuilder) { gb.op(4, 0, 0, uint32(len(gb.nodes))) })},
		{"DuoOp 20", edit(func(gb *graphBuilder) { gb.op(4, 20, 0, 1) })},
		{"UnoOp 2", edit(func(gb *graphBuilder) { gb.op(3, 2, 0) })},
		{"TresOp 1", edit(func(gb *graphBuilder) { gb.op(5, 1, 0, 1, 2) })},
		{"empty node", edit(func(gb *graphBuilder) { gb.nodes = append(gb.nodes, nil) })},
		{"constant without value", edit(func(gb *graphBuilder) { gb.add(2, nil) })},
		{"node field wire type", edit(func(gb *graphBuilder) { gb.nodes = append(gb.nodes, appendUintField(nil, 4, 1)) })},
		{"signal out of range", edit(func(gb *graphBuilder) { gb.signals = append(gb.signals, 99) })},
		{"no signals", edit(func(gb *graphBuilder) { gb.signals = nil })},
		{"input span past buffer", edit(func(gb *graphBuilder) { gb.inputs["b"] = span{1, 2} })},
		{"input span at 0", edit(func(gb *graphBuilder) { gb.inputs["a"] = span{0, 1} })},
		{"trailer offset", append(bytes.Clone(good[:len(good)-8]), 1, 0, 0, 0, 0, 0, 0, 0)},
		{"trailing bytes", append(bytes.Clone(good), 0)},
	} {
		_, err := Parse(c.b)
		if !errors.Is(err, ErrFormat) {
			t.Errorf("Parse(%s) = %v, want %v", c.name, err, ErrFormat)
		}
	}
	for n := range len(good) {
		if _, err := Parse(good[:n]); !errors.Is(err, ErrFormat) {
			t.Errorf("Parse(first %d of %d bytes) = %v, want %v", n, len(good), err, ErrFormat)
		}
	}
}

// TestParseTruncatedDefault cuts the real graph.bin at several places.
func TestParseTruncatedDefault(t *testing.T) {
	b := circuit.Graph()
	for _, n := range []int{0, 13, 14, 21, 22, 23, 100, len(b) / 2, len(b) - 9, len(b) - 8, len(b) - 1} {
		if _, err := Parse(b[:n]); !errors.Is(err, ErrFormat) {
			t.Errorf("Parse(graph.bin[:%d]) = %v, want %v", n, err, ErrFormat)
		}
	}
}

// FuzzParse checks that Parse never panics, that its errors wrap ErrFormat,
// and that a graph it accepts can be evaluated without a panic.
func FuzzParse(f *testing.F) {
	f.Add(smallGraph().bytes())
	for o := opNeg; o <= opTernCond; o++ {
		f.Add(opGraph(o))
	}
	f.Add(circuit.Graph()[:4096])
	f.Fuzz(func(t *testing.T, b []byte) {
		g, err := Parse(b)
		if err != nil {
			if !errors.Is(err, ErrFormat) {
				t.Fatalf("Parse error %v does not wrap ErrFormat", err)
			}
			return
		}
		in := make(map[string][]fr.Element)
		for name, n := range g.Inputs() {
			in[name] = make([]fr.Element, n)
			for i := range in[name] {
				in[name][i].SetUint64(uint64(i) + 3)
			}
		}
		w, err := g.Calculate(in)
		if err == nil && len(w) != g.NumWires() {
			t.Fatalf("Calculate = %d wires, NumWires() = %d", len(w), g.NumWires())
		}
	})
}
