package bench

import (
	"fmt"
	"time"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"

	"github.com/cairn-node/cairn/accel"
	"github.com/cairn-node/cairn/accel/msm"
	"github.com/cairn-node/cairn/node/relay/message"
	"github.com/cairn-node/cairn/node/relay/rln"
	"github.com/cairn-node/cairn/node/relay/rln/groth16"
	"github.com/cairn-node/cairn/node/relay/rlnrelay"
)

const (
	// rlnBatch is the batch size of rln-batch-verify.
	rlnBatch = 256
	// rlnMemberLimit is the bench member's user message limit: enough
	// message ids for the pool in one epoch.
	rlnMemberLimit = 1024
	// rlnMemberIndex is the bench member's leaf in the membership tree.
	rlnMemberIndex = 7
	// rlnPayloadSize is the payload of the bench's Waku messages.
	rlnPayloadSize = 256
	// rlnContentTopic is the bench messages' content topic.
	rlnContentTopic = "/cairn/1/bench/proto"
)

// rlnClock is the fixed time of the bench's messages: their timestamp and
// epoch, and the clock of the validators that check them, so that a proof
// made at the start of a run is still fresh at its end.
var rlnClock = time.Unix(1_764_000_000, 0)

// rlnCases are the RLN v2 rows: proving one message (go and icicle MSMs
// through rln.Prover, beside zerokit's wasm prover on the same witness),
// verifying one proof, and verifying a batch of rlnBatch distinct proofs.
// Values are proofs per second.
func rlnCases() []Case {
	return []Case{
		{Kernel: "rln-prove", Params: "rln-v2,depth=20", Unit: "proofs/s", Quick: true,
			Setup: rlnProveSetup, Peer: zerokitProvePeer, PeerName: "zerokit-wasm"},
		{Kernel: "rln-verify", Params: "rln-v2,single", Unit: "proofs/s", Quick: true, Setup: rlnVerifySetup},
		{Kernel: "rln-batch-verify", Params: fmt.Sprintf("rln-v2,batch=%d", rlnBatch), Unit: "proofs/s", Quick: true,
			Setup: rlnBatchVerifySetup(rlnBatch)},
	}
}

// rlnMember is one member with limit rlnMemberLimit at leaf rlnMemberIndex
// of an otherwise empty tree, signalling in the epoch of rlnClock.
type rlnMember struct {
	id      rln.Identity
	path    rln.MerkleProof
	root    fr.Element
	epoch   uint64
	extNull fr.Element
}

// benchMember is member's result; like rlnPool it needs no lock, as Run
// and the tests set cases up one at a time.
var benchMember *rlnMember

// member returns the bench member (deterministic keys: the figures do not
// depend on them), built on first use.
func member() (*rlnMember, error) {
	if benchMember != nil {
		return benchMember, nil
	}
	var trapdoor, nullifier fr.Element
	trapdoor.SetUint64(0xca112)
	nullifier.SetUint64(0xbe4c4)
	m := &rlnMember{id: rln.NewIdentity(trapdoor, nullifier), epoch: uint64(rlnClock.Unix()) / rlnrelay.DefaultEpochSeconds}
	tree := rln.NewTree()
	if err := tree.Set(rlnMemberIndex, rln.RateCommitment(m.id.Commitment, rlnMemberLimit)); err != nil {
		return nil, err
	}
	var err error
	if m.path, err = tree.Proof(rlnMemberIndex); err != nil {
		return nil, err
	}
	m.root = tree.Root()
	rlnID, err := rln.RLNIdentifierField(rln.DefaultRLNIdentifier)
	if err != nil {
		return nil, err
	}
	m.extNull = rln.ExternalNullifier(rln.EpochField(m.epoch), rlnID)
	benchMember = m
	return m, nil
}

// input is the member's prove input for message id and signal.
func (m *rlnMember) input(id uint64, signal []byte) rln.ProveInput {
	return rln.ProveInput{
		IdentitySecret: m.id.SecretHash, UserMessageLimit: rlnMemberLimit, MessageID: id,
		Path: m.path, Signal: signal, ExternalNullifier: m.extNull,
	}
}

// benchMessage is message id of the pool, without its proof: a distinct
// payload, signed at rlnClock.
func benchMessage(id int) message.Message {
	p := make([]byte, rlnPayloadSize)
	for i := range p {
		p[i] = byte(id + i)
	}
	copy(p, fmt.Sprintf("cairn bench message %d ", id))
	return message.Message{Payload: p, ContentTopic: rlnContentTopic, Timestamp: rlnClock.UnixNano()}
}

// rlnProveSetup proves one message per call with every MSM on backend b
// (groth16.WithMSM); the witness is computed in each call too, as a
// publishing node does.
func rlnProveSetup(b accel.Backend) (func() error, float64, error) {
	engine, err := msm.New(b)
	if err != nil {
		return nil, 0, err
	}
	p, err := rln.NewProver(groth16.WithMSM(engine))
	if err != nil {
		return nil, 0, err
	}
	m, err := member()
	if err != nil {
		return nil, 0, err
	}
	in := m.input(0, rlnrelay.Signal(benchMessage(0)))
	return func() error { _, err := p.Prove(in); return err }, 1, nil
}

// rlnVerifySetup verifies one proof per call (rln.Verify: subgroup checks,
// input commitment, pairing check). There is one backend: go.
func rlnVerifySetup(b accel.Backend) (func() error, float64, error) {
	if err := goOnly(b, "rln-verify"); err != nil {
		return nil, 0, err
	}
	pool, err := provedMessages(1)
	if err != nil {
		return nil, 0, err
	}
	vk, pv := rln.DefaultVerifyingKey(), pool[0].pv
	return func() error {
		ok, err := rln.Verify(vk, pv.Proof, pv.PublicInputs())
		if err == nil && !ok {
			err = fmt.Errorf("bench: a valid proof did not verify")
		}
		return err
	}, 1, nil
}

// rlnBatchVerifySetup verifies n distinct proofs per call with
// rln.BatchVerify.
func rlnBatchVerifySetup(n int) func(accel.Backend) (func() error, float64, error) {
	return func(b accel.Backend) (func() error, float64, error) {
		if err := goOnly(b, "rln-batch-verify"); err != nil {
			return nil, 0, err
		}
		pool, err := provedMessages(n)
		if err != nil {
			return nil, 0, err
		}
		items := make([]rln.BatchItem, n)
		for i, p := range pool {
			items[i] = rln.BatchItem{Proof: p.pv.Proof, PublicInputs: p.pv.PublicInputs()}
		}
		vk := rln.DefaultVerifyingKey()
		return func() error {
			ok, err := rln.BatchVerify(vk, items)
			if err != nil {
				return err
			}
			for i, v := range ok {
				if !v {
					return fmt.Errorf("bench: valid proof %d of the batch did not verify", i)
				}
			}
			return nil
		}, float64(n), nil
	}
}

// goOnly skips every backend but go for kernels that only have the Go
// implementation.
func goOnly(b accel.Backend, kernel string) error {
	if b != accel.Go {
		return fmt.Errorf("bench: %s has only the go implementation: %w", kernel, accel.ErrUnavailable)
	}
	return nil
}
