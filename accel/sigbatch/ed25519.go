package sigbatch

import (
	"github.com/oasisprotocol/curve25519-voi/curve"
	"github.com/oasisprotocol/curve25519-voi/curve/scalar"
	"github.com/oasisprotocol/curve25519-voi/primitives/ed25519"
)

// ed25519PerWorker is the smallest Ed25519 batch a goroutine gets: below
// about 32 signatures a batch equation saves little over single checks, so
// splitting further across cores costs more than it gains.
const ed25519PerWorker = 32

// zip215 are the Ed25519 verification rules: ZIP-215 (cofactored equation,
// non-canonical and small-order A and R accepted, S < ℓ required). They are
// the only rules under which single and batch verification agree on every
// input, so an item's answer does not depend on its batch.
var zip215 = &ed25519.Options{Verify: ed25519.VerifyOptionsZIP_215}

// verifyEd25519 decides the Ed25519 items idx: one batch per core; a
// failing batch drops its malformed items, then is bisected.
func verifyEd25519(items []Item, idx []int, ok []bool) {
	sized := make([]int, 0, len(idx))
	for _, i := range idx {
		if len(items[i].PublicKey) == ed25519.PublicKeySize && len(items[i].Signature) == ed25519.SignatureSize {
			sized = append(sized, i)
		}
	}
	check := func(sub []int) (bool, error) { return ed25519Batch(items, sub), nil }
	forChunks(len(sized), ed25519PerWorker, func(lo, hi int) {
		part := sized[lo:hi]
		if ed25519Batch(items, part) {
			for _, i := range part {
				ok[i] = true
			}
			return
		}
		wellFormed := make([]int, 0, len(part))
		for _, i := range part {
			if checkEd25519(items[i]) == nil {
				wellFormed = append(wellFormed, i)
			}
		}
		_ = bisect(wellFormed, ok, check) // check never fails
	})
}

// ed25519Batch runs curve25519-voi's batch equation on items idx. With one
// item it is exactly ZIP-215 single verification.
func ed25519Batch(items []Item, idx []int) bool {
	v := ed25519.NewBatchVerifierWithCapacity(len(idx))
	for _, i := range idx {
		v.AddWithOptions(items[i].PublicKey, items[i].Message, items[i].Signature, zip215)
	}
	// VerifyBatchOnly draws its 128-bit coefficients from crypto/rand.
	return v.VerifyBatchOnly(nil)
}

// checkEd25519 returns nil when it decodes under ZIP-215: 32-byte A and
// 64-byte R||S, A and R points on the curve (any encoding), S < ℓ.
func checkEd25519(it Item) error {
	if len(it.PublicKey) != ed25519.PublicKeySize {
		return malformed(Ed25519, "public key is %d bytes, want %d", len(it.PublicKey), ed25519.PublicKeySize)
	}
	if len(it.Signature) != ed25519.SignatureSize {
		return malformed(Ed25519, "signature is %d bytes, want %d (R||S)", len(it.Signature), ed25519.SignatureSize)
	}
	if !onEdwards25519(it.PublicKey) {
		return malformed(Ed25519, "public key is not a point of edwards25519")
	}
	if !onEdwards25519(it.Signature[:32]) {
		return malformed(Ed25519, "signature R is not a point of edwards25519")
	}
	if !scalar.ScMinimalVartime(it.Signature[32:]) {
		return malformed(Ed25519, "signature S is not below the group order ℓ")
	}
	return nil
}

// onEdwards25519 reports whether b, 32 bytes, decompresses to a point.
func onEdwards25519(b []byte) bool {
	var c curve.CompressedEdwardsY
	if _, err := c.SetBytes(b); err != nil {
		return false
	}
	var p curve.EdwardsPoint
	_, err := p.SetCompressedY(&c)
	return err == nil
}
