package sigbatch_test

import (
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/cairn-node/cairn/accel"
	"github.com/cairn-node/cairn/accel/sigbatch"
)

// FuzzVerify reads a scheme choice, a key, a message and a signature from
// random bytes and verifies the item alone and in a batch between two
// valid items of the same scheme. Nothing may panic; the valid neighbours
// stay valid; the item's answer is the same alone and in the batch; an
// item CheckItem calls malformed is never valid. Seeds are valid items of
// every scheme, so mutations explore near-valid encodings.
func FuzzVerify(f *testing.F) {
	rng := rand.NewChaCha8([32]byte{'f', 'u', 'z', 'z'})
	valid := map[sigbatch.Scheme][]sigbatch.Item{}
	for k, s := range sigbatch.Schemes {
		items, err := sigbatch.Generate(s, 3, sigbatch.GenerateOptions{SameMessage: true, Rand: rng})
		if err != nil {
			f.Fatal(err)
		}
		valid[s] = items
		it := items[2]
		f.Add(byte(k), it.PublicKey, it.Message, it.Signature)
		f.Add(byte(k), it.PublicKey, []byte{}, it.Signature)
	}
	f.Add(byte(3), []byte{}, []byte{}, []byte{})
	v, err := sigbatch.New(accel.Go)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, scheme byte, pk, msg, sig []byte) {
		s := sigbatch.Scheme("unknown")
		if int(scheme) < len(sigbatch.Schemes) {
			s = sigbatch.Schemes[scheme]
		}
		it := sigbatch.Item{Scheme: s, PublicKey: pk, Message: msg, Signature: sig}
		alone, err := v.Verify([]sigbatch.Item{it})
		if err != nil {
			t.Fatalf("Verify = %v", err)
		}
		checkErr := sigbatch.CheckItem(it)
		if checkErr != nil && (!errors.Is(checkErr, sigbatch.ErrMalformed) || alone.OK[0]) {
			t.Fatalf("CheckItem = %v but Verify = %v", checkErr, alone.OK[0])
		}
		if s == "unknown" {
			return
		}
		batch := []sigbatch.Item{valid[s][0], it, valid[s][1]}
		r, err := v.Verify(batch)
		if err != nil || !r.OK[0] || !r.OK[2] || r.OK[1] != alone.OK[0] {
			t.Fatalf("Verify(valid, item, valid) = %v, %v; item alone %v", r.OK, err, alone.OK[0])
		}
	})
}
