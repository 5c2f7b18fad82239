package rln

import (
	"errors"
	"fmt"
	"sync"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"

	"github.com/cairn-node/cairn/node/relay/rln/circuit"
	"github.com/cairn-node/cairn/node/relay/rln/groth16"
	"github.com/cairn-node/cairn/node/relay/rln/witness"
)

// ErrMessageLimit reports a message id that is not below the member's user
// message limit: the member has used up its messages for this epoch, and
// the circuit's range check makes such a proof impossible.
var ErrMessageLimit = errors.New("rln: message id is not below the user message limit")

// ErrProverFault reports a prover that went wrong, never bad input: the
// witness's public outputs (y, root, nullifier, x, external nullifier)
// differ from the ones this package computes from the same inputs (a broken
// witness calculator or circuit file), or the finished proof does not
// verify (a faulty MSM backend or accelerator). No proof is returned, so
// the node never publishes one its peers would reject.
var ErrProverFault = errors.New("rln: prover fault")

// ProveInput is what a member needs to prove one message.
type ProveInput struct {
	// IdentitySecret is the member's identity_secret_hash
	// (Identity.SecretHash).
	IdentitySecret fr.Element
	// UserMessageLimit is the limit the member registered with: its tree
	// leaf is RateCommitment(IDCommitment(IdentitySecret), UserMessageLimit).
	UserMessageLimit uint64
	// MessageID numbers the member's messages in the epoch, from 0; it
	// must be below UserMessageLimit.
	MessageID uint64
	// Path is the Merkle path of the member's leaf, TreeDepth levels.
	Path MerkleProof
	// Signal is the message the proof binds to; the circuit sees
	// x = SignalX(Signal). For Waku it is payload ‖ content topic ‖
	// timestamp (see RateLimitProof).
	Signal []byte
	// ExternalNullifier is ExternalNullifier(epoch, rln identifier).
	ExternalNullifier fr.Element
}

// Prover makes RLN v2 proofs offline with the embedded zerokit proving key
// and witness graph; zerokit and nwaku verify them with the embedded
// verifying key.
//
// A Prover is immutable and safe for concurrent use; the parsed key (about
// 8 MB of heap) and graph are shared by all Provers of the process.
type Prover struct {
	pk    *groth16.ProvingKey
	graph *witness.Graph
	opts  []groth16.Option
}

var (
	provingKeyOnce sync.Once
	provingKey     *groth16.ProvingKey
	provingKeyErr  error
)

// NewProver returns a Prover. The first call parses the embedded proving
// key (a few hundred milliseconds) and witness graph; later calls share
// them. opts go to every groth16.Prove call (for example
// groth16.WithMSM to force an MSM backend); by default the accel router
// picks one per MSM. An error means a corrupt build: embedded files that do
// not parse, or a proving key whose verifying key is not
// DefaultVerifyingKey.
func NewProver(opts ...groth16.Option) (*Prover, error) {
	provingKeyOnce.Do(func() {
		provingKey, provingKeyErr = groth16.ParseZKey(circuit.ZKey())
	})
	if provingKeyErr != nil {
		return nil, fmt.Errorf("rln: embedded proving key: %w", provingKeyErr)
	}
	if err := matchesVerifyingKey(provingKey, DefaultVerifyingKey()); err != nil {
		return nil, fmt.Errorf("rln: embedded proving key: %w", err)
	}
	g, err := witness.Default()
	if err != nil {
		return nil, fmt.Errorf("rln: embedded witness graph: %w", err)
	}
	if g.NumWires() != provingKey.NVars {
		return nil, fmt.Errorf("rln: witness graph has %d wires, proving key %d variables", g.NumWires(), provingKey.NVars)
	}
	return &Prover{pk: provingKey, graph: g, opts: opts}, nil
}

// Prove makes the proof for in and returns it with its public values, in
// zerokit's layout (ProofValues.Encode). The blinding scalars come from
// crypto/rand, so two proofs of the same input differ; their public values
// do not.
//
// Errors: ErrMessageLimit when in.MessageID ≥ in.UserMessageLimit;
// ErrMerklePath when the path does not have TreeDepth levels of 0/1 index
// bits; the witness package's ErrUnsatisfied for other inputs the circuit
// rejects (a limit beyond its 16-bit range check); ErrProverFault (see
// there). Every proof is verified before it is returned (under 1 ms, about
// 1% of the cost). Prove does not retain in and clears the witness, which holds
// the identity secret, before returning.
func (p *Prover) Prove(in ProveInput) (ProofValues, error) {
	if in.MessageID >= in.UserMessageLimit {
		return ProofValues{}, fmt.Errorf("%w: message id %d, limit %d (wait for the next epoch)", ErrMessageLimit, in.MessageID, in.UserMessageLimit)
	}
	if len(in.Path.PathElements) != TreeDepth || len(in.Path.PathIndex) != TreeDepth {
		return ProofValues{}, fmt.Errorf("%w: %d path elements and %d index bits, want %d of each", ErrMerklePath, len(in.Path.PathElements), len(in.Path.PathIndex), TreeDepth)
	}
	leaf := RateCommitment(IDCommitment(in.IdentitySecret), in.UserMessageLimit)
	root, err := MerkleRootFromPath(leaf, in.Path.PathElements, in.Path.PathIndex)
	if err != nil {
		return ProofValues{}, err
	}
	pv := ProofValues{Root: root, ExternalNullifier: in.ExternalNullifier, X: SignalX(in.Signal)}
	pv.Y, pv.Nullifier, _ = Shares(in.IdentitySecret, in.ExternalNullifier, in.MessageID, pv.X)

	w, err := p.graph.Calculate(circuitInputs(&in, pv.X))
	if err != nil {
		return ProofValues{}, fmt.Errorf("rln: witness: %w", err)
	}
	defer clear(w)
	if err := checkOutputs(w, &pv); err != nil {
		return ProofValues{}, err
	}
	proof, err := groth16.ProveRandom(p.pk, w, p.opts...)
	if err != nil {
		return ProofValues{}, fmt.Errorf("rln: prove: %w", err)
	}
	pv.Proof = Proof(proof)
	ok, err := Verify(DefaultVerifyingKey(), pv.Proof, pv.PublicInputs())
	if err != nil {
		return ProofValues{}, fmt.Errorf("%w: verify the new proof: %w", ErrProverFault, err)
	}
	if !ok {
		return ProofValues{}, fmt.Errorf("%w: the new proof does not verify; check the MSM backend (CAIRN_ACCEL_MSM=go forces the reference)", ErrProverFault)
	}
	return pv, nil
}

// matchesVerifyingKey checks that pk carries vk: same α, β, γ, δ and input
// commitments, so proofs from pk verify under vk.
func matchesVerifyingKey(pk *groth16.ProvingKey, vk *VerifyingKey) error {
	if pk.NPublic != NumPublicInputs || len(pk.IC) != len(vk.IC) {
		return fmt.Errorf("%d public inputs, want %d", pk.NPublic, NumPublicInputs)
	}
	same := pk.Alpha1.Equal(&vk.Alpha) && pk.Beta2.Equal(&vk.Beta) &&
		pk.Gamma2.Equal(&vk.Gamma) && pk.Delta2.Equal(&vk.Delta)
	for i := range pk.IC {
		same = same && pk.IC[i].Equal(&vk.IC[i])
	}
	if !same {
		return errors.New("its verifying key is not DefaultVerifyingKey")
	}
	return nil
}

// circuitInputs maps in to the RLN v2 circuit's input signals.
func circuitInputs(in *ProveInput, x fr.Element) map[string][]fr.Element {
	var limit, id fr.Element
	limit.SetUint64(in.UserMessageLimit)
	id.SetUint64(in.MessageID)
	bits := make([]fr.Element, len(in.Path.PathIndex))
	for i, b := range in.Path.PathIndex {
		bits[i].SetUint64(uint64(b))
	}
	return map[string][]fr.Element{
		"identitySecret":    {in.IdentitySecret},
		"userMessageLimit":  {limit},
		"messageId":         {id},
		"pathElements":      in.Path.PathElements,
		"identityPathIndex": bits,
		"x":                 {x},
		"externalNullifier": {in.ExternalNullifier},
	}
}

// checkOutputs compares the witness's public signals (wires 1 to 5: y,
// root, nullifier, x, external_nullifier) with pv.
func checkOutputs(w []fr.Element, pv *ProofValues) error {
	if len(w) <= NumPublicInputs {
		return fmt.Errorf("%w: witness has %d wires", ErrProverFault, len(w))
	}
	want := pv.PublicInputs()
	names := [NumPublicInputs]string{"y", "root", "nullifier", "x", "external_nullifier"}
	for i := range want {
		if !w[1+i].Equal(&want[i]) {
			return fmt.Errorf("%w: %s is %s in the witness, %s here", ErrProverFault, names[i], w[1+i].String(), want[i].String())
		}
	}
	return nil
}
