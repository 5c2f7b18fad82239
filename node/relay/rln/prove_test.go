package rln_test

import (
	"encoding/hex"
	"errors"
	"os"
	"sync"
	"testing"

	"github.com/consensys/gnark-crypto/ecc/bn254"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr"

	"github.com/cairn-node/cairn/accel"
	"github.com/cairn-node/cairn/accel/msm"
	"github.com/cairn-node/cairn/node/internal/wasmwitness"
	"github.com/cairn-node/cairn/node/relay/rln"
	"github.com/cairn-node/cairn/node/relay/rln/circuit"
	"github.com/cairn-node/cairn/node/relay/rln/groth16"
	"github.com/cairn-node/cairn/node/relay/rln/witness"
)

var (
	proverOnce sync.Once
	prover     *rln.Prover
	proverErr  error
)

func testProver(tb testing.TB) *rln.Prover {
	tb.Helper()
	proverOnce.Do(func() { prover, proverErr = rln.NewProver() })
	if proverErr != nil {
		tb.Fatalf("NewProver() = %v", proverErr)
	}
	return prover
}

// proveCase is a shared vector (testdata/protocol-vectors.json: zerokit
// 0.2.1's inputs and the public values of its proofs) as ProveInput and
// the public values zerokit revealed.
type proveCase struct {
	id   string
	in   rln.ProveInput
	want rln.ProofValues // public values only
}

func proveCases(t testing.TB) []proveCase {
	t.Helper()
	var out []proveCase
	for _, v := range loadProtocolVectors(t).Vectors {
		signal, err := hex.DecodeString(v.SignalHex)
		if err != nil {
			t.Fatal(err)
		}
		c := proveCase{id: v.ID, in: rln.ProveInput{
			IdentitySecret:    fe(t, v.Identity.SecretHash),
			UserMessageLimit:  v.UserMessageLimit,
			MessageID:         v.MessageID,
			Path:              rln.MerkleProof{PathIndex: v.IdentityPathIndex},
			Signal:            signal,
			ExternalNullifier: fe(t, v.ExternalNullifier),
		}}
		for _, e := range v.PathElements {
			c.in.Path.PathElements = append(c.in.Path.PathElements, fe(t, e))
		}
		c.want = rln.ProofValues{
			Root: fe(t, v.MerkleRoot), ExternalNullifier: fe(t, v.ExternalNullifier),
			X: fe(t, v.X), Y: fe(t, v.Y), Nullifier: fe(t, v.Nullifier),
		}
		out = append(out, c)
	}
	return out
}

// TestProveVectors proves each vector's message and checks the proof with
// the verifier nwaku uses, against the public values zerokit produced for
// the same inputs.
func TestProveVectors(t *testing.T) {
	p := testProver(t)
	vk := rln.DefaultVerifyingKey()
	for _, c := range proveCases(t) {
		t.Run(c.id, func(t *testing.T) {
			pv, err := p.Prove(c.in)
			if err != nil {
				t.Fatalf("Prove = %v", err)
			}
			for _, f := range []struct {
				name      string
				got, want fr.Element
			}{
				{"root", pv.Root, c.want.Root},
				{"external_nullifier", pv.ExternalNullifier, c.want.ExternalNullifier},
				{"x", pv.X, c.want.X},
				{"y", pv.Y, c.want.Y},
				{"nullifier", pv.Nullifier, c.want.Nullifier},
			} {
				if !f.got.Equal(&f.want) {
					t.Errorf("Prove %s = %s, want %s", f.name, f.got.String(), f.want.String())
				}
			}
			ok, err := rln.Verify(vk, pv.Proof, c.want.PublicInputs())
			if err != nil || !ok {
				t.Errorf("Verify(proof, vector public inputs) = %v, %v; want true", ok, err)
			}
			// The 288-byte encoding decodes and verifies as zerokit's
			// verify_with_roots input does.
			dec, err := rln.DecodeProofValues(pv.Encode())
			if err != nil {
				t.Fatalf("DecodeProofValues(Encode()) = %v", err)
			}
			ok, err = rln.VerifyRLN(vk, dec, c.in.Signal, []fr.Element{c.want.Root})
			if err != nil || !ok {
				t.Errorf("VerifyRLN(decoded proof values) = %v, %v; want true", ok, err)
			}
			ok, err = rln.VerifyRLN(vk, dec, append([]byte("x"), c.in.Signal...), []fr.Element{c.want.Root})
			if err != nil || ok {
				t.Errorf("VerifyRLN(other signal) = %v, %v; want false", ok, err)
			}
		})
	}
}

// TestProveTreeMember runs the whole member flow with fresh values: a new
// identity joins a tree, proves two messages in one epoch, both verify
// against the tree root, and their shares reveal the secret when they
// reuse a message id.
func TestProveTreeMember(t *testing.T) {
	p := testProver(t)
	id, err := rln.GenerateIdentity()
	if err != nil {
		t.Fatal(err)
	}
	const limit, index = 10, 12345
	tree := rln.NewTree()
	if err := tree.Set(index, rln.RateCommitment(id.Commitment, limit)); err != nil {
		t.Fatal(err)
	}
	if err := tree.Set(index+1, frU64(77)); err != nil { // a neighbour
		t.Fatal(err)
	}
	path, err := tree.Proof(index)
	if err != nil {
		t.Fatal(err)
	}
	rlnID, err := rln.RLNIdentifierField(rln.DefaultRLNIdentifier)
	if err != nil {
		t.Fatal(err)
	}
	in := rln.ProveInput{
		IdentitySecret: id.SecretHash, UserMessageLimit: limit, MessageID: 3, Path: path,
		ExternalNullifier: rln.ExternalNullifier(rln.EpochField(2833333), rlnID),
	}
	var shares [2]rln.ProofValues
	for i, msg := range []string{"first", "second"} {
		in.Signal = []byte(msg)
		pv, err := p.Prove(in)
		if err != nil {
			t.Fatalf("Prove(%s) = %v", msg, err)
		}
		ok, err := rln.VerifyRLN(rln.DefaultVerifyingKey(), pv, in.Signal, []fr.Element{tree.Root()})
		if err != nil || !ok {
			t.Errorf("VerifyRLN(%s) = %v, %v; want true", msg, ok, err)
		}
		shares[i] = pv
	}
	if !shares[0].Nullifier.Equal(&shares[1].Nullifier) {
		t.Fatalf("same epoch and message id gave two nullifiers")
	}
	secret, err := rln.RecoverSecret(shares[0].X, shares[0].Y, shares[1].X, shares[1].Y)
	if err != nil || !secret.Equal(&id.SecretHash) {
		t.Errorf("RecoverSecret = %s, %v; want the identity secret", secret.String(), err)
	}
}

func TestProveRefuses(t *testing.T) {
	p := testProver(t)
	base := proveCases(t)[0].in
	tests := []struct {
		name   string
		mutate func(in *rln.ProveInput)
		want   error
	}{
		// shared vectors' public-A/message-id-eq-limit: zerokit's witness
		// calculator fails the circuit's range check.
		{"message id = limit", func(in *rln.ProveInput) { in.MessageID = in.UserMessageLimit }, rln.ErrMessageLimit},
		{"message id > limit", func(in *rln.ProveInput) { in.MessageID = in.UserMessageLimit + 5 }, rln.ErrMessageLimit},
		{"limit 0", func(in *rln.ProveInput) { in.UserMessageLimit, in.MessageID = 0, 0 }, rln.ErrMessageLimit},
		{"limit beyond 16 bits", func(in *rln.ProveInput) { in.UserMessageLimit = 1 << 20 }, witness.ErrUnsatisfied},
		{"short path", func(in *rln.ProveInput) {
			in.Path.PathElements = in.Path.PathElements[:19]
			in.Path.PathIndex = in.Path.PathIndex[:19]
		}, rln.ErrMerklePath},
		{"index bit 2", func(in *rln.ProveInput) {
			in.Path.PathIndex = append([]uint8{2}, in.Path.PathIndex[1:]...)
		}, rln.ErrMerklePath},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := base
			tt.mutate(&in)
			if _, err := p.Prove(in); !errors.Is(err, tt.want) {
				t.Errorf("Prove(%s) = %v, want %v", tt.name, err, tt.want)
			}
		})
	}
}

// faultyMSM is a broken accelerator: its G1 sums are off by the generator.
type faultyMSM struct{ groth16.MSM }

func (f faultyMSM) G1(points []bn254.G1Affine, scalars []fr.Element) (bn254.G1Affine, error) {
	p, err := f.MSM.G1(points, scalars)
	_, _, g1, _ := bn254.Generators()
	p.Add(&p, &g1)
	return p, err
}

// TestProveFaultyBackend checks that a wrong MSM result never leaves the
// prover as a proof.
func TestProveFaultyBackend(t *testing.T) {
	good, err := msm.New(accel.Go)
	if err != nil {
		t.Fatal(err)
	}
	p, err := rln.NewProver(groth16.WithMSM(faultyMSM{good}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Prove(proveCases(t)[0].in); !errors.Is(err, rln.ErrProverFault) {
		t.Errorf("Prove with a faulty MSM = %v, want ErrProverFault", err)
	}
}

// TestProveWasmWitness cross-checks with circom's own witness calculator
// (zerokit's rln.wasm): its witness equals the graph's, wire for wire, and
// proves to a proof that verifies.
func TestProveWasmWitness(t *testing.T) {
	path, err := wasmwitness.Locate()
	if err != nil {
		t.Skipf("no rln.wasm (fresh clone without ../shared): %v", err)
	}
	wasm, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	pk, err := groth16.ParseZKey(circuit.ZKey())
	if err != nil {
		t.Fatal(err)
	}
	g, err := witness.Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range proveCases(t) {
		in := inputsOf(c)
		ww, err := wasmwitness.Calculate(wasm, in)
		if err != nil {
			t.Fatalf("wasm witness: %v", err)
		}
		gw, err := g.Calculate(in)
		if err != nil {
			t.Fatalf("graph witness: %v", err)
		}
		if len(ww) != len(gw) {
			t.Fatalf("wasm witness has %d wires, graph %d", len(ww), len(gw))
		}
		for i := range ww {
			if !ww[i].Equal(&gw[i]) {
				t.Fatalf("wire %d: wasm %s, graph %s", i, ww[i].String(), gw[i].String())
			}
		}
		proof, err := groth16.ProveRandom(pk, ww)
		if err != nil {
			t.Fatal(err)
		}
		ok, err := rln.Verify(rln.DefaultVerifyingKey(), rln.Proof(proof), c.want.PublicInputs())
		if err != nil || !ok {
			t.Errorf("%s: proof from the wasm witness: Verify = %v, %v", c.id, ok, err)
		}
	}
}

// inputsOf writes c's circuit inputs by hand (not with the package's own
// mapping), for the witness calculators.
func inputsOf(c proveCase) map[string][]fr.Element {
	in := map[string][]fr.Element{
		"identitySecret":    {c.in.IdentitySecret},
		"userMessageLimit":  {frU64(c.in.UserMessageLimit)},
		"messageId":         {frU64(c.in.MessageID)},
		"pathElements":      c.in.Path.PathElements,
		"identityPathIndex": nil,
		"x":                 {c.want.X},
		"externalNullifier": {c.want.ExternalNullifier},
	}
	for _, b := range c.in.Path.PathIndex {
		in["identityPathIndex"] = append(in["identityPathIndex"], frU64(uint64(b)))
	}
	return in
}

func frU64(v uint64) fr.Element {
	var e fr.Element
	e.SetUint64(v)
	return e
}

// BenchmarkProve is a whole RLN proof: inputs to ProofValues (Merkle root
// and shares recomputed, witness, Groth16).
func BenchmarkProve(b *testing.B) {
	p := testProver(b)
	in := proveCases(b)[0].in
	for b.Loop() {
		if _, err := p.Prove(in); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWitness is the witness part of BenchmarkProve.
func BenchmarkWitness(b *testing.B) {
	g, err := witness.Default()
	if err != nil {
		b.Fatal(err)
	}
	c := proveCases(b)[0]
	in := inputsOf(c)
	for b.Loop() {
		if _, err := g.Calculate(in); err != nil {
			b.Fatal(err)
		}
	}
}
