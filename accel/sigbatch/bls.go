package sigbatch

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"math/big"
	"sync"

	"github.com/consensys/gnark-crypto/ecc"
	bls12381 "github.com/consensys/gnark-crypto/ecc/bls12-381"
	"github.com/consensys/gnark-crypto/ecc/bls12-381/fr"
)

// BLSDST is the hash-to-curve domain separation tag of the BLS12-381
// scheme: the IETF proof-of-possession ciphersuite that Ethereum uses.
const BLSDST = "BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_"

// blsPerWorker is the fewest BLS items a goroutine decodes or hashes: one
// decompression costs 50 to 70 µs, a hash to G2 about 250 µs.
const blsPerWorker = 4

// blsCompressed is the compression flag of the ZCash/IETF point encoding
// (the top bit of the first byte).
const blsCompressed = 0x80

// blsBatch is one verifyBLS call: decoded points of the well-formed items
// and the hash of every distinct message.
type blsBatch struct {
	items []Item
	pk    map[int]*bls12381.G1Affine
	sig   map[int]*bls12381.G2Affine
	hash  map[string]*bls12381.G2Affine
}

// verifyBLS decides the BLS12-381 items idx: decode every key and
// signature (malformed items fail here), check subgroup membership of all
// points in two batched checks (falling back to one check per point when a
// batch check fails), hash each distinct message once, then check the
// batch equation and bisect it on failure.
func verifyBLS(items []Item, idx []int, ok []bool) error {
	if len(idx) == 0 {
		return nil
	}
	pks, sigs, decoded := decodeBLSBatch(items, idx)
	b := blsBatch{items: items, pk: map[int]*bls12381.G1Affine{}, sig: map[int]*bls12381.G2Affine{}, hash: map[string]*bls12381.G2Affine{}}
	var good []int
	var msgs []string
	for k, d := range decoded {
		if !d {
			continue
		}
		i := idx[k]
		good = append(good, i)
		b.pk[i], b.sig[i] = &pks[k], &sigs[k]
		m := string(items[i].Message)
		if _, seen := b.hash[m]; !seen {
			b.hash[m] = nil
			msgs = append(msgs, m)
		}
	}
	hashes := make([]bls12381.G2Affine, len(msgs))
	var hashErr error
	var mu sync.Mutex
	forChunks(len(msgs), blsPerWorker, func(lo, hi int) {
		for j := lo; j < hi; j++ {
			h, err := bls12381.HashToG2([]byte(msgs[j]), []byte(BLSDST))
			if err != nil {
				mu.Lock()
				hashErr = err
				mu.Unlock()
			}
			hashes[j] = h
		}
	})
	if hashErr != nil {
		return fmt.Errorf("sigbatch: bls12-381 hash to G2: %w", hashErr)
	}
	for j, m := range msgs {
		b.hash[m] = &hashes[j]
	}
	return bisect(good, ok, b.check)
}

// decodeBLSBatch decodes the keys and signatures of items idx on all cores
// and checks their subgroups; decoded[k] reports whether items[idx[k]] is
// well formed, and then pks[k] and sigs[k] are its points.
func decodeBLSBatch(items []Item, idx []int) (pks []bls12381.G1Affine, sigs []bls12381.G2Affine, decoded []bool) {
	pks = make([]bls12381.G1Affine, len(idx))
	sigs = make([]bls12381.G2Affine, len(idx))
	decoded = make([]bool, len(idx))
	forChunks(len(idx), blsPerWorker, func(lo, hi int) {
		for k := lo; k < hi; k++ {
			var err error
			pks[k], sigs[k], err = decodeBLS(items[idx[k]], false)
			decoded[k] = err == nil
		}
	})
	var on []int // positions in idx of the items that decoded
	for k, d := range decoded {
		if d {
			on = append(on, k)
		}
	}
	inSubgroups(on, pks, sigs, decoded)
	return pks, sigs, decoded
}

// inSubgroups clears decoded[k] for every k in on whose key is not in G1
// or whose signature is not in G2. Both batch checks are gnark-crypto's
// (probabilistic from 80 points, error below 2⁻⁶⁴); a failing batch is
// resolved point by point.
func inSubgroups(on []int, pks []bls12381.G1Affine, sigs []bls12381.G2Affine, decoded []bool) {
	g1 := make([]bls12381.G1Affine, len(on))
	g2 := make([]bls12381.G2Affine, len(on))
	for j, k := range on {
		g1[j], g2[j] = pks[k], sigs[k]
	}
	g1ok, g2ok := bls12381.IsInSubGroupBatchG1(g1), bls12381.IsInSubGroupBatchG2(g2)
	if g1ok && g2ok {
		return
	}
	forChunks(len(on), blsPerWorker, func(lo, hi int) {
		for _, k := range on[lo:hi] {
			if (!g1ok && !pks[k].IsInSubGroup()) || (!g2ok && !sigs[k].IsInSubGroup()) {
				decoded[k] = false
			}
		}
	})
}

// check tests the batch equation over items idx, all well formed:
//
//	e(−g₁, Σ rᵢ·σᵢ) · ∏ₘ e(Σ_{i: mᵢ=m} rᵢ·pkᵢ, H(m)) = 1
//
// with independent random 64-bit rᵢ ≠ 0, so n signatures on one message
// cost two MSMs and two Miller loops. A set holding an invalid signature
// passes with probability about 2⁻⁶⁴; a single item (one rᵢ ≠ 0 mod q,
// GT of prime order q) passes exactly when its signature is valid.
func (b *blsBatch) check(idx []int) (bool, error) {
	rnd := make([]byte, 8*len(idx))
	if _, err := rand.Read(rnd); err != nil {
		return false, fmt.Errorf("sigbatch: bls12-381 batch randomness: %w", err)
	}
	rs := make([]fr.Element, len(idx))
	sigs := make([]bls12381.G2Affine, len(idx))
	type group struct {
		pks []bls12381.G1Affine
		rs  []fr.Element
	}
	groups := map[string]*group{}
	var order []string
	for k, i := range idx {
		r := binary.LittleEndian.Uint64(rnd[8*k:])
		if r == 0 {
			r = 1
		}
		rs[k].SetUint64(r)
		sigs[k] = *b.sig[i]
		m := string(b.items[i].Message)
		g := groups[m]
		if g == nil {
			g = &group{}
			groups[m] = g
			order = append(order, m)
		}
		g.pks = append(g.pks, *b.pk[i])
		g.rs = append(g.rs, rs[k])
	}
	ps := make([]bls12381.G1Affine, 0, len(order)+1)
	qs := make([]bls12381.G2Affine, 0, len(order)+1)
	_, _, g1, _ := bls12381.Generators()
	var negG1 bls12381.G1Affine
	negG1.Neg(&g1)
	sum, err := msmG2(sigs, rs)
	if err != nil {
		return false, err
	}
	ps, qs = append(ps, negG1), append(qs, sum)
	for _, m := range order {
		g := groups[m]
		p, err := msmG1(g.pks, g.rs)
		if err != nil {
			return false, err
		}
		ps, qs = append(ps, p), append(qs, *b.hash[m])
	}
	return pairingCheck(ps, qs)
}

// pairingCheck reports whether ∏ e(ps[j], qs[j]) = 1, running the Miller
// loops of chunks of pairs on all cores and one final exponentiation.
func pairingCheck(ps []bls12381.G1Affine, qs []bls12381.G2Affine) (bool, error) {
	var (
		mu   sync.Mutex
		f    bls12381.GT
		fErr error
	)
	f.SetOne()
	forChunks(len(ps), blsPerWorker, func(lo, hi int) {
		ml, err := bls12381.MillerLoop(ps[lo:hi], qs[lo:hi])
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			fErr = err
			return
		}
		f.Mul(&f, &ml)
	})
	if fErr != nil {
		return false, fmt.Errorf("sigbatch: bls12-381 miller loop: %w", fErr)
	}
	got := bls12381.FinalExponentiation(&f)
	return got.IsOne(), nil
}

// msmG1 returns Σ scalars[i]·points[i].
func msmG1(points []bls12381.G1Affine, scalars []fr.Element) (bls12381.G1Affine, error) {
	var out bls12381.G1Affine
	if len(points) == 1 {
		var s big.Int
		return *out.ScalarMultiplication(&points[0], scalars[0].BigInt(&s)), nil
	}
	if _, err := out.MultiExp(points, scalars, ecc.MultiExpConfig{}); err != nil {
		return out, fmt.Errorf("sigbatch: bls12-381 G1 MSM: %w", err)
	}
	return out, nil
}

// msmG2 returns Σ scalars[i]·points[i].
func msmG2(points []bls12381.G2Affine, scalars []fr.Element) (bls12381.G2Affine, error) {
	var out bls12381.G2Affine
	if len(points) == 1 {
		var s big.Int
		return *out.ScalarMultiplication(&points[0], scalars[0].BigInt(&s)), nil
	}
	if _, err := out.MultiExp(points, scalars, ecc.MultiExpConfig{}); err != nil {
		return out, fmt.Errorf("sigbatch: bls12-381 G2 MSM: %w", err)
	}
	return out, nil
}

// decodeBLS decodes an item's 48-byte compressed G1 key and 96-byte
// compressed G2 signature (ZCash/IETF encoding, canonical coordinates, on
// the curve, not the point at infinity). With subgroup, it also checks
// that both are in their prime-order subgroups.
func decodeBLS(it Item, subgroup bool) (bls12381.G1Affine, bls12381.G2Affine, error) {
	var pk bls12381.G1Affine
	var sig bls12381.G2Affine
	if len(it.PublicKeys) > 0 {
		if len(it.PublicKey) > 0 {
			return pk, sig, malformed(BLS12381, "both public_key and public_keys are set; an aggregate signature has public_keys only")
		}
		var err error
		if pk, err = aggregateBLSKeys(it.PublicKeys); err != nil {
			return pk, sig, err
		}
	} else if len(it.PublicKey) != bls12381.SizeOfG1AffineCompressed || it.PublicKey[0]&blsCompressed == 0 {
		return pk, sig, malformed(BLS12381, "public key is %d bytes, want a %d-byte compressed G1 point", len(it.PublicKey), bls12381.SizeOfG1AffineCompressed)
	}
	if len(it.Signature) != bls12381.SizeOfG2AffineCompressed || it.Signature[0]&blsCompressed == 0 {
		return pk, sig, malformed(BLS12381, "signature is %d bytes, want a %d-byte compressed G2 point", len(it.Signature), bls12381.SizeOfG2AffineCompressed)
	}
	var opts []func(*bls12381.Decoder)
	if !subgroup {
		opts = append(opts, bls12381.NoSubgroupChecks())
	}
	if len(it.PublicKeys) == 0 {
		if err := bls12381.NewDecoder(bytes.NewReader(it.PublicKey), opts...).Decode(&pk); err != nil {
			return pk, sig, malformed(BLS12381, "public key: %w", err)
		}
		if pk.IsInfinity() {
			return pk, sig, malformed(BLS12381, "public key is the point at infinity")
		}
	}
	if err := bls12381.NewDecoder(bytes.NewReader(it.Signature), opts...).Decode(&sig); err != nil {
		return pk, sig, malformed(BLS12381, "signature: %w", err)
	}
	if sig.IsInfinity() {
		return pk, sig, malformed(BLS12381, "signature is the point at infinity")
	}
	return pk, sig, nil
}

// aggregateBLSKeys decodes the keys of an aggregate signature on all
// cores, checks that each is a G1 point of the prime-order subgroup and
// not the point at infinity (the draft's KeyValidate; a batched subgroup
// check, point by point only when it fails), and returns their sum. The
// error names the first bad key.
func aggregateBLSKeys(keys [][]byte) (bls12381.G1Affine, error) {
	var agg bls12381.G1Affine
	pks := make([]bls12381.G1Affine, len(keys))
	errs := make([]error, len(keys))
	cached := make([]bool, len(keys))
	forChunks(len(keys), blsKeysPerWorker, func(lo, hi int) {
		for k := lo; k < hi; k++ {
			b := keys[k]
			if pk, ok := blsKeys.get(b); ok {
				pks[k], cached[k] = pk, true
				continue
			}
			switch {
			case len(b) != bls12381.SizeOfG1AffineCompressed || b[0]&blsCompressed == 0:
				errs[k] = fmt.Errorf("is %d bytes, want a %d-byte compressed G1 point", len(b), bls12381.SizeOfG1AffineCompressed)
			default:
				if err := bls12381.NewDecoder(bytes.NewReader(b), bls12381.NoSubgroupChecks()).Decode(&pks[k]); err != nil {
					errs[k] = err
				} else if pks[k].IsInfinity() {
					errs[k] = errors.New("is the point at infinity")
				}
			}
		}
	})
	for k, err := range errs {
		if err != nil {
			return agg, malformed(BLS12381, "public_keys[%d]: %w", k, err)
		}
	}
	var fresh []bls12381.G1Affine
	for k := range pks {
		if !cached[k] {
			fresh = append(fresh, pks[k])
		}
	}
	if !bls12381.IsInSubGroupBatchG1(fresh) {
		for k := range pks {
			if !cached[k] && !pks[k].IsInSubGroup() {
				return agg, malformed(BLS12381, "public_keys[%d] is not in the prime-order subgroup of G1", k)
			}
		}
	}
	for k := range pks {
		if !cached[k] {
			blsKeys.put(keys[k], pks[k])
		}
	}
	var sum bls12381.G1Jac
	for k := range pks {
		sum.AddMixed(&pks[k])
	}
	agg.FromJacobian(&sum)
	if agg.IsInfinity() {
		return agg, malformed(BLS12381, "the public keys sum to the point at infinity")
	}
	return agg, nil
}

// blsKeysPerWorker is the fewest aggregate keys a goroutine decodes (one
// G1 decompression is a square root, about 25 µs).
const blsKeysPerWorker = 64

// blsKeyCacheSize bounds the validated-key cache: 65,536 keys (about
// 10 MB), more than Ethereum's active validator committees of one slot.
const blsKeyCacheSize = 1 << 16

// blsKeys caches aggregate signers' keys that passed KeyValidate, by
// their compressed encoding: a co-processor sees the same validator set
// again and again, and decompressing a key (a square root) and checking
// its subgroup cost far more than the rest of an aggregate verification.
var blsKeys = keyCache{m: map[[bls12381.SizeOfG1AffineCompressed]byte]bls12381.G1Affine{}}

// keyCache is a bounded map of validated keys. When full it drops an
// arbitrary half (Go's map order), which keeps it simple and O(1)
// amortised; a dropped key is only decoded again.
type keyCache struct {
	mu sync.Mutex
	m  map[[bls12381.SizeOfG1AffineCompressed]byte]bls12381.G1Affine
}

func (c *keyCache) get(b []byte) (bls12381.G1Affine, bool) {
	if len(b) != bls12381.SizeOfG1AffineCompressed {
		return bls12381.G1Affine{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	pk, ok := c.m[[bls12381.SizeOfG1AffineCompressed]byte(b)]
	return pk, ok
}

// put records a key that passed KeyValidate; b is its 48-byte encoding.
func (c *keyCache) put(b []byte, pk bls12381.G1Affine) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= blsKeyCacheSize {
		n := 0
		for k := range c.m {
			delete(c.m, k)
			if n++; n >= blsKeyCacheSize/2 {
				break
			}
		}
	}
	c.m[[bls12381.SizeOfG1AffineCompressed]byte(b)] = pk
}
