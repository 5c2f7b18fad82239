package witness

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"

	"github.com/cairn-node/cairn/node/relay/rln/circuit"
)

// ErrInput means the inputs given to [Graph.Calculate] do not match the
// circuit's input signals (unknown, missing or mis-sized signal).
var ErrInput = errors.New("witness: bad circuit inputs")

// ErrEval means an operation of the graph has no field result (a shift or
// bitwise result that is not below r); zerokit fails on it too.
var ErrEval = errors.New("witness: graph evaluation failed")

// Graph is a parsed witness graph, compiled for evaluation. It is immutable
// after [Parse]; Calculate may be called from many goroutines at once.
//
// Values live in "slots": only the nodes that some witness wire depends on
// get one, constants first, then inputs, then operations in node order.
//
// INVARIANT: every instr operand slot is a constant, an input or the dst of
// an earlier instr, so one pass in order computes all slots.
type Graph struct {
	consts    []fr.Element // values of slots [0, len(consts))
	inputs    []inputSlot  // input slots, filled from the input buffer
	instrs    []instr      // operations, in topological (node) order
	numSlots  int
	signals   []uint32 // slot per witness wire
	spans     map[string]span
	names     []string // input signal names, sorted
	inputSize int      // input buffer length; index 0 is the constant 1
	rln       bool     // the inputs are those of the RLN v2 circuit
	values    sync.Pool
}

type inputSlot struct{ slot, idx uint32 }

// instr is one operation node: v[dst] = op(v[a], v[b], v[c]).
type instr struct {
	op           opcode
	dst, a, b, c uint32
	node         uint32 // the node index, for errors
}

// Parse decodes and compiles a witness graph (graph.bin). It never panics;
// malformed or truncated input gives an error wrapping [ErrFormat]. b is
// not retained.
func Parse(b []byte) (*Graph, error) {
	raw, err := decode(b)
	if err != nil {
		return nil, err
	}
	return compile(raw), nil
}

// compile drops the nodes no witness wire depends on and assigns slots.
func compile(raw *rawGraph) *Graph {
	live := make([]bool, len(raw.nodes))
	for _, s := range raw.signals {
		live[s] = true
	}
	for i := len(raw.nodes) - 1; i >= 0; i-- { // operands precede their node
		if live[i] {
			for _, o := range raw.nodes[i].operands() {
				live[o] = true
			}
		}
	}
	slot := make([]uint32, len(raw.nodes))
	g := &Graph{spans: raw.inputs, inputSize: raw.inputSize()}
	next := uint32(0)
	for _, kind := range []opcode{opConst, opInput} {
		for i, n := range raw.nodes {
			if live[i] && n.op == kind {
				slot[i] = next
				next++
				if kind == opConst {
					g.consts = append(g.consts, raw.consts[uint32(i)])
				} else {
					g.inputs = append(g.inputs, inputSlot{slot: slot[i], idx: n.a})
				}
			}
		}
	}
	for i, n := range raw.nodes {
		if !live[i] || n.op == opConst || n.op == opInput {
			continue
		}
		slot[i] = next
		next++
		in := instr{op: n.op, dst: slot[i], node: uint32(i)}
		ops := n.operands()
		dst := []*uint32{&in.a, &in.b, &in.c}
		for j, o := range ops {
			*dst[j] = slot[o]
		}
		g.instrs = append(g.instrs, in)
	}
	g.numSlots = int(next)
	g.signals = make([]uint32, len(raw.signals))
	for i, s := range raw.signals {
		g.signals[i] = slot[s]
	}
	g.names = slices.Sorted(maps.Keys(raw.inputs))
	g.rln = isRLN(g.spans)
	return g
}

// Inputs returns the input signals: name -> number of values (arrays
// flattened). The map is a fresh copy.
func (g *Graph) Inputs() map[string]int {
	m := make(map[string]int, len(g.spans))
	for name, s := range g.spans {
		m[name] = int(s.len)
	}
	return m
}

// NumWires returns the length of the witness vector that Calculate returns.
func (g *Graph) NumWires() int { return len(g.signals) }

// Calculate returns the full witness vector in circom wire order, exactly
// what the proving key's coefficients index: wire 0 is 1, then the public
// outputs, the public inputs and the private signals. inputs maps every
// input signal name to its values, arrays flattened in row-major order; it
// must hold each signal of [Graph.Inputs] with exactly its length and no
// other. The inputs are only read; the returned slice is the caller's.
//
// Errors wrap [ErrInput] for bad inputs, [ErrUnsatisfied] for inputs that
// the circuit's asserts reject (checked for the RLN v2 circuit only: the
// graph itself has no assert nodes, so for other circuits the caller must
// check its constraints) and [ErrEval] when an operation fails.
//
// concurrency: safe for concurrent use.
func (g *Graph) Calculate(inputs map[string][]fr.Element) ([]fr.Element, error) {
	if err := g.checkInputs(inputs); err != nil {
		return nil, err
	}
	if g.rln {
		if err := checkRLN(inputs); err != nil {
			return nil, err
		}
	}
	buf := make([]fr.Element, g.inputSize)
	buf[0].SetOne()
	for name, s := range g.spans {
		copy(buf[s.offset:], inputs[name])
	}

	vp, _ := g.values.Get().(*[]fr.Element)
	if vp == nil {
		v := make([]fr.Element, g.numSlots)
		vp = &v
	}
	v := *vp
	copy(v, g.consts)
	for _, in := range g.inputs {
		v[in.slot] = buf[in.idx]
	}
	err := g.run(v)
	var w []fr.Element
	if err == nil {
		w = make([]fr.Element, len(g.signals))
		for i, s := range g.signals {
			w[i] = v[s]
		}
	}
	clear(v) // the values derive from the identity secret
	clear(buf)
	g.values.Put(vp)
	return w, err
}

// checkInputs checks that inputs has exactly the graph's input signals,
// each with its length.
func (g *Graph) checkInputs(inputs map[string][]fr.Element) error {
	for _, name := range g.names {
		vals, ok := inputs[name]
		if want := int(g.spans[name].len); !ok {
			return fmt.Errorf("%w: input signal %q (length %d) is missing; the circuit's inputs are %s", ErrInput, name, want, g.describe())
		} else if len(vals) != want {
			return fmt.Errorf("%w: input signal %q has %d values, want %d", ErrInput, name, len(vals), want)
		}
	}
	if len(inputs) != len(g.names) {
		for name := range inputs {
			if _, ok := g.spans[name]; !ok {
				return fmt.Errorf("%w: the circuit has no input signal %q; its inputs are %s", ErrInput, name, g.describe())
			}
		}
	}
	return nil
}

// describe lists the input signals with their lengths, for error messages.
func (g *Graph) describe() string {
	var sb strings.Builder
	for i, name := range g.names {
		if i > 0 {
			sb.WriteString(", ")
		}
		fmt.Fprintf(&sb, "%s[%d]", name, g.spans[name].len)
	}
	return sb.String()
}

// run evaluates the operations into v, which holds the constants and the
// inputs. The operations follow zerokit's witness calculator (iden3calc
// graph.rs) exactly; see the package doc.
func (g *Graph) run(v []fr.Element) error {
	for i := range g.instrs {
		in := &g.instrs[i]
		z, a, b := &v[in.dst], &v[in.a], &v[in.b]
		var err error
		switch in.op {
		case opMul:
			z.Mul(a, b)
		case opAdd:
			z.Add(a, b)
		case opSub:
			z.Sub(a, b)
		case opDiv: // a / 0 = 0, as zerokit: the proof is then just invalid
			if b.IsZero() {
				z.SetZero()
			} else {
				z.Div(a, b)
			}
		case opNeg:
			z.Neg(a)
		case opID:
			*z = *a
		case opEq:
			setBool(z, a.Equal(b))
		case opNeq:
			setBool(z, !a.Equal(b))
		case opLt:
			setBool(z, signedLess(a, b))
		case opGt:
			setBool(z, signedLess(b, a))
		case opLeq:
			setBool(z, !signedLess(b, a))
		case opGeq:
			setBool(z, !signedLess(a, b))
		case opLand:
			setBool(z, !a.IsZero() && !b.IsZero())
		case opLor:
			setBool(z, !a.IsZero() || !b.IsZero())
		case opShl:
			err = shl(z, a, b)
		case opShr:
			shr(z, a, b)
		case opBand:
			err = bitwise(z, a, b, func(x, y uint64) uint64 { return x & y })
		case opBor:
			err = bitwise(z, a, b, func(x, y uint64) uint64 { return x | y })
		case opBxor:
			err = bitwise(z, a, b, func(x, y uint64) uint64 { return x ^ y })
		case opPow, opIdiv, opMod:
			bigOp(in.op, z, a, b)
		case opTernCond:
			if a.IsZero() {
				*z = v[in.c]
			} else {
				*z = *b
			}
		default:
			return fmt.Errorf("BUG: node %d has opcode %s", in.node, in.op)
		}
		if err != nil {
			return fmt.Errorf("%w: node %d (%s): %w", ErrEval, in.node, in.op, err)
		}
	}
	return nil
}

var (
	defaultOnce  sync.Once
	defaultGraph *Graph
	defaultErr   error
)

// Default returns the RLN v2 witness graph embedded in package circuit
// (zerokit v2.0.2 graph.bin, tree depth 20), parsed once. The Graph is
// shared; it is immutable.
func Default() (*Graph, error) {
	defaultOnce.Do(func() {
		defaultGraph, defaultErr = Parse(circuit.Graph())
		if defaultErr != nil {
			defaultErr = fmt.Errorf("parse embedded graph.bin: %w", defaultErr)
		}
	})
	return defaultGraph, defaultErr
}
