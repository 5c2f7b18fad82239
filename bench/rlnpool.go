package bench

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/cairn-node/cairn/accel"
	"github.com/cairn-node/cairn/accel/msm"
	"github.com/cairn-node/cairn/node/relay/message"
	"github.com/cairn-node/cairn/node/relay/rln"
	"github.com/cairn-node/cairn/node/relay/rln/groth16"
	"github.com/cairn-node/cairn/node/relay/rlnrelay"
)

// rlnPooled is a valid message of the bench member and its proof values.
type rlnPooled struct {
	msg message.Message
	pv  rln.ProofValues
}

// rlnPool caches the proved messages for the whole process, and in
// poolCacheFile across runs: at 60 to 200 ms a proof, making the 256 of
// them again for every case, or every run, would dominate BENCH=quick. The
// pool is the cases' input; proving is measured by rln-prove.
var rlnPool []rlnPooled

// poolCacheFile is where the pool's rate limit proofs are kept between
// runs ("" keeps none): <user cache dir>/cairn/bench/rln-pool.bin.
var poolCacheFile = func() string {
	dir, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(dir, "cairn", "bench", "rln-pool.bin")
}()

// provedMessages returns the first n messages of the pool (message ids 0
// to n-1, one epoch), read from poolCacheFile or proved with the go MSMs.
func provedMessages(n int) ([]rlnPooled, error) {
	if n > rlnMemberLimit {
		return nil, fmt.Errorf("bench: %d RLN messages exceed the member's limit %d", n, rlnMemberLimit)
	}
	if len(rlnPool) >= n {
		return rlnPool[:n], nil
	}
	m, err := member()
	if err != nil {
		return nil, err
	}
	if len(rlnPool) == 0 {
		// A cache that does not check out is proved again, never used.
		rlnPool, _ = loadPool(poolCacheFile, m)
		if len(rlnPool) >= n {
			return rlnPool[:n], nil
		}
	}
	// The go MSMs: go is always there (and faster than icicle's CPU device).
	engine, err := msm.New(accel.Go)
	if err != nil {
		return nil, err
	}
	p, err := rln.NewProver(groth16.WithMSM(engine))
	if err != nil {
		return nil, err
	}
	for id := len(rlnPool); id < n; id++ {
		msg := benchMessage(id)
		pv, err := p.Prove(m.input(uint64(id), rlnrelay.Signal(msg)))
		if err != nil {
			return nil, fmt.Errorf("bench: prove message %d: %w", id, err)
		}
		rlp, err := rln.NewRateLimitProof(pv, m.epoch, rln.DefaultRLNIdentifier)
		if err != nil {
			return nil, err
		}
		msg.RateLimitProof = rlp.Encode()
		rlnPool = append(rlnPool, rlnPooled{msg, pv})
	}
	savePool(poolCacheFile, rlnPool) // best effort: the next run proves again
	return rlnPool[:n], nil
}

// savePool writes the pool's rate limit proofs, RateLimitProofSize bytes
// each in message id order, to path (atomically).
func savePool(path string, pool []rlnPooled) error {
	if path == "" {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	var b []byte
	for _, p := range pool {
		b = append(b, p.msg.RateLimitProof...)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// loadPool reads a pool that savePool wrote and checks it for member m:
// proof i has the public values of m's message id i (benchMessage(i), m's
// root, epoch and external nullifier, the shares of id i), and the whole
// pool verifies.
func loadPool(path string, m *rlnMember) ([]rlnPooled, error) {
	if path == "" {
		return nil, errors.New("bench: no pool cache")
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if len(b)%rln.RateLimitProofSize != 0 {
		return nil, fmt.Errorf("bench: pool cache %s: %d bytes is no whole number of proofs", path, len(b))
	}
	pool := make([]rlnPooled, len(b)/rln.RateLimitProofSize)
	items := make([]rln.BatchItem, len(pool))
	for id := range pool {
		msg := benchMessage(id)
		msg.RateLimitProof = b[id*rln.RateLimitProofSize : (id+1)*rln.RateLimitProofSize]
		rlp, err := rln.DecodeRateLimitProof(msg.RateLimitProof)
		if err != nil {
			return nil, err
		}
		pv, err := rlp.ProofValues()
		if err != nil {
			return nil, err
		}
		x := rln.SignalX(rlnrelay.Signal(msg))
		y, null, _ := rln.Shares(m.id.SecretHash, m.extNull, uint64(id), x)
		if rlp.Epoch != rln.EpochBytes(m.epoch) || !pv.Root.Equal(&m.root) || !pv.ExternalNullifier.Equal(&m.extNull) ||
			!pv.X.Equal(&x) || !pv.Y.Equal(&y) || !pv.Nullifier.Equal(&null) {
			return nil, fmt.Errorf("bench: pool cache %s: proof %d is for another member, epoch or message", path, id)
		}
		pool[id] = rlnPooled{msg, pv}
		items[id] = rln.BatchItem{Proof: pv.Proof, PublicInputs: pv.PublicInputs()}
	}
	ok, err := rln.BatchVerify(rln.DefaultVerifyingKey(), items)
	if err != nil {
		return nil, err
	}
	for id, v := range ok {
		if !v {
			return nil, fmt.Errorf("bench: pool cache %s: proof %d does not verify", path, id)
		}
	}
	return pool, nil
}
