// Package storagejob is the prover farm's "storage-prove" kind: a worker
// makes the Groth16 proof of a storage-proof witness (package
// node/storage/proofs) under the submitter's keys, and the submitter checks
// it with its own verifying key against the public inputs it knows.
//
//	v := storagejob.NewVerifier()                 // give it to farm.NewSubmitter
//	v.Add(keys.VerifyingKey())                    // before submitting under keys
//	payload, err := storagejob.EncodeInput(keys, w) // w: circuit.Witness
//	res, err := sub.Submit(ctx, storagejob.Kind, payload)
//	proof, err := storagejob.DecodeResult(res)
//
// Workers register NewHandler(keyDir). Keys come from a local setup, so
// two nodes never share them by chance: a worker proves only for
// submitters whose key files (<data_dir>/proofs/keys/sampleandprove-*.keys
// of the node) were copied into its keyDir. It refuses other jobs as its
// own fault (farm.ErrWorkerFault, with ErrNoKeys naming the file to
// copy), so that a worker holding the keys may take them. The witness holds the sampled cells of the slot,
// which the worker sees; the farm needs no other secret.
//
// # Payload
//
// Version 1:
//
//	version (1 byte) = 1
//	verifying key digest (32 bytes; proofs.VerifyingKey.Digest)
//	the witness as upstream's input.json (circuit.MarshalInputJSON), at
//	most MaxInput bytes; its number of samples names the circuit
//
// The result is the proof in its binary form (proofs.ProofSize bytes).
package storagejob

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/big"
	"path/filepath"
	"sync"

	"github.com/cairn-node/cairn/node/farm"
	"github.com/cairn-node/cairn/node/storage/proofs"
	"github.com/cairn-node/cairn/node/storage/proofs/circuit"
)

// Kind is the job kind of storage proofs.
const Kind = "storage-prove"

// payloadVersion is the payload layout this package writes and reads.
const payloadVersion = 1

// MaxInput bounds the input.json of a payload: 100 samples take about
// 700 KB.
const MaxInput = 4 << 20

// ErrPayload reports a payload that does not decode.
var ErrPayload = errors.New("storagejob: malformed payload")

// ErrWrongProof reports a result that is not a valid proof of the
// submitted witness.
var ErrWrongProof = errors.New("storagejob: wrong proof")

// ErrNoKeys reports a job for keys the worker does not hold.
var ErrNoKeys = errors.New("storagejob: the worker does not hold the submitter's keys")

// Input is a decoded payload.
type Input struct {
	// VK is the digest of the verifying key the proof must verify under.
	VK [32]byte
	// Witness is what to prove; len(Witness.CellData) is the sample count.
	Witness *circuit.Witness
}

// EncodeInput returns the payload proving w under keys. It fails where
// circuit.MarshalInputJSON does (w does not fit keys' circuit).
func EncodeInput(keys *proofs.Keys, w *circuit.Witness) ([]byte, error) {
	js, err := circuit.MarshalInputJSON(keys.Params(), w)
	if err != nil {
		return nil, err
	}
	if len(js) > MaxInput {
		return nil, fmt.Errorf("storagejob: input of %d bytes, at most %d", len(js), MaxInput)
	}
	vk := keys.VerifyingKey().Digest()
	out := make([]byte, 0, 1+len(vk)+len(js))
	out = append(out, payloadVersion)
	out = append(out, vk[:]...)
	return append(out, js...), nil
}

// DecodeInput decodes a payload. Errors wrap ErrPayload.
func DecodeInput(payload []byte) (Input, error) {
	var in Input
	if len(payload) < 1+len(in.VK) || payload[0] != payloadVersion {
		return in, fmt.Errorf("%w: %d bytes, want version %d and a key digest", ErrPayload, len(payload), payloadVersion)
	}
	if len(payload)-1-len(in.VK) > MaxInput {
		return in, fmt.Errorf("%w: input over %d bytes", ErrPayload, MaxInput)
	}
	copy(in.VK[:], payload[1:])
	w, err := circuit.ParseInputJSON(bytes.NewReader(payload[1+len(in.VK):]))
	if err != nil {
		return in, fmt.Errorf("%w: %w", ErrPayload, err)
	}
	if n := len(w.CellData); n < 1 || n != len(w.MerklePaths) {
		return in, fmt.Errorf("%w: %d cells with %d paths", ErrPayload, n, len(w.MerklePaths))
	}
	in.Witness = w
	return in, nil
}

// DecodeResult decodes a result. Errors wrap ErrWrongProof.
func DecodeResult(result []byte) (*proofs.Proof, error) {
	var p proofs.Proof
	if err := p.UnmarshalBinary(result); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrWrongProof, err)
	}
	return &p, nil
}

// NewHandler returns the worker side: it proves each payload with the
// keys for its sample count, loaded once from keyDir (proofs.LoadKeys,
// never generated). A payload that does not decode or a witness that does
// not satisfy the circuit is a final error; keys that are missing or are
// not the submitter's (ErrNoKeys, naming the file to copy) and a prover
// failure of another kind (a broken MSM or NTT backend) wrap
// farm.ErrWorkerFault, so another worker retries the job.
func NewHandler(keyDir string) farm.Handler {
	h := &handler{dir: keyDir, keys: map[int]*proofs.Keys{}}
	return farm.HandlerFunc(h.handle)
}

type handler struct {
	dir  string
	mu   sync.Mutex // serializes loading; proving runs unlocked
	keys map[int]*proofs.Keys
}

func (h *handler) handle(_ context.Context, payload []byte) ([]byte, error) {
	in, err := DecodeInput(payload)
	if err != nil {
		return nil, err
	}
	n := len(in.Witness.CellData)
	k, err := h.load(n)
	if err != nil {
		return nil, err
	}
	if k.VerifyingKey().Digest() != in.VK {
		return nil, fmt.Errorf("%w: %w: its keys for %d samples in %s are another setup's; copy the submitting node's %s there",
			farm.ErrWorkerFault, ErrNoKeys, n, h.dir, proofs.KeyFileName(k.Params(), k.Digest()))
	}
	p, err := k.Prove(in.Witness)
	switch {
	case errors.Is(err, proofs.ErrUnsatisfied), errors.Is(err, circuit.ErrWitness), errors.Is(err, circuit.ErrParams):
		return nil, err // the input's fault
	case err != nil:
		return nil, fmt.Errorf("%w: %w", farm.ErrWorkerFault, err) // a kernel failed here
	}
	return p.MarshalBinary()
}

// load returns the keys for n samples, loading them on first use.
func (h *handler) load(n int) (*proofs.Keys, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if k := h.keys[n]; k != nil {
		return k, nil
	}
	p := circuit.DefaultParams(n)
	if err := p.Validate(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrPayload, err)
	}
	// No file for these parameters: refuse before compiling the circuit
	// (seconds, and gigabytes for many samples).
	if m, _ := filepath.Glob(filepath.Join(h.dir, proofs.KeyFileName(p, "*"))); len(m) == 0 {
		return nil, fmt.Errorf("%w: %w: no key file for %d samples in %s (copy the submitting node's %s there)",
			farm.ErrWorkerFault, ErrNoKeys, n, h.dir, proofs.KeyFileName(p, "<digest>"))
	}
	k, err := proofs.LoadKeys(h.dir, p)
	if err != nil {
		return nil, fmt.Errorf("%w: %w: %w (copy the submitting node's key file for %d samples into %s)", farm.ErrWorkerFault, ErrNoKeys, err, n, h.dir)
	}
	h.keys[n] = k
	return k, nil
}

// Verifier is the submitter side: it accepts a result only when it is a
// proof that verifies under the verifying key the payload names (which
// must have been added) for the payload's public inputs (entropy, dataset
// root, slot index). Create it with NewVerifier.
type Verifier struct {
	mu   sync.RWMutex
	keys map[[32]byte]*proofs.VerifyingKey
}

// NewVerifier returns a Verifier that knows no keys yet.
func NewVerifier() *Verifier {
	return &Verifier{keys: map[[32]byte]*proofs.VerifyingKey{}}
}

// Add lets the Verifier check proofs under vk. Safe for concurrent use.
func (v *Verifier) Add(vk *proofs.VerifyingKey) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.keys[vk.Digest()] = vk
}

// Verify implements farm.Verifier. Errors wrap ErrPayload or
// ErrWrongProof.
func (v *Verifier) Verify(payload, result []byte) error {
	in, err := DecodeInput(payload)
	if err != nil {
		return err
	}
	v.mu.RLock()
	vk := v.keys[in.VK]
	v.mu.RUnlock()
	if vk == nil {
		return fmt.Errorf("%w: no verifying key %x was added", ErrPayload, in.VK[:8])
	}
	p, err := DecodeResult(result)
	if err != nil {
		return err
	}
	w := in.Witness
	pub := proofs.PublicInputs{Entropy: new(big.Int).Set(w.Entropy), DataSetRoot: new(big.Int).Set(w.DataSetRoot), SlotIndex: w.SlotIndex}
	if err := vk.Verify(p, pub); err != nil {
		return fmt.Errorf("%w: %w", ErrWrongProof, err)
	}
	return nil
}

var _ farm.Verifier = (*Verifier)(nil)
