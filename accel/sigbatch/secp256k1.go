package sigbatch

import (
	"crypto/sha256"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	"github.com/decred/dcrd/dcrec/secp256k1/v4/ecdsa"
)

// secp256k1PerWorker is the smallest number of secp256k1 items a goroutine
// gets; one verification takes tens of microseconds, so a few items already
// pay for the goroutine.
const secp256k1PerWorker = 8

// verifySecp256k1 verifies the secp256k1 items idx one by one, spread over
// all cores. ECDSA has no batch equation over r||s (the R points are not
// recoverable without a parity bit), so there is nothing to bisect.
func verifySecp256k1(items []Item, idx []int, ok []bool) {
	forChunks(len(idx), secp256k1PerWorker, func(lo, hi int) {
		for _, i := range idx[lo:hi] {
			pk, sig, err := decodeSecp256k1(items[i])
			if err != nil {
				continue
			}
			digest := sha256.Sum256(items[i].Message)
			ok[i] = sig.Verify(digest[:], pk)
		}
	})
}

// decodeSecp256k1 parses an item's SEC1 key (33 bytes compressed or 65
// uncompressed; hybrid encodings are refused) and its r||s signature,
// with r and s in [1, n-1]. High s is accepted: this is plain ECDSA, not
// Bitcoin's low-s rule.
func decodeSecp256k1(it Item) (*secp256k1.PublicKey, *ecdsa.Signature, error) {
	switch n := len(it.PublicKey); {
	case n == secp256k1.PubKeyBytesLenCompressed && (it.PublicKey[0] == secp256k1.PubKeyFormatCompressedEven || it.PublicKey[0] == secp256k1.PubKeyFormatCompressedOdd):
	case n == secp256k1.PubKeyBytesLenUncompressed && it.PublicKey[0] == secp256k1.PubKeyFormatUncompressed:
	default:
		return nil, nil, malformed(Secp256k1, "public key is %d bytes starting %x, want 33 bytes starting 02 or 03, or 65 starting 04", n, it.PublicKey[:min(n, 1)])
	}
	pk, err := secp256k1.ParsePubKey(it.PublicKey)
	if err != nil {
		return nil, nil, malformed(Secp256k1, "public key: %w", err)
	}
	if len(it.Signature) != 64 {
		return nil, nil, malformed(Secp256k1, "signature is %d bytes, want 64 (r||s, big-endian)", len(it.Signature))
	}
	var r, s secp256k1.ModNScalar
	if r.SetByteSlice(it.Signature[:32]) || r.IsZero() {
		return nil, nil, malformed(Secp256k1, "signature r is not in [1, n-1]")
	}
	if s.SetByteSlice(it.Signature[32:]) || s.IsZero() {
		return nil, nil, malformed(Secp256k1, "signature s is not in [1, n-1]")
	}
	return pk, ecdsa.NewSignature(&r, &s), nil
}
