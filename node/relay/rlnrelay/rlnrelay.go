// Package rlnrelay validates relayed Waku messages with RLN v2 the way
// nwaku's waku_rln_relay does, as a relay.Validator:
//
//  1. the message carries a RateLimitProof that decodes;
//
//  2. its timestamp is within MaxClockSkew of local time and its epoch within
//     MaxEpochGap of the current one;
//
//  3. its Merkle root is one of the last RootWindow accepted roots;
//
//  4. the proof verifies, bound to the signal payload ‖ content topic ‖
//     timestamp (u64 LE) and to the external nullifier Poseidon(epoch,
//     rln identifier);
//
//  5. the nullifier log of the epoch: the same nullifier with the same share
//     is a duplicate (Ignore); with a different share it is double signalling
//     (Reject), and the spammer's identity secret is recovered from the two
//     shares and reported.
//
//     v := rlnrelay.New(rlnrelay.Options{OnSpam: slash})
//     v.AddRoot(root) // from the membership tree
//     r.AddValidator(v.Validate)
package rlnrelay

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"

	"github.com/cairn-node/cairn/node/relay"
	"github.com/cairn-node/cairn/node/relay/message"
	"github.com/cairn-node/cairn/node/relay/rln"
)

// Defaults, as nwaku runs The Waku Network (cluster 1).
const (
	DefaultEpochSeconds = 600
	DefaultMaxEpochGap  = 1
	DefaultMaxClockSkew = 20 * time.Second
	DefaultRootWindow   = 50
)

// Spam describes a member caught double signalling: two messages of one
// epoch with the same nullifier and different shares.
type Spam struct {
	Epoch     uint64
	Nullifier [32]byte
	// Secret is the recovered identity secret hash: enough to slash the
	// membership (and to forge its proofs, so keep it private).
	Secret fr.Element
}

// Options configure a Validator. Zero values mean the defaults above.
type Options struct {
	EpochSeconds  uint64
	MaxEpochGap   uint64
	MaxClockSkew  time.Duration
	RootWindow    int
	RLNIdentifier string // default rln.DefaultRLNIdentifier
	// VerifyingKey defaults to the RLN v2 circuit's (rln.DefaultVerifyingKey).
	VerifyingKey *rln.VerifyingKey
	// OnSpam, when set, is called (synchronously) for each double signal.
	OnSpam func(Spam)
	// MaxBatch caps how many proofs of concurrent Validate calls are
	// verified together (default DefaultMaxBatch).
	MaxBatch int
	Now      func() time.Time
	Logger   *slog.Logger
}

// share is one (x, y) point of a member in an epoch.
type share struct{ x, y fr.Element }

// Validator is an RLN relay validator. It is safe for concurrent use.
type Validator struct {
	opts   Options
	rlnID  fr.Element
	proofs *coalescer
	mu     struct {
		sync.Mutex
		roots []fr.Element                  // accepted roots, newest last
		log   map[uint64]map[[32]byte]share // epoch → nullifier → first share
	}
}

// New returns a validator; AddRoot must be given the membership roots
// before messages are accepted.
func New(opts Options) (*Validator, error) {
	if opts.EpochSeconds == 0 {
		opts.EpochSeconds = DefaultEpochSeconds
	}
	if opts.MaxEpochGap == 0 {
		opts.MaxEpochGap = DefaultMaxEpochGap
	}
	if opts.MaxClockSkew == 0 {
		opts.MaxClockSkew = DefaultMaxClockSkew
	}
	if opts.RootWindow == 0 {
		opts.RootWindow = DefaultRootWindow
	}
	if opts.RLNIdentifier == "" {
		opts.RLNIdentifier = rln.DefaultRLNIdentifier
	}
	if opts.VerifyingKey == nil {
		opts.VerifyingKey = rln.DefaultVerifyingKey()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	opts.Logger = opts.Logger.With("subsys", "node/relay/rlnrelay")
	id, err := rln.RLNIdentifierField(opts.RLNIdentifier)
	if err != nil {
		return nil, err
	}
	v := &Validator{opts: opts, rlnID: id, proofs: newCoalescer(opts.VerifyingKey, opts.MaxBatch)}
	v.mu.log = map[uint64]map[[32]byte]share{}
	return v, nil
}

// AddRoot accepts root, dropping the oldest beyond the window.
func (v *Validator) AddRoot(root fr.Element) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.mu.roots = append(v.mu.roots, root)
	if len(v.mu.roots) > v.opts.RootWindow {
		v.mu.roots = v.mu.roots[len(v.mu.roots)-v.opts.RootWindow:]
	}
}

// Close stops the validator's proof verification worker. Validate calls
// after Close reject every message with a proof.
func (v *Validator) Close() { v.proofs.close() }

// Epoch returns the epoch of t.
func (v *Validator) Epoch(t time.Time) uint64 { return uint64(t.Unix()) / v.opts.EpochSeconds }

// Validate implements relay.Validator.
func (v *Validator) Validate(ctx context.Context, _ string, m message.Message) relay.Verdict {
	if len(m.RateLimitProof) == 0 {
		return relay.Reject
	}
	p, err := rln.DecodeRateLimitProof(m.RateLimitProof)
	if err != nil {
		return relay.Reject
	}
	now := v.opts.Now()
	ts := time.Unix(0, m.Timestamp)
	if d := ts.Sub(now); d > v.opts.MaxClockSkew || d < -v.opts.MaxClockSkew {
		return relay.Ignore // a stale or future message: not proof of malice
	}
	epoch := uint64(0)
	for i := 0; i < 8; i++ {
		epoch |= uint64(p.Epoch[i]) << (8 * i)
	}
	if cur := v.Epoch(now); diff(epoch, cur) > v.opts.MaxEpochGap {
		return relay.Ignore
	}
	if p.Epoch != rln.EpochBytes(epoch) || p.RLNIdentifier != rlnBytes(v.opts.RLNIdentifier) {
		return relay.Reject
	}
	pv, err := p.ProofValues()
	if err != nil {
		return relay.Reject
	}
	v.mu.Lock()
	roots := append([]fr.Element(nil), v.mu.roots...)
	v.mu.Unlock()
	if !contains(roots, pv.Root) {
		return relay.Ignore // perhaps a root we have not synced yet
	}
	if x := rln.SignalX(Signal(m)); !x.Equal(&pv.X) {
		return relay.Reject // the proof is bound to another message
	}
	ok, err := v.proofs.verify(ctx, rln.BatchItem{Proof: pv.Proof, PublicInputs: pv.PublicInputs()})
	if err != nil {
		return relay.Ignore // ctx ended: no verdict on the message
	}
	if !ok {
		return relay.Reject
	}
	return v.checkNullifier(epoch, p.Nullifier, share{pv.X, pv.Y})
}

// checkNullifier records the share of a valid proof in the epoch's log.
func (v *Validator) checkNullifier(epoch uint64, nullifier [32]byte, s share) relay.Verdict {
	v.mu.Lock()
	// Forget epochs that can no longer be accepted.
	for e := range v.mu.log {
		if diff(e, epoch) > 2*v.opts.MaxEpochGap+1 && e < epoch {
			delete(v.mu.log, e)
		}
	}
	byNull := v.mu.log[epoch]
	if byNull == nil {
		byNull = map[[32]byte]share{}
		v.mu.log[epoch] = byNull
	}
	prev, seen := byNull[nullifier]
	if !seen {
		byNull[nullifier] = s
	}
	v.mu.Unlock()
	if !seen {
		return relay.Accept
	}
	if prev.x.Equal(&s.x) && prev.y.Equal(&s.y) {
		return relay.Ignore // the same message (share) again
	}
	secret, err := rln.RecoverSecret(prev.x, prev.y, s.x, s.y)
	if err != nil {
		return relay.Reject
	}
	v.opts.Logger.Warn("RLN double signalling: secret recovered", "epoch", epoch)
	if v.opts.OnSpam != nil {
		v.opts.OnSpam(Spam{Epoch: epoch, Nullifier: nullifier, Secret: secret})
	}
	return relay.Reject
}

// Signal returns the RLN signal of m as nwaku builds it: payload ‖ content
// topic ‖ timestamp (u64 little-endian).
func Signal(m message.Message) []byte {
	out := append(append([]byte{}, m.Payload...), m.ContentTopic...)
	ts := uint64(m.Timestamp)
	for i := 0; i < 8; i++ {
		out = append(out, byte(ts>>(8*i)))
	}
	return out
}

func rlnBytes(id string) (b [32]byte) {
	copy(b[:], id)
	return b
}

func diff(a, b uint64) uint64 {
	if a > b {
		return a - b
	}
	return b - a
}

func contains(roots []fr.Element, r fr.Element) bool {
	for i := range roots {
		if roots[i].Equal(&r) {
			return true
		}
	}
	return false
}
