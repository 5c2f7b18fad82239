package bench

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"runtime"
	"sync"

	bls12381 "github.com/consensys/gnark-crypto/ecc/bls12-381"
	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	"github.com/decred/dcrd/dcrec/secp256k1/v4/ecdsa"
	"github.com/oasisprotocol/curve25519-voi/primitives/ed25519"

	"github.com/cairn-node/cairn/accel"
	"github.com/cairn-node/cairn/accel/sigbatch"
)

// Sizes of the signature batch rows.
const (
	// sigEd25519Batch is the Ed25519 batch size (issue #7: 1,024).
	sigEd25519Batch = 1024
	// sigBLSBatch is the BLS12-381 same-message batch size (issue #7: 1,000).
	sigBLSBatch = 1000
	// sigSecp256k1Batch is the secp256k1 batch size.
	sigSecp256k1Batch = 1024
)

// sigCases are the signature batch rows. Each measures accel/sigbatch on a
// batch of valid signatures beside a peer that verifies the same items one
// at a time by calling the library directly, spread over the same cores,
// so the "x go" column of the peer row is single verification's share of
// batch throughput:
//
//   - Ed25519, 1,024 distinct messages: curve25519-voi ZIP-215 single
//     verification;
//   - BLS12-381, 1,000 keys signing one message: gnark-crypto decode,
//     hash to G2 and a two-pairing check per signature;
//   - BLS12-381 aggregate: the same 1,000 signatures as one aggregate
//     signature with the 1,000 keys (FastAggregateVerify), against the
//     same single verifications (issue #7: ≥ 50×);
//   - secp256k1, 1,024: dcrd ECDSA on one core (the kernel spreads items
//     over all cores; there is no batch equation).
//
// Values are signatures per second.
func sigCases() []Case {
	return []Case{
		{Kernel: "sig-ed25519", Params: fmt.Sprintf("n=%d", sigEd25519Batch), Unit: "sigs/s", Quick: true,
			Setup: sigSetup(sigbatch.Ed25519, sigEd25519Batch, false), Peer: sigPeer(sigbatch.Ed25519, sigEd25519Batch, false, ed25519Single, 0), PeerName: "voi-single"},
		{Kernel: "sig-bls12-381", Params: fmt.Sprintf("n=%d,same-message", sigBLSBatch), Unit: "sigs/s", Quick: true,
			Setup: sigSetup(sigbatch.BLS12381, sigBLSBatch, true), Peer: sigPeer(sigbatch.BLS12381, sigBLSBatch, true, blsSingle, 0), PeerName: "gnark-single"},
		{Kernel: "sig-bls12-381-aggregate", Params: fmt.Sprintf("n=%d,same-message", sigBLSBatch), Unit: "sigs/s", Quick: true,
			Setup: blsAggregateSetup(sigBLSBatch), Peer: sigPeer(sigbatch.BLS12381, sigBLSBatch, true, blsSingle, 0), PeerName: "gnark-single"},
		{Kernel: "sig-secp256k1", Params: fmt.Sprintf("n=%d", sigSecp256k1Batch), Unit: "sigs/s", Quick: true,
			Setup: sigSetup(sigbatch.Secp256k1, sigSecp256k1Batch, false), Peer: sigPeer(sigbatch.Secp256k1, sigSecp256k1Batch, false, secp256k1Single, 1), PeerName: "dcrd-1-core"},
	}
}

// sigItemCache holds the generated items of the current case, shared by
// its targets and dropped when the case ends.
var sigItemCache = map[string][]sigbatch.Item{}

func sigItems(s sigbatch.Scheme, n int, same bool) ([]sigbatch.Item, error) {
	key := fmt.Sprintf("%s/%d/%v", s, n, same)
	if items, ok := sigItemCache[key]; ok {
		return items, nil
	}
	items, err := sigbatch.Generate(s, n, sigbatch.GenerateOptions{SameMessage: same})
	if err != nil {
		return nil, err
	}
	sigItemCache[key] = items
	atCaseEnd(func() { delete(sigItemCache, key) })
	return items, nil
}

func sigSetup(s sigbatch.Scheme, n int, same bool) func(accel.Backend) (func() error, float64, error) {
	return func(b accel.Backend) (func() error, float64, error) {
		v, err := sigbatch.New(b)
		if err != nil {
			return nil, 0, err
		}
		items, err := sigItems(s, n, same)
		if err != nil {
			return nil, 0, err
		}
		return func() error {
			res, err := v.Verify(items)
			if err == nil && res.Valid != n {
				err = fmt.Errorf("bench: %d of %d %s signatures valid", res.Valid, n, s)
			}
			return err
		}, float64(n), nil
	}
}

// blsAggregateSetup verifies the aggregate of the n same-message items of
// the BLS row as one item; work is n signatures.
func blsAggregateSetup(n int) func(accel.Backend) (func() error, float64, error) {
	return func(b accel.Backend) (func() error, float64, error) {
		v, err := sigbatch.New(b)
		if err != nil {
			return nil, 0, err
		}
		items, err := sigItems(sigbatch.BLS12381, n, true)
		if err != nil {
			return nil, 0, err
		}
		agg, err := sigbatch.Aggregate(items)
		if err != nil {
			return nil, 0, err
		}
		batch := []sigbatch.Item{agg}
		return func() error {
			res, err := v.Verify(batch)
			if err == nil && res.Valid != 1 {
				err = fmt.Errorf("bench: the aggregate of %d bls12-381 signatures did not verify", n)
			}
			return err
		}, float64(n), nil
	}
}

// errSigInvalid is a peer's verdict on a signature the kernel accepted.
var errSigInvalid = errors.New("bench: peer rejected a valid signature")

// sigPeer verifies the case's items one by one with single, on threads
// goroutines (0: one per core).
func sigPeer(s sigbatch.Scheme, n int, same bool, single func(sigbatch.Item) bool, threads int) func() (func() error, float64, error) {
	return func() (func() error, float64, error) {
		items, err := sigItems(s, n, same)
		if err != nil {
			return nil, 0, err
		}
		if threads == 0 {
			threads = runtime.GOMAXPROCS(0)
		}
		return func() error {
			var wg sync.WaitGroup
			var bad sync.Once
			var err error
			chunk := (len(items) + threads - 1) / threads
			for lo := 0; lo < len(items); lo += chunk {
				part := items[lo:min(lo+chunk, len(items))]
				wg.Go(func() {
					for _, it := range part {
						if !single(it) {
							bad.Do(func() { err = errSigInvalid })
						}
					}
				})
			}
			wg.Wait()
			return err
		}, float64(n), nil
	}
}

var zip215 = &ed25519.Options{Verify: ed25519.VerifyOptionsZIP_215}

func ed25519Single(it sigbatch.Item) bool {
	return ed25519.VerifyWithOptions(it.PublicKey, it.Message, it.Signature, zip215)
}

// blsSingle is textbook BLS verification with gnark-crypto: decode with
// subgroup checks, hash, e(−g₁, σ)·e(pk, H(m)) = 1.
func blsSingle(it sigbatch.Item) bool {
	var pk bls12381.G1Affine
	var sig bls12381.G2Affine
	if _, err := pk.SetBytes(it.PublicKey); err != nil {
		return false
	}
	if _, err := sig.SetBytes(it.Signature); err != nil {
		return false
	}
	h, err := bls12381.HashToG2(it.Message, []byte(sigbatch.BLSDST))
	if err != nil {
		return false
	}
	_, _, g1, _ := bls12381.Generators()
	g1.Neg(&g1)
	ok, err := bls12381.PairingCheck([]bls12381.G1Affine{g1, pk}, []bls12381.G2Affine{sig, h})
	return err == nil && ok
}

func secp256k1Single(it sigbatch.Item) bool {
	pk, err := secp256k1.ParsePubKey(it.PublicKey)
	if err != nil {
		return false
	}
	var r, s secp256k1.ModNScalar
	r.SetByteSlice(it.Signature[:32])
	s.SetByteSlice(it.Signature[32:])
	digest := sha256.Sum256(it.Message)
	return ecdsa.NewSignature(&r, &s).Verify(digest[:], pk)
}
