package sigbatch

import (
	"runtime"

	"github.com/cairn-node/cairn/accel"
	"github.com/cairn-node/cairn/accel/internal/parallel"
)

// goVerifier is the reference backend. It holds no state.
type goVerifier struct{}

var _ Verifier = goVerifier{}

func (goVerifier) Backend() accel.Backend { return accel.Go }

// Verify implements [Verifier.Verify]: it splits the batch by scheme and
// runs each scheme's verifier on its items; items of an unknown scheme stay
// false, as do items of other schemes with PublicKeys (aggregates are
// BLS12-381 only).
func (goVerifier) Verify(items []Item) (Result, error) {
	ok := make([]bool, len(items))
	var ed, bls, secp []int
	for i := range items {
		if len(items[i].PublicKeys) > 0 && items[i].Scheme != BLS12381 {
			continue
		}
		switch items[i].Scheme {
		case Ed25519:
			ed = append(ed, i)
		case BLS12381:
			bls = append(bls, i)
		case Secp256k1:
			secp = append(secp, i)
		}
	}
	verifyEd25519(items, ed, ok)
	verifySecp256k1(items, secp, ok)
	if err := verifyBLS(items, bls, ok); err != nil {
		return Result{}, err
	}
	return newResult(ok), nil
}

// batchCheck reports whether the batch equation of a scheme holds for the
// items idx, all well formed. For a single item it must be exact: true if
// and only if that signature is valid.
type batchCheck func(idx []int) (bool, error)

// bisect decides the well-formed items idx: one batch check, and on failure
// each half again, down to single items. k bad items among n cost
// O(k·log n) checks. It sets ok[i] for the valid ones.
func bisect(idx []int, ok []bool, check batchCheck) error {
	if len(idx) == 0 {
		return nil
	}
	pass, err := check(idx)
	if err != nil {
		return err
	}
	if pass {
		for _, i := range idx {
			ok[i] = true
		}
		return nil
	}
	if len(idx) == 1 {
		return nil
	}
	mid := len(idx) / 2
	if err := bisect(idx[:mid], ok, check); err != nil {
		return err
	}
	return bisect(idx[mid:], ok, check)
}

// forChunks calls fn on contiguous chunks of [0, n), at most one per core
// and at least perWorker items each (except the last), and waits for them.
func forChunks(n, perWorker int, fn func(lo, hi int)) {
	workers := max(1, min(runtime.GOMAXPROCS(0), (n+perWorker-1)/perWorker))
	parallel.For(n, workers, fn)
}
