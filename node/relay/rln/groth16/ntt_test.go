package groth16

import (
	"errors"
	"testing"

	"github.com/cairn-node/cairn/accel"
	"github.com/cairn-node/cairn/accel/ntt"
)

// TestProveNTTBackends proves with fixed r, s on each NTT backend built in
// (go always, icicle with -tags icicle): the proofs must equal the routed
// default's and verify.
func TestProveNTTBackends(t *testing.T) {
	pk := embeddedKey(t)
	w := readWtns(t, witnessFile)
	r, s := frInt(5), frInt(11)
	want, err := Prove(pk, w, r, s)
	if err != nil {
		t.Fatalf("Prove = %v", err)
	}
	if !verify(t, pk, want, w[:pk.NPublic+1]) {
		t.Fatal("Prove(r=5, s=11) does not verify")
	}
	for _, b := range []accel.Backend{accel.Go, accel.Icicle} {
		k, err := ntt.New(b)
		if errors.Is(err, accel.ErrUnavailable) {
			t.Logf("skip %s: %v", b, err)
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		got, err := Prove(pk, w, r, s, WithNTT(k))
		if err != nil {
			t.Fatalf("Prove(WithNTT(%s)) = %v", b, err)
		}
		if got != want {
			t.Errorf("Prove(WithNTT(%s)) = %+v, want %+v", b, got, want)
		}
	}
	if _, err := ProveRandom(pk, w, WithNTT(nil)); err == nil {
		t.Errorf("ProveRandom(WithNTT(nil)) = nil error")
	}
}
