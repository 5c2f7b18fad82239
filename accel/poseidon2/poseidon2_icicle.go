//go:build icicle && cgo && !icicle_gnark

package poseidon2

// The icicle backend of Poseidon2 (build tag `icicle`, cgo).
//
// icicle v3.9.2 has a Poseidon2 hasher for BN254 (poseidon2.NewHasher, t=3),
// but it cannot compute the Logos Storage permutation:
//   - its round constants are HorizenLabs' CURRENT ones (first 0x1d066a25…,
//     perm(0,1,2)[0] = 0x0bb61d24…; icicle/include/icicle/hash/
//     poseidon2_constants/constants/bn254_poseidon2.h), not the older set that
//     nim-poseidon2 and this package use (constants.go, perm(0,1,2)[0] =
//     0x30610a44…), and the hasher API takes no custom constants;
//   - it returns the SECOND state element (backend/cpu/src/hash/
//     cpu_poseidon2.cpp ends with `out[0] = states[1]`), and its sponge puts the
//     capacity at index 0 with its own padding.
//
// So this file runs the permutation as icicle "programs" instead: element-wise
// straight-line code over the three state vectors, built from this package's
// constants and executed by icicle's vector engine (bn254_execute_program) on
// the selected device (CPU or CUDA). A program addresses at most 256
// variables, so the 64 rounds are split into four programs; a whole Merkle
// layer is one upload, four program calls and one download.

/*
#cgo LDFLAGS: -licicle_field_bn254 -licicle_device -lstdc++
#include <stdbool.h>
#include <stdint.h>

typedef struct scalar_t scalar_t;
typedef struct Symbol Symbol;
typedef struct Program Program;

// Same layout as icicle::VecOpsConfig (icicle/vec_ops.h).
typedef struct {
	void* stream;
	bool is_a_on_device;
	bool is_b_on_device;
	bool is_result_on_device;
	bool is_async;
	int batch_size;
	bool columns_batch;
	void* ext;
} cairn_vec_ops_config;

Symbol* bn254_create_input_symbol(int in_idx);
Symbol* bn254_create_scalar_symbol(const scalar_t* constant);
int bn254_add_symbols(Symbol* a, Symbol* b, Symbol** res);
int bn254_multiply_symbols(Symbol* a, Symbol* b, Symbol** res);
int bn254_generate_program(Symbol** parameters, int nof_parameters, Program** program);
int bn254_execute_program(scalar_t** data, uint64_t nof_params, const Program* program, uint64_t size, const cairn_vec_ops_config* config);
*/
import "C"

import (
	"errors"
	"fmt"
	"math/big"
	"sync"
	"unsafe"

	icrt "github.com/ingonyama-zk/icicle/v3/wrappers/golang/runtime"

	"github.com/cairn-node/cairn/accel"
	"github.com/cairn-node/cairn/accel/internal/icicle"
)

// icicleMaxBatch bounds the states sent to the device in one go (96 bytes of
// device memory each, so 96 MiB); larger calls are split.
const icicleMaxBatch = 1 << 20

// icicleMaxVars is the variable budget of one icicle program: operand indices
// are one byte, so parameters + constants + intermediates must stay below 256.
// We keep a margin.
const icicleMaxVars = 248

// Variables one round adds to a program (constants + intermediate results).
const (
	icicleCostPreMDS  = 5  // 2 adds for the sum, 3 for the outputs
	icicleCostFull    = 20 // 3 constants, 3 adds, 9 muls (x^5), 2 + 3 adds (matrix)
	icicleCostPartial = 11 // 1 constant, 1 add, 3 muls, 2 + 4 adds (matrix)
)

var iciclePrograms struct {
	once  sync.Once
	progs []*C.Program
	err   error
}

// icicleP2 implements accel.Poseidon2 on icicle's selected device.
type icicleP2 struct{}

var _ accel.Poseidon2 = icicleP2{}

// newIcicle returns the icicle Poseidon2 backend, or an error wrapping
// accel.ErrUnavailable when no icicle device can be used.
func newIcicle() (accel.Poseidon2, error) {
	if err := icicle.Init(); err != nil {
		return nil, err
	}
	iciclePrograms.once.Do(icicleBuildPrograms)
	if iciclePrograms.err != nil {
		return nil, fmt.Errorf("poseidon2: %w: %w", accel.ErrUnavailable, iciclePrograms.err)
	}
	return icicleP2{}, nil
}

func (icicleP2) Backend() accel.Backend { return accel.Icicle }

// Permute applies the permutation to each state in place.
func (p icicleP2) Permute(states [][3]accel.Fr) error {
	for i := range states {
		for j := range 3 {
			if !icicleCanonical(&states[i][j]) {
				return fmt.Errorf("poseidon2: Permute: state %d element %d: %w", i, j, accel.ErrInvalidElement)
			}
		}
	}
	for len(states) > 0 {
		n := min(len(states), icicleMaxBatch)
		var s [3][]accel.Fr
		for j := range s {
			s[j] = make([]accel.Fr, n)
		}
		for i, st := range states[:n] {
			s[0][i], s[1][i], s[2][i] = st[0], st[1], st[2]
		}
		if err := icicleRun(s[0], s[1], s[2], s[0], s[1], s[2]); err != nil {
			return fmt.Errorf("poseidon2: Permute: %w", err)
		}
		for i := range states[:n] {
			states[i] = [3]accel.Fr{s[0][i], s[1][i], s[2][i]}
		}
		states = states[n:]
	}
	return nil
}

// Compress writes out[i] = permutation(left[i], right[i], key)[0]. The whole
// slice is one device round trip (per icicleMaxBatch states).
func (p icicleP2) Compress(out, left, right []accel.Fr, key uint64) error {
	if len(out) != len(left) || len(left) != len(right) {
		return fmt.Errorf("poseidon2: Compress: lengths %d, %d, %d differ: %w", len(out), len(left), len(right), accel.ErrInvalidParams)
	}
	for i := range left {
		if !icicleCanonical(&left[i]) || !icicleCanonical(&right[i]) {
			return fmt.Errorf("poseidon2: Compress: pair %d: %w", i, accel.ErrInvalidElement)
		}
	}
	var k accel.Fr
	for i := range 8 {
		k[i] = byte(key >> (8 * i))
	}
	var keys []accel.Fr
	for len(left) > 0 {
		n := min(len(left), icicleMaxBatch)
		if len(keys) < n {
			keys = make([]accel.Fr, n)
			for i := range keys {
				keys[i] = k
			}
		}
		if err := icicleRun(left[:n], right[:n], keys[:n], out[:n], nil, nil); err != nil {
			return fmt.Errorf("poseidon2: Compress: %w", err)
		}
		out, left, right = out[n:], left[n:], right[n:]
	}
	return nil
}

// Sponge hashes elems with the rate-2 sponge of nim-poseidon2: state
// (0, 0, 2^64 + 0x0302), absorb pairs into elements 0 and 1, pad with a single
// 1, return element 0. Each absorption is one permutation on the device, so
// this is slow; it exists so the backend passes the conformance suite.
func (p icicleP2) Sponge(elems []accel.Fr) (accel.Fr, error) {
	for i := range elems {
		if !icicleCanonical(&elems[i]) {
			return accel.Fr{}, fmt.Errorf("poseidon2: Sponge: element %d: %w", i, accel.ErrInvalidElement)
		}
	}
	var one, zero accel.Fr
	one[0] = 1
	in := append(elems[:len(elems):len(elems)], one)
	if len(in)%2 == 1 {
		in = append(in, zero)
	}
	var st [3][]accel.Fr
	for j := range st {
		st[j] = make([]accel.Fr, 1)
	}
	st[2][0][0], st[2][0][1], st[2][0][8] = 0x02, 0x03, 0x01 // 2^64 + 0x0302
	for i := 0; i < len(in); i += 2 {
		st[0][0] = icicleAdd(st[0][0], in[i])
		st[1][0] = icicleAdd(st[1][0], in[i+1])
		if err := icicleRun(st[0], st[1], st[2], st[0], st[1], st[2]); err != nil {
			return accel.Fr{}, fmt.Errorf("poseidon2: Sponge: %w", err)
		}
	}
	return st[0][0], nil
}

// icicleAdd returns a + b mod r for canonical a and b.
func icicleAdd(a, b accel.Fr) (z accel.Fr) {
	var carry uint16
	for i := range z {
		t := uint16(a[i]) + uint16(b[i]) + carry
		z[i], carry = byte(t), t>>8
	}
	if carry == 0 && icicleCanonical(&z) {
		return z
	}
	var borrow int16
	for i := range z {
		t := int16(z[i]) - int16(icicleModulus[i]) - borrow
		borrow = 0
		if t < 0 {
			t += 256
			borrow = 1
		}
		z[i] = byte(t)
	}
	return z
}

// icicleRun permutes the states (in0[i], in1[i], in2[i]) on the device and
// writes element j of each result to outj when outj is not nil. All inputs
// have the same length; outputs may alias inputs.
func icicleRun(in0, in1, in2, out0, out1, out2 []accel.Fr) error {
	n := len(in0)
	if n == 0 {
		return nil
	}
	size := uint(n) * 32
	var dev [3]unsafe.Pointer
	defer func() {
		for _, d := range dev {
			if d != nil {
				icrt.Free(d)
			}
		}
	}()
	for j, in := range [3][]accel.Fr{in0, in1, in2} {
		d, code := icrt.Malloc(size)
		if err := icicle.Error("malloc", code); err != nil {
			return err
		}
		dev[j] = d
		if _, code := icrt.CopyToDevice(d, unsafe.Pointer(&in[0]), size); code != icrt.Success {
			return icicle.Error("copy to device", code)
		}
	}
	cfg := C.cairn_vec_ops_config{
		batch_size:          1,
		is_a_on_device:      true,
		is_b_on_device:      true,
		is_result_on_device: true,
	}
	for i, prog := range iciclePrograms.progs {
		code := C.bn254_execute_program((**C.scalar_t)(unsafe.Pointer(&dev[0])), 3, prog, C.uint64_t(n), &cfg)
		if err := icicle.Error(fmt.Sprintf("execute program %d/%d", i+1, len(iciclePrograms.progs)), icrt.EIcicleError(code)); err != nil {
			return err
		}
	}
	for j, out := range [3][]accel.Fr{out0, out1, out2} {
		if out == nil {
			continue
		}
		if _, code := icrt.CopyFromDevice(unsafe.Pointer(&out[0]), dev[j], size); code != icrt.Success {
			return icicle.Error("copy from device", code)
		}
	}
	return nil
}

// icicleCanonical reports whether x is below the BN254 scalar modulus.
func icicleCanonical(x *accel.Fr) bool {
	for i := 31; i >= 0; i-- {
		if x[i] != icicleModulus[i] {
			return x[i] < icicleModulus[i]
		}
	}
	return false
}

// icicleModulus is r in little-endian bytes.
var icicleModulus = func() (m accel.Fr) {
	b := Modulus().FillBytes(make([]byte, 32))
	for i := range m {
		m[i] = b[31-i]
	}
	return m
}()

// icicleBuildPrograms turns the round schedule into icicle programs.
func icicleBuildPrograms() {
	type round struct {
		cost int
		emit func(s *icicleState)
	}
	rounds := []round{{icicleCostPreMDS, (*icicleState).externalMatrix}}
	full := func(r int) round {
		var c [3]accel.Fr
		for i := range c {
			c[i] = icicleHex(externalRoundConstantsHex[r*width+i])
		}
		return round{icicleCostFull, func(s *icicleState) { s.fullRound(c) }}
	}
	for r := range nFullRounds / 2 {
		rounds = append(rounds, full(r))
	}
	for _, rc := range internalRoundConstantsHex {
		c := icicleHex(rc)
		rounds = append(rounds, round{icicleCostPartial, func(s *icicleState) { s.partialRound(c) }})
	}
	for r := nFullRounds / 2; r < nFullRounds; r++ {
		rounds = append(rounds, full(r))
	}

	for len(rounds) > 0 {
		s := icicleNewState()
		used := 3 // the parameters
		k := 0
		for k < len(rounds) && used+rounds[k].cost <= icicleMaxVars {
			used += rounds[k].cost
			rounds[k].emit(s)
			k++
		}
		if k == 0 {
			iciclePrograms.err = errors.New("BUG: a round does not fit in one icicle program")
			return
		}
		rounds = rounds[k:]
		if s.err != nil {
			iciclePrograms.err = s.err
			return
		}
		var prog *C.Program
		code := C.bn254_generate_program((**C.Symbol)(unsafe.Pointer(&s.v[0])), 3, &prog)
		if err := icicle.Error("generate program", icrt.EIcicleError(code)); err != nil {
			iciclePrograms.err = err
			return
		}
		iciclePrograms.progs = append(iciclePrograms.progs, prog)
	}
}

// icicleState is the symbolic state while a program is being built.
type icicleState struct {
	v   [3]*C.Symbol
	err error
}

func icicleNewState() *icicleState {
	s := &icicleState{}
	for i := range s.v {
		s.v[i] = C.bn254_create_input_symbol(C.int(i))
		if s.v[i] == nil {
			s.err = errors.New("icicle: create input symbol failed")
		}
	}
	return s
}

func (s *icicleState) add(a, b *C.Symbol) *C.Symbol {
	var r *C.Symbol
	if code := C.bn254_add_symbols(a, b, &r); code != 0 && s.err == nil {
		s.err = icicle.Error("add symbols", icrt.EIcicleError(code))
	}
	return r
}

func (s *icicleState) mul(a, b *C.Symbol) *C.Symbol {
	var r *C.Symbol
	if code := C.bn254_multiply_symbols(a, b, &r); code != 0 && s.err == nil {
		s.err = icicle.Error("multiply symbols", icrt.EIcicleError(code))
	}
	return r
}

func (s *icicleState) constant(c accel.Fr) *C.Symbol {
	return C.bn254_create_scalar_symbol((*C.scalar_t)(unsafe.Pointer(&c[0])))
}

func (s *icicleState) pow5(x *C.Symbol) *C.Symbol {
	x2 := s.mul(x, x)
	x4 := s.mul(x2, x2)
	return s.mul(x4, x)
}

// externalMatrix multiplies by circ(2, 1, 1): s_i = s_i + (s_0 + s_1 + s_2).
func (s *icicleState) externalMatrix() {
	sum := s.add(s.add(s.v[0], s.v[1]), s.v[2])
	for i := range s.v {
		s.v[i] = s.add(sum, s.v[i])
	}
}

func (s *icicleState) fullRound(rc [3]accel.Fr) {
	for i := range s.v {
		s.v[i] = s.pow5(s.add(s.v[i], s.constant(rc[i])))
	}
	s.externalMatrix()
}

// partialRound adds the constant to s_0, applies the S-box to s_0 and
// multiplies by the internal matrix J + diag(1, 1, 2).
func (s *icicleState) partialRound(rc accel.Fr) {
	x := s.pow5(s.add(s.v[0], s.constant(rc)))
	sum := s.add(s.add(x, s.v[1]), s.v[2])
	s.v[0] = s.add(sum, x)
	s.v[1] = s.add(sum, s.v[1])
	s.v[2] = s.add(s.add(sum, s.v[2]), s.v[2])
}

// icicleHex parses a 0x-prefixed big-endian constant into little-endian bytes.
func icicleHex(h string) (x accel.Fr) {
	v, ok := new(big.Int).SetString(h[2:], 16)
	if !ok {
		panic("BUG: bad Poseidon2 constant " + h)
	}
	b := v.FillBytes(make([]byte, 32))
	for i := range x {
		x[i] = b[31-i]
	}
	return x
}
