// Package rlnjob is the prover farm's "rln-prove" kind: a worker makes an
// RLN v2 proof, the submitter checks it against the public values it
// computes itself.
//
//	payload, err := rlnjob.EncodeInput(in)          // rln.ProveInput
//	res, err := sub.Submit(ctx, rlnjob.Kind, payload) // verified by Verifier
//	pv, err := rln.DecodeProofValues(res)
//
// Workers register NewHandler(prover); submitters Verifier{}. The payload
// holds the member's identity secret (the prover needs it as witness), so
// every worker of a farm running this kind must be trusted with it: run
// such farms on your own machines only.
//
// # Payload
//
// Version 1, all integers big-endian, field elements 32 bytes
// little-endian and canonical (rln.DecodeField):
//
//	version (1 byte) = 1
//	identity_secret_hash  (32)
//	user_message_limit    (u64)
//	message_id            (u64)
//	external_nullifier    (32)
//	path_elements         (TreeDepth × 32)
//	identity_path_index   (TreeDepth bytes, each 0 or 1)
//	signal length         (u32, at most MaxSignal) and signal
//
// The result is rln.ProofValues in zerokit's 288-byte layout.
package rlnjob

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"

	"github.com/cairn-node/cairn/node/farm"
	"github.com/cairn-node/cairn/node/relay/rln"
)

// Kind is the job kind of RLN proofs.
const Kind = "rln-prove"

// payloadVersion is the payload layout this package writes and reads.
const payloadVersion = 1

// MaxSignal bounds the signal of a payload: a Waku message with its
// content topic and timestamp fits with room to spare.
const MaxSignal = 1 << 20

// fixedSize is the payload size without the signal.
const fixedSize = 1 + rln.FieldSize + 8 + 8 + rln.FieldSize + rln.TreeDepth*rln.FieldSize + rln.TreeDepth + 4

// ErrPayload reports a payload that does not decode.
var ErrPayload = errors.New("rlnjob: malformed payload")

// ErrWrongProof reports a result that is not a valid proof of the
// submitted input.
var ErrWrongProof = errors.New("rlnjob: wrong proof")

// EncodeInput returns the payload for in. It fails when in's path does not
// have TreeDepth levels of 0/1 bits or its signal exceeds MaxSignal.
func EncodeInput(in rln.ProveInput) ([]byte, error) {
	if len(in.Path.PathElements) != rln.TreeDepth || len(in.Path.PathIndex) != rln.TreeDepth {
		return nil, fmt.Errorf("rlnjob: path has %d elements and %d index bits, want %d of each", len(in.Path.PathElements), len(in.Path.PathIndex), rln.TreeDepth)
	}
	if len(in.Signal) > MaxSignal {
		return nil, fmt.Errorf("rlnjob: signal is %d bytes, at most %d", len(in.Signal), MaxSignal)
	}
	out := make([]byte, 0, fixedSize+len(in.Signal))
	out = append(out, payloadVersion)
	out = appendField(out, in.IdentitySecret)
	out = binary.BigEndian.AppendUint64(out, in.UserMessageLimit)
	out = binary.BigEndian.AppendUint64(out, in.MessageID)
	out = appendField(out, in.ExternalNullifier)
	for _, e := range in.Path.PathElements {
		out = appendField(out, e)
	}
	for _, b := range in.Path.PathIndex {
		if b > 1 {
			return nil, fmt.Errorf("rlnjob: path index bit %d: want 0 or 1", b)
		}
		out = append(out, b)
	}
	out = binary.BigEndian.AppendUint32(out, uint32(len(in.Signal)))
	return append(out, in.Signal...), nil
}

func appendField(out []byte, e fr.Element) []byte {
	var b [rln.FieldSize]byte
	fr.LittleEndian.PutElement(&b, e)
	return append(out, b[:]...)
}

// DecodeInput decodes a payload written by EncodeInput. Errors wrap
// ErrPayload. It does not retain b.
func DecodeInput(b []byte) (rln.ProveInput, error) {
	var in rln.ProveInput
	if len(b) < fixedSize {
		return in, fmt.Errorf("%w: %d bytes, want at least %d", ErrPayload, len(b), fixedSize)
	}
	if b[0] != payloadVersion {
		return in, fmt.Errorf("%w: version %d, want %d (submitter and worker run different cairn versions)", ErrPayload, b[0], payloadVersion)
	}
	r := reader{b: b[1:]}
	in.IdentitySecret = r.field("identity secret")
	in.UserMessageLimit = r.u64()
	in.MessageID = r.u64()
	in.ExternalNullifier = r.field("external nullifier")
	in.Path.PathElements = make([]fr.Element, rln.TreeDepth)
	for i := range in.Path.PathElements {
		in.Path.PathElements[i] = r.field("path element")
	}
	in.Path.PathIndex = append([]uint8(nil), r.take(rln.TreeDepth)...)
	for i, bit := range in.Path.PathIndex {
		if bit > 1 && r.err == nil {
			r.err = fmt.Errorf("%w: path index bit %d is %d, want 0 or 1", ErrPayload, i, bit)
		}
	}
	n := r.u32()
	if r.err == nil && (n > MaxSignal || int(n) != len(r.b)) {
		r.err = fmt.Errorf("%w: signal length %d, %d bytes follow (at most %d)", ErrPayload, n, len(r.b), MaxSignal)
	}
	if r.err != nil {
		return rln.ProveInput{}, r.err
	}
	in.Signal = append([]byte{}, r.b...)
	return in, nil
}

// reader reads the fixed part of a payload; the first error sticks.
type reader struct {
	b   []byte
	err error
}

// take returns the next n bytes; the caller has checked the length.
func (r *reader) take(n int) []byte {
	out := r.b[:n]
	r.b = r.b[n:]
	return out
}

func (r *reader) field(name string) fr.Element {
	e, err := rln.DecodeField(r.take(rln.FieldSize))
	if err != nil && r.err == nil {
		r.err = fmt.Errorf("%w: %s: %w", ErrPayload, name, err)
	}
	return e
}

func (r *reader) u64() uint64 { return binary.BigEndian.Uint64(r.take(8)) }
func (r *reader) u32() uint32 { return binary.BigEndian.Uint32(r.take(4)) }

// NewHandler returns the worker side: it proves each payload with p. Bad
// input (a payload that does not decode, a message id over the limit) is
// a final error; a prover fault (rln.ErrProverFault: a broken MSM
// backend) wraps farm.ErrWorkerFault, so another worker retries the job.
func NewHandler(p *rln.Prover) farm.Handler {
	return farm.HandlerFunc(func(_ context.Context, payload []byte) ([]byte, error) {
		in, err := DecodeInput(payload)
		if err != nil {
			return nil, err
		}
		pv, err := p.Prove(in)
		switch {
		case errors.Is(err, rln.ErrProverFault):
			return nil, fmt.Errorf("%w: %w", farm.ErrWorkerFault, err)
		case err != nil:
			return nil, err
		}
		return pv.Encode(), nil
	})
}

// Verifier is the submitter side: it recomputes the public values of the
// payload (root from the path, x from the signal, the shares y and
// nullifier, the external nullifier) and accepts a result only when it
// carries exactly those and its Groth16 proof verifies under
// rln.DefaultVerifyingKey. The zero value is ready to use.
type Verifier struct{}

// Verify implements farm.Verifier. Errors wrap ErrPayload or
// ErrWrongProof.
func (Verifier) Verify(payload, result []byte) error {
	in, err := DecodeInput(payload)
	if err != nil {
		return err
	}
	pv, err := rln.DecodeProofValues(result)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrWrongProof, err)
	}
	leaf := rln.RateCommitment(rln.IDCommitment(in.IdentitySecret), in.UserMessageLimit)
	root, err := rln.MerkleRootFromPath(leaf, in.Path.PathElements, in.Path.PathIndex)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrPayload, err)
	}
	x := rln.SignalX(in.Signal)
	y, nullifier, _ := rln.Shares(in.IdentitySecret, in.ExternalNullifier, in.MessageID, x)
	want := rln.ProofValues{Root: root, ExternalNullifier: in.ExternalNullifier, X: x, Y: y, Nullifier: nullifier}
	if pv.PublicInputs() != want.PublicInputs() {
		return fmt.Errorf("%w: public values differ from the submitted input's", ErrWrongProof)
	}
	ok, err := rln.Verify(rln.DefaultVerifyingKey(), pv.Proof, pv.PublicInputs())
	if err != nil {
		return fmt.Errorf("%w: %w", ErrWrongProof, err)
	}
	if !ok {
		return fmt.Errorf("%w: the Groth16 proof does not verify", ErrWrongProof)
	}
	return nil
}

var _ farm.Verifier = Verifier{}
