package witness

import (
	"encoding/binary"
	"math/big"
	"slices"
)

// graphBuilder writes graphs in the graph.bin format, for tests: a
// protobuf encoder independent of the decoder under test.
type graphBuilder struct {
	nodes   [][]byte
	signals []uint32
	inputs  map[string]span
}

func appendVarint(b []byte, x uint64) []byte { return binary.AppendUvarint(b, x) }

func appendField(b []byte, field uint32, wire int) []byte {
	return appendVarint(b, uint64(field)<<3|uint64(wire))
}

func appendUintField(b []byte, field uint32, v uint32) []byte {
	return appendVarint(appendField(b, field, wireVarint), uint64(v))
}

func appendBytesField(b []byte, field uint32, v []byte) []byte {
	return append(appendVarint(appendField(b, field, wireBytes), uint64(len(v))), v...)
}

func (gb *graphBuilder) add(kind uint32, body []byte) uint32 {
	gb.nodes = append(gb.nodes, appendBytesField(nil, kind, body))
	return uint32(len(gb.nodes) - 1)
}

// input adds Input(idx).
func (gb *graphBuilder) input(idx uint32) uint32 { return gb.add(1, appendUintField(nil, 1, idx)) }

// constant adds a constant with value v (0 <= v < 2^256, not reduced).
func (gb *graphBuilder) constant(v *big.Int) uint32 {
	le := v.Bytes()
	slices.Reverse(le)
	return gb.add(2, appendBytesField(nil, 1, appendBytesField(nil, 1, le)))
}

// op adds an operation node: kind 3 (UnoOp), 4 (DuoOp) or 5 (TresOp).
func (gb *graphBuilder) op(kind, op uint32, args ...uint32) uint32 {
	var b []byte
	if op != 0 { // proto3 leaves out default values
		b = appendUintField(b, 1, op)
	}
	for i, a := range args {
		b = appendUintField(b, uint32(i+2), a)
	}
	return gb.add(kind, b)
}

// bytes returns the serialized graph.
func (gb *graphBuilder) bytes() []byte {
	b := append([]byte(magic), binary.LittleEndian.AppendUint64(nil, uint64(len(gb.nodes)))...)
	for _, n := range gb.nodes {
		b = append(appendVarint(b, uint64(len(n))), n...)
	}
	metaStart := len(b)
	var packed, meta []byte
	for _, s := range gb.signals {
		packed = appendVarint(packed, uint64(s))
	}
	meta = appendBytesField(meta, 1, packed)
	names := make([]string, 0, len(gb.inputs))
	for name := range gb.inputs {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		s := gb.inputs[name]
		desc := appendUintField(appendUintField(nil, 1, s.offset), 2, s.len)
		entry := appendBytesField(appendBytesField(nil, 1, []byte(name)), 2, desc)
		meta = appendBytesField(meta, 2, entry)
	}
	b = append(appendVarint(b, uint64(len(meta))), meta...)
	return binary.LittleEndian.AppendUint64(b, uint64(metaStart))
}

// opGraph returns a graph with inputs a, b, c (one value each) whose
// witness is [1, op(a, b, c)] for the given opcode.
func opGraph(o opcode) []byte {
	gb := &graphBuilder{inputs: map[string]span{"a": {1, 1}, "b": {2, 1}, "c": {3, 1}}}
	one := gb.input(0)
	a, b, c := gb.input(1), gb.input(2), gb.input(3)
	var n uint32
	switch {
	case o <= opID:
		n = gb.op(3, uint32(o-opNeg), a)
	case o <= opBxor:
		n = gb.op(4, uint32(o-opMul), a, b)
	default:
		n = gb.op(5, uint32(o-opTernCond), a, b, c)
	}
	gb.signals = []uint32{one, n}
	return gb.bytes()
}
