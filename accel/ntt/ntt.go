package ntt

import (
	"fmt"
	"math/bits"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr/fft"

	"github.com/cairn-node/cairn/accel"
)

// MaxLogSize is the largest transform, as a power of two: 2^28 elements,
// the 2-adicity of the BN254 scalar field (no larger power-of-two root of
// unity exists).
const MaxLogSize = 28

// Order is the element order of a transform's input and output.
type Order uint8

const (
	// NN takes its input and leaves its output in natural order. It is the
	// zero value.
	NN Order = iota
	// NR takes natural order and leaves the output bit-reversed (index i
	// holds the element of index reverse(i) over log2(n) bits). It saves
	// the reordering when the next transform takes RN.
	NR
	// RN takes bit-reversed input and leaves the output in natural order.
	RN
)

// String returns "NN", "NR" or "RN".
func (o Order) String() string {
	switch o {
	case NN:
		return "NN"
	case NR:
		return "NR"
	case RN:
		return "RN"
	}
	return fmt.Sprintf("Order(%d)", uint8(o))
}

// Transform selects what one [NTT.Apply] computes on a vector v of size n.
// With ω = [RootOfUnity](n) and g the coset shift when Coset is set (Shift,
// or [CosetShift] when Shift is zero), else 1:
//
//	forward:  out[j] = Σᵢ v[i]·(g·ωʲ)ⁱ            (evaluations of Σ v[i]Xⁱ on g·⟨ω⟩)
//	inverse:  the inverse map: coefficients from evaluations on g·⟨ω⟩
//
// The zero value is the forward transform on the subgroup, natural order.
type Transform struct {
	// Inverse selects the inverse transform.
	Inverse bool
	// Coset evaluates on (forward) or interpolates from (inverse) the coset
	// g·⟨ω⟩ instead of the subgroup ⟨ω⟩.
	Coset bool
	// Shift is the coset shift g; the zero value means [CosetShift], the
	// shift of gnark's keys. It is ignored without Coset. Each distinct
	// shift costs the go backend a table of n elements per size, kept for
	// the life of the process, so use few.
	Shift fr.Element
	// Order is the order of input and output.
	Order Order
}

// String returns a short name such as "inverse-coset-NR", for errors and
// benchmarks (without the shift).
func (t Transform) String() string {
	s := "forward"
	if t.Inverse {
		s = "inverse"
	}
	if t.Coset {
		s += "-coset"
	}
	return s + "-" + t.Order.String()
}

// NTT computes number-theoretic transforms over the BN254 scalar field
// (gnark-crypto's [fr.Element]).
//
// Apply transforms v in place; len(v) must be a power of two up to
// 2^MaxLogSize (zero length is a no-op), else the error wraps
// [accel.ErrInvalidParams], as it does for an Order other than NN, NR and
// RN. v is not retained. Calls are safe for concurrent use on distinct
// vectors.
type NTT interface {
	// Backend reports which implementation computes the transforms.
	Backend() accel.Backend
	// Apply computes transform t of v in place.
	Apply(v []fr.Element, t Transform) error
}

// CosetShift returns the shift g of coset transforms: 5, the generator of
// the multiplicative group that gnark-crypto's fft.Domain (and so gnark's
// Groth16 proving keys) use by default.
func CosetShift() fr.Element { return fft.GeneratorFullMultiplicativeGroup() }

// shift returns the coset shift of t: Shift, or CosetShift when zero.
func (t Transform) shift() fr.Element {
	if t.Shift.IsZero() {
		return CosetShift()
	}
	return t.Shift
}

// RootOfUnity returns ω, the primitive n-th root of unity the transforms of
// size n use: gnark-crypto's fft.Generator(n), so a transform equals
// gnark-crypto's fft.Domain of the same size. n must be a power of two up to
// 2^MaxLogSize, else the error wraps [accel.ErrInvalidParams].
func RootOfUnity(n int) (fr.Element, error) {
	if err := checkSize(n); err != nil || n == 0 {
		if err == nil {
			err = fmt.Errorf("ntt: no root of unity of order 0 (want a power of two): %w", accel.ErrInvalidParams)
		}
		return fr.Element{}, err
	}
	return fft.Generator(uint64(n))
}

// New returns the NTT computed by backend b:
//
//   - [accel.Go]: gnark-crypto's fft.Domain; always available.
//   - [accel.SIMD]: an error wrapping [accel.ErrUnavailable]: the go
//     backend already runs on gnark-crypto's field assembly.
//   - [accel.Icicle]: icicle v3's NTT on the selected device; only in
//     binaries built with -tags icicle and cgo, otherwise the error wraps
//     [accel.ErrUnavailable] and says how to rebuild.
//
// Any other value gives an error wrapping [accel.ErrUnknownBackend]. The
// returned value is safe for concurrent use.
func New(b accel.Backend) (NTT, error) {
	switch b {
	case accel.Go:
		return goNTT{}, nil
	case accel.SIMD:
		return nil, fmt.Errorf("ntt: no simd backend (the go backend already runs on gnark-crypto's field assembly); use go or auto routing: %w", accel.ErrUnavailable)
	case accel.Icicle:
		return newIcicle()
	}
	return nil, fmt.Errorf("ntt: new backend %q: %w (want go or icicle)", b, accel.ErrUnknownBackend)
}

// Available returns nil when New(b) would succeed, else New's error. For
// [accel.Icicle] it initialises the icicle runtime as New does.
func Available(b accel.Backend) error {
	_, err := New(b)
	return err
}

// ForSize returns the NTT that the process's router ([accel.DefaultRouter]:
// the machine probe, CAIRN_ACCEL and CAIRN_ACCEL_NTT) picks for transforms
// of n elements. A backend the policy names but that cannot run here is an
// error wrapping [accel.ErrUnavailable], as is a malformed CAIRN_ACCEL*
// variable (then the error says which).
func ForSize(n int) (NTT, error) {
	b, err := accel.PickDefault(accel.KernelNTT, n, "elements")
	if err != nil {
		return nil, fmt.Errorf("ntt: %w", err)
	}
	return New(b)
}

// check validates one Apply call.
func check(n int, t Transform) error {
	if t.Order > RN {
		return fmt.Errorf("ntt: %s: unknown order (want NN, NR or RN): %w", t, accel.ErrInvalidParams)
	}
	return checkSize(n)
}

// checkSize accepts 0 and the powers of two up to 2^MaxLogSize.
func checkSize(n int) error {
	if n < 0 || n&(n-1) != 0 || n > 1<<MaxLogSize {
		return fmt.Errorf("ntt: size %d is not a power of two up to 2^%d (pad the vector with zeros): %w", n, MaxLogSize, accel.ErrInvalidParams)
	}
	return nil
}

// log2 returns log2(n) for a power of two n.
func log2(n int) int { return bits.TrailingZeros(uint(n)) }
