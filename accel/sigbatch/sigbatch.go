package sigbatch

import (
	"errors"
	"fmt"

	"github.com/cairn-node/cairn/accel"
)

// Scheme names a signature scheme, as written in the "scheme" field of the
// JSON batch format.
type Scheme string

// The supported schemes; see the package documentation for the exact
// encodings and verification rules of each.
const (
	// Ed25519 is RFC 8032 Ed25519 with ZIP-215 verification rules.
	Ed25519 Scheme = "ed25519"
	// BLS12381 is BLS signatures on BLS12-381, min-pk, proof-of-possession
	// ciphersuite (Ethereum's).
	BLS12381 Scheme = "bls12-381"
	// Secp256k1 is ECDSA on secp256k1 over SHA-256 of the message.
	Secp256k1 Scheme = "secp256k1"
)

// Schemes lists the supported schemes in documentation order.
var Schemes = []Scheme{Ed25519, BLS12381, Secp256k1}

// ParseScheme returns the scheme named s (exact, lower case), or an error
// wrapping ErrMalformed that lists the supported names.
func ParseScheme(s string) (Scheme, error) {
	for _, k := range Schemes {
		if Scheme(s) == k {
			return k, nil
		}
	}
	return "", fmt.Errorf("%w: unknown scheme %q (want ed25519, bls12-381 or secp256k1)", ErrMalformed, s)
}

// Sentinel errors; test them with errors.Is.
var (
	// ErrMalformed reports an item that cannot be a valid signature
	// whatever the rest of the batch holds: an unknown scheme, a key or
	// signature of the wrong length, a point that is not on its curve or
	// not in its prime-order subgroup, the point at infinity, or a scalar
	// out of range. Verify counts such items as failed; CheckItem says why.
	ErrMalformed = errors.New("sigbatch: malformed item")
)

// Item is one signature to verify. The verifier only reads the slices and
// does not retain them.
type Item struct {
	// Scheme selects the encoding and the verification rules.
	Scheme Scheme
	// PublicKey is the signer's key: 32 bytes (ed25519), a 48-byte
	// compressed G1 point (bls12-381), a 33-byte compressed or 65-byte
	// uncompressed SEC1 point (secp256k1).
	PublicKey []byte
	// Message is the signed message, any length. For secp256k1 the signed
	// digest is SHA-256(Message).
	Message []byte
	// Signature is 64 bytes R||S (ed25519), a 96-byte compressed G2 point
	// (bls12-381) or 64 bytes r||s big-endian (secp256k1).
	Signature []byte
	// PublicKeys, for bls12-381 only and instead of PublicKey, makes the
	// item an aggregate signature: Signature is the sum of the signatures
	// of every key on the same Message (the IETF draft's
	// FastAggregateVerify). Each key must be a valid G1 point; the caller
	// must already trust each key's proof of possession (the premise of
	// the POP ciphersuite, as Ethereum checks it at deposit), which is
	// what makes aggregating keys safe against rogue keys.
	PublicKeys [][]byte
}

// Result is the outcome of one Verify call.
type Result struct {
	// OK[i] reports whether item i is a valid signature.
	OK []bool
	// Valid is the number of valid items.
	Valid int
	// Failed lists the indices of the items that are not valid, ascending;
	// it is empty (not nil) when every item is valid.
	Failed []int
}

// newResult summarises ok into a Result that owns ok.
func newResult(ok []bool) Result {
	r := Result{OK: ok, Failed: []int{}}
	for i, v := range ok {
		if v {
			r.Valid++
		} else {
			r.Failed = append(r.Failed, i)
		}
	}
	return r
}

// Verifier verifies batches of signatures of any mix of schemes.
//
// Methods only read their arguments and do not retain them; a Verifier is
// safe for concurrent use.
type Verifier interface {
	// Backend reports which implementation verifies.
	Backend() accel.Backend
	// Verify decides every item and returns the per-item answers. An
	// item's answer never depends on the other items: a malformed item
	// (ErrMalformed) is false without affecting the rest, and a failing
	// batch equation is bisected down to exactly the bad items. The
	// randomised batch checks (Ed25519, BLS12-381) accept a batch holding
	// a bad signature with probability below 2⁻⁶⁰. The error is non-nil
	// only when the random source fails; then the Result is empty. Empty
	// input gives an empty Result.
	Verify(items []Item) (Result, error)
}

// New returns the verifier of backend b:
//
//   - [accel.Go]: curve25519-voi, gnark-crypto and dcrd secp256k1 in Go;
//     always available.
//   - [accel.SIMD], [accel.Icicle]: an error wrapping [accel.ErrUnavailable]
//     (see the package documentation for why).
//
// Any other value gives an error wrapping [accel.ErrUnknownBackend]. The
// returned value is safe for concurrent use.
func New(b accel.Backend) (Verifier, error) {
	switch b {
	case accel.Go:
		return goVerifier{}, nil
	case accel.SIMD:
		return nil, fmt.Errorf("sigbatch: no simd backend (the go backend's curve arithmetic is already assembly in curve25519-voi, gnark-crypto and dcrd); use go or auto routing: %w", accel.ErrUnavailable)
	case accel.Icicle:
		return nil, fmt.Errorf("sigbatch: no icicle backend (Cairn builds icicle for BN254 only; BLS12-381 MSMs would need a BLS12-381 build of icicle, whose Go wrappers expose no pairing, and icicle has no Ed25519 or secp256k1 verification); use go or auto routing: %w", accel.ErrUnavailable)
	}
	return nil, fmt.Errorf("sigbatch: new backend %q: %w (want go)", b, accel.ErrUnknownBackend)
}

// Available returns nil when New(b) would succeed, else New's error.
func Available(b accel.Backend) error {
	_, err := New(b)
	return err
}

// ForSize returns the verifier that the process's router
// ([accel.DefaultRouter]: the machine probe, CAIRN_ACCEL and
// CAIRN_ACCEL_SIGBATCH) picks for a batch of n signatures. A backend the
// policy names for this kernel is an error wrapping [accel.ErrUnavailable],
// as is a malformed CAIRN_ACCEL* variable.
func ForSize(n int) (Verifier, error) {
	b, err := accel.PickDefault(accel.KernelSigBatch, n, "signatures")
	if err != nil {
		return nil, fmt.Errorf("sigbatch: %w", err)
	}
	return New(b)
}

// CheckItem returns nil when it is well formed: a known scheme, and a key
// and signature that decode to valid points and scalars of that scheme. It
// returns an error wrapping ErrMalformed that says what is wrong otherwise.
// A well-formed item may still fail verification. CheckItem does the
// decoding work of one verification (for BLS12-381, the subgroup checks),
// so callers use it to explain a failure, not before every Verify.
func CheckItem(it Item) error {
	var err error
	if len(it.PublicKeys) > 0 && it.Scheme != BLS12381 {
		return malformed(it.Scheme, "public_keys (an aggregate signature) is for bls12-381 only")
	}
	switch it.Scheme {
	case Ed25519:
		err = checkEd25519(it)
	case BLS12381:
		_, _, err = decodeBLS(it, true)
	case Secp256k1:
		_, _, err = decodeSecp256k1(it)
	default:
		_, err = ParseScheme(string(it.Scheme))
	}
	return err
}

// malformed returns an error wrapping ErrMalformed for scheme s.
// format may use %w for a cause.
func malformed(s Scheme, format string, args ...any) error {
	return fmt.Errorf("%w: %s: "+format, append([]any{ErrMalformed, s}, args...)...)
}
