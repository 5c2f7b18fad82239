package wasmwitness

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"math/big"
	"sort"
	"strings"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

// fieldWords is the number of 32-bit words of a BN254 scalar field element,
// the only field this package supports.
const fieldWords = fr.Bytes / 4

// Sentinel errors. Errors returned by this package wrap one of them.
var (
	// ErrModule means the wasm module is not a circom 2 witness calculator
	// for the BN254 scalar field (missing exports, another prime, ...).
	ErrModule = errors.New("wasmwitness: not a circom 2 BN254 witness calculator")
	// ErrInput means the inputs do not match the circuit's input signals
	// (unknown name, wrong length, missing signal).
	ErrInput = errors.New("wasmwitness: bad circuit inputs")
	// ErrAssert means the circuit rejected the inputs: an assert in the
	// witness code failed (for RLN, e.g. messageId >= userMessageLimit).
	ErrAssert = errors.New("wasmwitness: circuit assert failed")
	// ErrRuntime means the module raised another runtime exception.
	ErrRuntime = errors.New("wasmwitness: circuit runtime error")
)

// Calculator is a compiled witness calculator. It is safe for concurrent
// use: each Calculate call runs in a fresh module instance.
type Calculator struct {
	rt       wazero.Runtime
	compiled wazero.CompiledModule
}

// New compiles the wasm module. The caller may modify wasm after New returns.
// Close the Calculator to free the compiled code.
func New(ctx context.Context, wasm []byte) (*Calculator, error) {
	rt := wazero.NewRuntime(ctx)
	if err := instantiateRuntimeHost(ctx, rt); err != nil {
		rt.Close(ctx)
		return nil, err
	}
	compiled, err := rt.CompileModule(ctx, wasm)
	if err != nil {
		rt.Close(ctx)
		return nil, fmt.Errorf("%w: compile: %w", ErrModule, err)
	}
	for _, name := range requiredExports {
		if _, ok := compiled.ExportedFunctions()[name]; !ok {
			rt.Close(ctx)
			return nil, fmt.Errorf("%w: export %q missing", ErrModule, name)
		}
	}
	return &Calculator{rt: rt, compiled: compiled}, nil
}

// Close frees the compiled module. It is safe to call more than once.
func (c *Calculator) Close(ctx context.Context) error {
	return c.rt.Close(ctx)
}

// Calculate compiles wasm, computes the witness for inputs and frees the
// module again. See [Calculator.Calculate].
func Calculate(wasm []byte, inputs map[string][]fr.Element) ([]fr.Element, error) {
	ctx := context.Background()
	c, err := New(ctx, wasm)
	if err != nil {
		return nil, err
	}
	defer c.Close(ctx)
	return c.Calculate(ctx, inputs)
}

// Calculate returns the full witness vector (wire 0 is 1, then the public
// outputs, public inputs and the rest, in circom wire order). inputs maps
// each input signal name to its values, arrays flattened in row-major order;
// every input signal must be given with exactly its length. The inputs are
// only read. Errors wrap [ErrInput], [ErrAssert], [ErrRuntime] or
// [ErrModule].
func (c *Calculator) Calculate(ctx context.Context, inputs map[string][]fr.Element) ([]fr.Element, error) {
	st := &callState{}
	ctx = context.WithValue(ctx, stateKey{}, st)
	mod, err := c.rt.InstantiateModule(ctx, c.compiled, wazero.NewModuleConfig().WithName(""))
	if err != nil {
		return nil, fmt.Errorf("%w: instantiate: %w", ErrModule, err)
	}
	defer mod.Close(ctx)
	m := instance{ctx: ctx, mod: mod, st: st}

	if n := m.call1("getFieldNumLen32"); n != fieldWords {
		return nil, fmt.Errorf("%w: field has %d 32-bit words, want %d", ErrModule, n, fieldWords)
	}
	m.call("getRawPrime")
	if p := m.readSharedInt(); m.err != nil || p.Cmp(fr.Modulus()) != 0 {
		return nil, fmt.Errorf("%w: prime %s is not the BN254 scalar field modulus", ErrModule, p)
	}
	m.call("init", 0)

	names := make([]string, 0, len(inputs))
	for name := range inputs {
		names = append(names, name)
	}
	sort.Strings(names)
	set := uint32(0)
	for _, name := range names {
		hMSB, hLSB := signalHash(name)
		size := int32(m.call1("getInputSignalSize", hMSB, hLSB))
		if m.err != nil {
			return nil, m.err
		}
		if size <= 0 { // circom answers 0 (older runtimes -1) for an unknown hash
			return nil, fmt.Errorf("%w: the circuit has no input signal %q", ErrInput, name)
		}
		if vals := inputs[name]; len(vals) != int(size) {
			return nil, fmt.Errorf("%w: input signal %q has %d values, want %d", ErrInput, name, len(vals), size)
		}
		for i, v := range inputs[name] {
			m.writeShared(&v)
			m.call("setInputSignal", hMSB, hLSB, uint64(i))
			if m.err != nil {
				return nil, fmt.Errorf("set input signal %s[%d]: %w", name, i, m.err)
			}
			set++
		}
	}
	if want := m.call1("getInputSize"); m.err == nil && set != want {
		return nil, fmt.Errorf("%w: %d input values set, the circuit needs %d (an input signal is missing)", ErrInput, set, want)
	}

	n := m.call1("getWitnessSize")
	if m.err != nil {
		return nil, m.err
	}
	w := make([]fr.Element, n)
	for i := range w {
		m.call("getWitness", uint64(i))
		w[i] = m.readShared()
		if m.err != nil {
			return nil, fmt.Errorf("read witness %d: %w", i, m.err)
		}
	}
	return w, nil
}

// requiredExports are the module functions Calculate calls.
var requiredExports = []string{
	"getFieldNumLen32", "getRawPrime", "init", "getInputSignalSize", "getInputSize",
	"setInputSignal", "getWitnessSize", "getWitness", "getMessageChar",
	"readSharedRWMemory", "writeSharedRWMemory",
}

// signalHash returns the 64-bit FNV-1a hash of a signal name as the two
// 32-bit halves that the runtime API takes (most significant first).
func signalHash(name string) (hMSB, hLSB uint64) {
	h := fnv.New64a()
	h.Write([]byte(name))
	s := h.Sum64()
	return s >> 32, s & 0xffffffff
}

// instance wraps one module instance; the first error sticks in err and
// turns later calls into no-ops.
type instance struct {
	ctx context.Context
	mod api.Module
	st  *callState
	err error
}

func (m *instance) call(name string, args ...uint64) []uint64 {
	if m.err != nil {
		return nil
	}
	res, err := m.mod.ExportedFunction(name).Call(m.ctx, args...)
	if err != nil {
		m.err = m.st.wrap(name, err)
		return nil
	}
	return res
}

func (m *instance) call1(name string, args ...uint64) uint32 {
	res := m.call(name, args...)
	if len(res) != 1 {
		if m.err == nil {
			m.err = fmt.Errorf("%w: %s returned %d values, want 1", ErrModule, name, len(res))
		}
		return 0
	}
	return uint32(res[0])
}

// writeShared stores v in the shared memory, least significant word first.
func (m *instance) writeShared(v *fr.Element) {
	b := v.Bits() // regular (non-Montgomery) form, little-endian limbs
	for j := range fieldWords {
		word := b[j/2] >> (32 * (j % 2)) & 0xffffffff
		m.call("writeSharedRWMemory", uint64(j), word)
	}
}

// readShared loads the field element in the shared memory, reduced mod r.
func (m *instance) readShared() fr.Element {
	var e fr.Element
	e.SetBigInt(m.readSharedInt())
	return e
}

// readSharedInt loads the number in the shared memory.
func (m *instance) readSharedInt() *big.Int {
	var words [fieldWords]uint32
	for j := range words {
		words[j] = m.call1("readSharedRWMemory", uint64(j))
	}
	var limbs [4]uint64
	for j, w := range words {
		limbs[j/2] |= uint64(w) << (32 * (j % 2))
	}
	x := new(big.Int)
	for j := len(limbs) - 1; j >= 0; j-- {
		x.Lsh(x, 64).Or(x, new(big.Int).SetUint64(limbs[j]))
	}
	return x
}

// stateKey is the context key of a Calculate call's *callState.
type stateKey struct{}

// callState collects the error messages the module prints during one
// Calculate call.
type callState struct {
	errMsg strings.Builder // runtime.printErrorMessage output
}

// exception is the panic value that the exceptionHandler import raises to
// unwind the wasm stack; wazero recovers it and returns it from Call.
type exception struct{ code uint32 }

func (e exception) Error() string { return fmt.Sprintf("circom runtime exception %d", e.code) }

// wrap turns an error from a module call into one of the package errors,
// with the circuit's own messages.
func (s *callState) wrap(fn string, err error) error {
	var ex exception
	if !errors.As(err, &ex) {
		return fmt.Errorf("%w: %s: %w", ErrRuntime, fn, err)
	}
	msg := strings.TrimSpace(s.errMsg.String())
	if msg != "" {
		msg = ": " + strings.ReplaceAll(msg, "\n", "; ")
	}
	switch ex.code {
	case 1:
		return fmt.Errorf("%w: signal not found%s", ErrInput, msg)
	case 2:
		return fmt.Errorf("%w: too many signals set%s", ErrInput, msg)
	case 3:
		return fmt.Errorf("%w: signal already set%s", ErrInput, msg)
	case 4:
		return fmt.Errorf("%w%s", ErrAssert, msg)
	case 5:
		return fmt.Errorf("%w: not enough memory%s", ErrRuntime, msg)
	case 6:
		return fmt.Errorf("%w: input signal array access exceeds the size%s", ErrInput, msg)
	default:
		return fmt.Errorf("%w: exception %d%s", ErrRuntime, ex.code, msg)
	}
}
