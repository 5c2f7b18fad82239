package rlnjob_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"

	"github.com/cairn-node/cairn/node/farm/rlnjob"
	"github.com/cairn-node/cairn/node/relay/rln"
)

// testInput is a prove input of a member at leaf 5 of a fresh tree.
func testInput(t testing.TB) rln.ProveInput {
	t.Helper()
	var trapdoor, nullifier fr.Element
	trapdoor.SetUint64(11)
	nullifier.SetUint64(22)
	id := rln.NewIdentity(trapdoor, nullifier)
	tree := rln.NewTree()
	if err := tree.Set(5, rln.RateCommitment(id.Commitment, 10)); err != nil {
		t.Fatal(err)
	}
	path, err := tree.Proof(5)
	if err != nil {
		t.Fatal(err)
	}
	var en fr.Element
	en.SetUint64(777)
	return rln.ProveInput{IdentitySecret: id.SecretHash, UserMessageLimit: 10, MessageID: 2, Path: path, Signal: []byte("hello farm"), ExternalNullifier: en}
}

func TestInputRoundTrip(t *testing.T) {
	in := testInput(t)
	b, err := rlnjob.EncodeInput(in)
	if err != nil {
		t.Fatal(err)
	}
	back, err := rlnjob.DecodeInput(b)
	if err != nil {
		t.Fatal(err)
	}
	again, err := rlnjob.EncodeInput(back)
	if err != nil || !bytes.Equal(again, b) {
		t.Fatalf("EncodeInput(DecodeInput(b)) = %x, %v; want b", again, err)
	}
	for name, bad := range map[string][]byte{
		"truncated": b[:len(b)-1],
		"long":      append(append([]byte{}, b...), 0),
		"version 2": append([]byte{2}, b[1:]...),
		"empty":     nil,
		"non-canonical secret": func() []byte {
			c := append([]byte{}, b...)
			for i := 1; i < 33; i++ {
				c[i] = 0xff
			}
			return c
		}(),
	} {
		if _, err := rlnjob.DecodeInput(bad); !errors.Is(err, rlnjob.ErrPayload) {
			t.Errorf("DecodeInput(%s) = %v, want ErrPayload", name, err)
		}
	}
}

// TestVerifier proves one input and checks that the verifier accepts the
// proof and rejects it for another input or with a changed byte.
func TestVerifier(t *testing.T) {
	p, err := rln.NewProver()
	if err != nil {
		t.Fatal(err)
	}
	in := testInput(t)
	payload, err := rlnjob.EncodeInput(in)
	if err != nil {
		t.Fatal(err)
	}
	res, err := rlnjob.NewHandler(p).Handle(t.Context(), payload)
	if err != nil {
		t.Fatal(err)
	}
	v := rlnjob.Verifier{}
	if err := v.Verify(payload, res); err != nil {
		t.Fatalf("Verify(honest proof) = %v", err)
	}
	in.MessageID = 3
	other, err := rlnjob.EncodeInput(in)
	if err != nil {
		t.Fatal(err)
	}
	if err := v.Verify(other, res); !errors.Is(err, rlnjob.ErrWrongProof) {
		t.Errorf("Verify(proof of message 2 for message 3) = %v, want ErrWrongProof", err)
	}
	flipped := append([]byte{}, res...)
	flipped[rln.CompressedProofSize+40] ^= 1 // a public value
	if err := v.Verify(payload, flipped); !errors.Is(err, rlnjob.ErrWrongProof) {
		t.Errorf("Verify(changed public value) = %v, want ErrWrongProof", err)
	}
	in.MessageID = 10 // at the limit
	over, err := rlnjob.EncodeInput(in)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rlnjob.NewHandler(p).Handle(t.Context(), over); !errors.Is(err, rln.ErrMessageLimit) {
		t.Errorf("Handle(message id at the limit) = %v, want rln.ErrMessageLimit", err)
	}
}

// FuzzDecodeInput checks that decoding never panics and that whatever
// decodes encodes back to the same bytes.
func FuzzDecodeInput(f *testing.F) {
	b, err := rlnjob.EncodeInput(testInput(f))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Add(b[:100])
	f.Add([]byte{1})
	f.Fuzz(func(t *testing.T, b []byte) {
		in, err := rlnjob.DecodeInput(b)
		if err != nil {
			return
		}
		again, err := rlnjob.EncodeInput(in)
		if err != nil || !bytes.Equal(again, b) {
			t.Fatalf("EncodeInput(DecodeInput(%x)) = %x, %v", b, again, err)
		}
	})
}

// FuzzVerify checks that the verifier never panics on any result.
func FuzzVerify(f *testing.F) {
	payload, err := rlnjob.EncodeInput(testInput(f))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(make([]byte, rln.ProofValuesSize))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, result []byte) {
		if err := (rlnjob.Verifier{}).Verify(payload, result); err == nil {
			t.Fatalf("Verify(%x) = nil for a result nobody proved", result)
		}
	})
}
