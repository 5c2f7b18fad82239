package witness

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
)

// ErrFormat means the bytes given to [Parse] are not a valid witness graph.
var ErrFormat = errors.New("witness: malformed graph")

// magic starts every graph file.
const magic = "wtns.graph.001"

// node is a parsed graph node. For opInput, a is the input buffer index;
// for operations, a, b and c are operand node indices (unused ones 0).
type node struct {
	op      opcode
	a, b, c uint32
}

// span is where an input signal's values go in the input buffer.
type span struct{ offset, len uint32 }

// rawGraph is graph.bin decoded, before it is compiled for evaluation.
type rawGraph struct {
	nodes   []node
	consts  map[uint32]fr.Element // node index -> value, for opConst nodes
	signals []uint32              // node index per witness wire
	inputs  map[string]span
}

// decode parses the serialization written by circom-witnesscalc and
// zerokit (see the package doc) and checks every index in it.
func decode(b []byte) (*rawGraph, error) {
	if len(b) < len(magic) || string(b[:len(magic)]) != magic {
		return nil, fmt.Errorf("%w: no %q magic at the start", ErrFormat, magic)
	}
	r := pbReader{b: b, off: len(magic)}
	if len(b)-r.off < 8 {
		return nil, fmt.Errorf("%w: node count: %w", ErrFormat, errTruncated)
	}
	count := binary.LittleEndian.Uint64(b[r.off:])
	r.off += 8
	// Each node takes at least 2 bytes (length prefix and a field key), so
	// a count above that bound is corrupt; checking first bounds the
	// allocation below.
	if count > uint64(len(b)-r.off)/2 || count > math.MaxUint32 {
		return nil, fmt.Errorf("%w: %d nodes announced, the file has room for at most %d", ErrFormat, count, (len(b)-r.off)/2)
	}
	g := &rawGraph{nodes: make([]node, count), consts: make(map[uint32]fr.Element)}
	for i := range g.nodes {
		msg, err := r.bytes()
		if err != nil {
			return nil, fmt.Errorf("%w: node %d: %w", ErrFormat, i, err)
		}
		if err := g.decodeNode(uint32(i), msg); err != nil {
			return nil, fmt.Errorf("%w: node %d: %w", ErrFormat, i, err)
		}
	}
	metaStart := r.off
	msg, err := r.bytes()
	if err != nil {
		return nil, fmt.Errorf("%w: metadata: %w", ErrFormat, err)
	}
	if err := g.decodeMetadata(msg); err != nil {
		return nil, fmt.Errorf("%w: metadata: %w", ErrFormat, err)
	}
	if len(b)-r.off != 8 {
		return nil, fmt.Errorf("%w: %d bytes after the metadata, want the 8-byte metadata offset", ErrFormat, len(b)-r.off)
	}
	if off := binary.LittleEndian.Uint64(b[r.off:]); off != uint64(metaStart) {
		return nil, fmt.Errorf("%w: trailer says the metadata starts at %d, it starts at %d", ErrFormat, off, metaStart)
	}
	return g, g.check()
}

// decodeNode decodes one Node message: a oneof of InputNode (1),
// ConstantNode (2), UnoOpNode (3), DuoOpNode (4) and TresOpNode (5).
func (g *rawGraph) decodeNode(i uint32, msg []byte) error {
	var (
		kind uint32
		body []byte
	)
	err := fields(msg, func(r *pbReader, field uint32, wire int) (bool, error) {
		if field < 1 || field > 5 {
			return false, nil
		}
		v, err := r.bytesField(wire)
		kind, body = field, v // in a oneof the last field wins
		return true, err
	})
	if err != nil {
		return err
	}
	var n node
	switch kind {
	case 0:
		return errors.New("node has no value")
	case 1:
		n.op = opInput
		err = fields(body, uintFields(&n.a))
	case 2:
		n.op = opConst
		var c fr.Element
		if c, err = decodeConstant(body); err == nil {
			g.consts[i] = c
		}
	default:
		n, err = decodeOp(i, opKinds[kind], body)
	}
	g.nodes[i] = n
	return err
}

// decodeOp decodes the UnoOpNode, DuoOpNode or TresOpNode of node i:
// field 1 the operation, fields 2, 3, 4 the operand node indices, which
// must be below i. Operand fields beyond the operation's arity are ignored.
func decodeOp(i uint32, k opKind, body []byte) (node, error) {
	var (
		n  node
		op uint32
	)
	if err := fields(body, uintFields(&op, &n.a, &n.b, &n.c)); err != nil {
		return n, err
	}
	if op >= uint32(k.num) {
		return n, fmt.Errorf("%s operation %d out of range", k.name, op)
	}
	n.op = k.first + opcode(op)
	for j, operand := range n.operands() {
		if operand >= i {
			return n, fmt.Errorf("%s operand %d is node %d, not an earlier node", n.op, j, operand)
		}
	}
	return n, nil
}

// opKind is the opcode range of one of the Node oneof's operation fields.
type opKind struct {
	name  string
	first opcode
	num   int
}

// opKinds maps the Node oneof field of an operation to its opcode range.
var opKinds = [...]opKind{
	3: {"UnoOp", opNeg, numUnoOps},
	4: {"DuoOp", opMul, numDuoOps},
	5: {"TresOp", opTernCond, numTresOps},
}

// operands returns the operand node indices of an operation node.
func (n *node) operands() []uint32 {
	switch {
	case n.op == opInput || n.op == opConst:
		return nil
	case n.op <= opID:
		return []uint32{n.a}
	case n.op <= opBxor:
		return []uint32{n.a, n.b}
	default:
		return []uint32{n.a, n.b, n.c}
	}
}

// uintFields decodes fields 1, 2, … of a message of uint32 varints into
// dst[0], dst[1], ….
func uintFields(dst ...*uint32) func(*pbReader, uint32, int) (bool, error) {
	return func(r *pbReader, field uint32, wire int) (bool, error) {
		if field > uint32(len(dst)) {
			return false, nil
		}
		if err := expectWire(wire, wireVarint); err != nil {
			return true, err
		}
		v, err := r.uint32()
		*dst[field-1] = v
		return true, err
	}
}

// decodeConstant decodes a ConstantNode: field 1 is a BigUInt message whose
// field 1 holds the value's little-endian bytes, read mod r (zerokit's
// from_le_bytes_mod_order).
func decodeConstant(body []byte) (fr.Element, error) {
	var (
		le  []byte
		has bool
	)
	err := fields(body, func(r *pbReader, field uint32, wire int) (bool, error) {
		if field != 1 {
			return false, nil
		}
		v, err := r.bytesField(wire)
		if err != nil {
			return true, err
		}
		has = true
		return true, fields(v, func(r *pbReader, field uint32, wire int) (bool, error) {
			if field != 1 {
				return false, nil
			}
			le, err = r.bytesField(wire)
			return true, err
		})
	})
	if err != nil {
		return fr.Element{}, err
	}
	if !has {
		return fr.Element{}, errors.New("constant node has no value")
	}
	var e fr.Element
	e.SetBytes(reversed(le)) // SetBytes reads big-endian and reduces mod r
	return e, nil
}

func reversed(b []byte) []byte {
	c := bytes.Clone(b)
	slices.Reverse(c)
	return c
}

// decodeMetadata decodes GraphMetadata: field 1 the witness signals
// (repeated uint32, packed or not), field 2 the map of input signals
// (entries with key 1: name, value 2: SignalDescription{offset 1, len 2}).
func (g *rawGraph) decodeMetadata(msg []byte) error {
	g.inputs = make(map[string]span)
	return fields(msg, func(r *pbReader, field uint32, wire int) (bool, error) {
		switch field {
		case 1:
			if wire == wireVarint {
				v, err := r.uint32()
				g.signals = append(g.signals, v)
				return true, err
			}
			packed, err := r.bytesField(wire)
			if err != nil {
				return true, err
			}
			pr := pbReader{b: packed}
			for !pr.done() {
				v, err := pr.uint32()
				if err != nil {
					return true, err
				}
				g.signals = append(g.signals, v)
			}
			return true, nil
		case 2:
			entry, err := r.bytesField(wire)
			if err != nil {
				return true, err
			}
			var (
				name string
				s    span
			)
			err = fields(entry, func(r *pbReader, field uint32, wire int) (bool, error) {
				if field != 1 && field != 2 {
					return false, nil
				}
				v, err := r.bytesField(wire)
				if err != nil {
					return true, err
				}
				if field == 1 {
					name = string(v)
					return true, nil
				}
				return true, fields(v, uintFields(&s.offset, &s.len))
			})
			g.inputs[name] = s // as in a protobuf map, a later entry replaces an earlier one
			return true, err
		}
		return false, nil
	})
}

// check validates the indices that decode does not: witness signals must
// name nodes, input signals must lie inside the input buffer.
func (g *rawGraph) check() error {
	for i, s := range g.signals {
		if uint64(s) >= uint64(len(g.nodes)) {
			return fmt.Errorf("%w: witness wire %d is node %d of %d", ErrFormat, i, s, len(g.nodes))
		}
	}
	if len(g.signals) == 0 {
		return fmt.Errorf("%w: no witness signals", ErrFormat)
	}
	size := uint64(g.inputSize())
	for name, s := range g.inputs {
		if s.offset == 0 || uint64(s.offset)+uint64(s.len) > size {
			return fmt.Errorf("%w: input signal %q at [%d, %d) is outside the input buffer [1, %d)", ErrFormat, name, s.offset, uint64(s.offset)+uint64(s.len), size)
		}
	}
	return nil
}

// inputSize is the length of the input buffer: one more than the largest
// input index of any Input node (position 0 holds the constant 1).
func (g *rawGraph) inputSize() int {
	size := 1
	for _, n := range g.nodes {
		if n.op == opInput && int(n.a) >= size {
			size = int(n.a) + 1
		}
	}
	return size
}
