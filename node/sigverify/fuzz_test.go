package sigverify_test

import (
	"bytes"
	"errors"
	"slices"
	"testing"

	"github.com/cairn-node/cairn/node/sigverify"
)

// FuzzDecode feeds arbitrary documents to Decode: it must not panic, must
// fail only with ErrInvalid, and what it accepts must survive Encode and
// Decode unchanged.
func FuzzDecode(f *testing.F) {
	f.Add([]byte(`[{"scheme": "ed25519", "public_key": "00", "message": "", "signature": "0x01"}]`))
	f.Add([]byte(`[{"scheme": "bls12-381", "public_key": "", "message": "ff", "signature": ""}, {"scheme": "secp256k1", "public_key": "02", "message": "", "signature": ""}]`))
	f.Add([]byte(`[{"scheme": "bls12-381", "public_keys": ["aa", "0xbb"], "message": "ff", "signature": "00"}]`))
	f.Add([]byte(`[{"scheme": "bls12-381", "public_key": "aa", "public_keys": ["aa"], "message": "", "signature": ""}]`))
	f.Add([]byte(`[]`))
	f.Add([]byte(`[{"scheme": "rsa"}]`))
	f.Add([]byte(`[[], null, {}]`))
	f.Fuzz(func(t *testing.T, in []byte) {
		items, err := sigverify.Decode(bytes.NewReader(in), 64)
		if err != nil {
			if !errors.Is(err, sigverify.ErrInvalid) {
				t.Fatalf("Decode = %v, want an error wrapping ErrInvalid", err)
			}
			return
		}
		again, err := sigverify.Decode(bytes.NewReader(sigverify.Encode(items)), 64)
		if err != nil || len(again) != len(items) {
			t.Fatalf("Decode(Encode(%d items)) = %d items, %v", len(items), len(again), err)
		}
		for i := range items {
			a, b := items[i], again[i]
			if a.Scheme != b.Scheme || !bytes.Equal(a.PublicKey, b.PublicKey) || !bytes.Equal(a.Message, b.Message) || !bytes.Equal(a.Signature, b.Signature) ||
				!slices.EqualFunc(a.PublicKeys, b.PublicKeys, bytes.Equal) {
				t.Fatalf("item %d changed in a round trip: %+v, then %+v", i, a, b)
			}
		}
	})
}
