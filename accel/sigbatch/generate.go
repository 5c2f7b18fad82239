package sigbatch

import (
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"io"
	"math/big"

	bls12381 "github.com/consensys/gnark-crypto/ecc/bls12-381"
	"github.com/consensys/gnark-crypto/ecc/bls12-381/fr"
	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	"github.com/decred/dcrd/dcrec/secp256k1/v4/ecdsa"
	"github.com/oasisprotocol/curve25519-voi/primitives/ed25519"
)

// GenerateOptions configures Generate. The zero value signs n distinct
// random messages with n fresh keys, all valid, from crypto/rand.
type GenerateOptions struct {
	// SameMessage signs one random message with every key (the case BLS
	// aggregation speeds up most).
	SameMessage bool
	// Bad lists item indices whose signature is replaced by a signature of
	// another message under the same key: well formed, but invalid.
	Bad []int
	// MessageSize is the length of the random messages; 0 means 32.
	MessageSize int
	// Rand is the source of keys and messages; nil means crypto/rand.
	// It is read from one goroutine only.
	Rand io.Reader
}

// Generate returns n items of scheme s signed with fresh keys, for tests,
// benchmarks and `cairn sig gen`. Keys are not returned. Indices in
// opt.Bad outside [0, n) are an error, as are an unknown scheme and a
// failing random source.
func Generate(s Scheme, n int, opt GenerateOptions) ([]Item, error) {
	if _, err := ParseScheme(string(s)); err != nil {
		return nil, err
	}
	if n < 0 {
		return nil, fmt.Errorf("sigbatch: generate %d items: want n >= 0", n)
	}
	bad := make([]bool, n)
	for _, i := range opt.Bad {
		if i < 0 || i >= n {
			return nil, fmt.Errorf("sigbatch: generate: bad index %d outside [0, %d)", i, n)
		}
		bad[i] = true
	}
	src := opt.Rand
	if src == nil {
		src = rand.Reader
	}
	size := opt.MessageSize
	if size == 0 {
		size = 32
	}
	seeds := make([][32]byte, n)
	msgs := make([][]byte, n)
	for i := range n {
		if _, err := io.ReadFull(src, seeds[i][:]); err != nil {
			return nil, fmt.Errorf("sigbatch: generate: random source: %w", err)
		}
		if i == 0 || !opt.SameMessage {
			msgs[i] = make([]byte, size)
			if _, err := io.ReadFull(src, msgs[i]); err != nil {
				return nil, fmt.Errorf("sigbatch: generate: random source: %w", err)
			}
		} else {
			msgs[i] = msgs[0]
		}
	}
	items := make([]Item, n)
	var sameHash *bls12381.G2Affine
	if s == BLS12381 && opt.SameMessage && n > 0 {
		h, err := bls12381.HashToG2(msgs[0], []byte(BLSDST))
		if err != nil {
			return nil, fmt.Errorf("sigbatch: generate: hash to G2: %w", err)
		}
		sameHash = &h
	}
	forChunks(n, blsPerWorker, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			signed := msgs[i]
			if bad[i] {
				signed = append(append([]byte(nil), msgs[i]...), 0xba, 0xd0)
			}
			items[i] = Item{Scheme: s, Message: msgs[i]}
			switch s {
			case Ed25519:
				items[i].PublicKey, items[i].Signature = signEd25519(seeds[i][:], signed)
			case BLS12381:
				h := sameHash
				if h == nil || bad[i] {
					hh, _ := bls12381.HashToG2(signed, []byte(BLSDST)) // the DST is valid
					h = &hh
				}
				items[i].PublicKey, items[i].Signature = signBLS(seeds[i][:], h)
			case Secp256k1:
				items[i].PublicKey, items[i].Signature = signSecp256k1(seeds[i][:], signed)
			}
		}
	})
	return items, nil
}

func signEd25519(seed, msg []byte) (pk, sig []byte) {
	sk := ed25519.NewKeyFromSeed(seed)
	return sk.Public().(ed25519.PublicKey), ed25519.Sign(sk, msg)
}

// signBLS derives the secret key from seed (reduced mod q, 0 replaced by
// 1) and signs the hashed message h.
func signBLS(seed []byte, h *bls12381.G2Affine) (pk, sig []byte) {
	var sk fr.Element
	sk.SetBytes(seed)
	if sk.IsZero() {
		sk.SetOne()
	}
	var s big.Int
	sk.BigInt(&s)
	var p bls12381.G1Affine
	p.ScalarMultiplicationBase(&s)
	var q bls12381.G2Affine
	q.ScalarMultiplication(h, &s)
	pb, qb := p.Bytes(), q.Bytes()
	return pb[:], qb[:]
}

// signSecp256k1 signs SHA-256(msg) with RFC 6979 nonces; the public key is
// compressed.
func signSecp256k1(seed, msg []byte) (pk, sig []byte) {
	key := secp256k1.PrivKeyFromBytes(seed)
	if key.Key.IsZero() {
		key.Key.SetInt(1)
	}
	digest := sha256.Sum256(msg)
	es := ecdsa.Sign(key, digest[:])
	r, s := es.R(), es.S()
	var rb, sb [32]byte
	r.PutBytes(&rb)
	s.PutBytes(&sb)
	return key.PubKey().SerializeCompressed(), append(rb[:], sb[:]...)
}

// Aggregate returns the BLS12-381 aggregate item of items, which must be
// well-formed bls12-381 items that all sign the same message (Generate
// with SameMessage makes such): PublicKeys lists their keys and Signature
// is the sum of their signatures. For tests, benchmarks and `cairn sig
// gen --aggregate`; the aggregate is valid exactly when every item is.
func Aggregate(items []Item) (Item, error) {
	if len(items) == 0 {
		return Item{}, fmt.Errorf("sigbatch: aggregate: no items")
	}
	agg := Item{Scheme: BLS12381, Message: items[0].Message, PublicKeys: make([][]byte, len(items))}
	var sum bls12381.G2Jac
	for i, it := range items {
		if it.Scheme != BLS12381 || len(it.PublicKeys) > 0 || string(it.Message) != string(agg.Message) {
			return Item{}, fmt.Errorf("sigbatch: aggregate: item %d is not a single bls12-381 signature on item 0's message", i)
		}
		var sig bls12381.G2Affine
		if _, err := sig.SetBytes(it.Signature); err != nil {
			return Item{}, fmt.Errorf("sigbatch: aggregate: item %d: signature: %w", i, err)
		}
		sum.AddMixed(&sig)
		agg.PublicKeys[i] = it.PublicKey
	}
	var sig bls12381.G2Affine
	sig.FromJacobian(&sum)
	b := sig.Bytes()
	agg.Signature = b[:]
	return agg, nil
}
