package rlnjob

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"

	"github.com/cairn-node/cairn/node/farm"
	"github.com/cairn-node/cairn/node/relay/rln"
)

// DemoMessageLimit is the demo member's user message limit: the number of
// distinct DemoInputs.
const DemoMessageLimit = 10000

// demoMember is the fixed member of DemoInput, built once.
var demoMember = sync.OnceValues(func() (rln.ProveInput, error) {
	var trapdoor, nullifier fr.Element
	trapdoor.SetUint64(0xde30)
	nullifier.SetUint64(0xfa53)
	id := rln.NewIdentity(trapdoor, nullifier)
	tree := rln.NewTree()
	const leaf = 1
	if err := tree.Set(leaf, rln.RateCommitment(id.Commitment, DemoMessageLimit)); err != nil {
		return rln.ProveInput{}, err
	}
	path, err := tree.Proof(leaf)
	if err != nil {
		return rln.ProveInput{}, err
	}
	rlnID, err := rln.RLNIdentifierField(rln.DefaultRLNIdentifier)
	if err != nil {
		return rln.ProveInput{}, err
	}
	return rln.ProveInput{
		IdentitySecret: id.SecretHash, UserMessageLimit: DemoMessageLimit, Path: path,
		ExternalNullifier: rln.ExternalNullifier(rln.EpochField(1), rlnID),
	}, nil
})

// DemoPayload returns the payload of message id (below DemoMessageLimit)
// of a fixed, publicly known demo member in epoch 1, with the signal
// "cairn farm demo <id>": inputs for demos, benches and tests, never for
// real messages (anyone can recompute the member's secret from this code).
func DemoPayload(id uint64) ([]byte, error) {
	if id >= DemoMessageLimit {
		return nil, fmt.Errorf("rlnjob: demo message id %d: want below %d", id, DemoMessageLimit)
	}
	in, err := demoMember()
	if err != nil {
		return nil, err
	}
	in.MessageID = id
	in.Signal = fmt.Appendf(nil, "cairn farm demo %d", id)
	return EncodeInput(in)
}

// SubmitDemo submits the DemoPayloads of message ids 0 to count-1 to sub,
// parallel at a time, and returns how long they took to come back
// verified. sub needs a Verifier for Kind. It stops at the first error.
func SubmitDemo(ctx context.Context, sub *farm.Submitter, count, parallel int) (time.Duration, error) {
	ids := make(chan uint64)
	errs := make(chan error, parallel)
	start := time.Now()
	var wg sync.WaitGroup
	for range parallel {
		wg.Go(func() {
			for id := range ids {
				payload, err := DemoPayload(id)
				if err == nil {
					_, err = sub.Submit(ctx, Kind, payload)
				}
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	var err error
feed:
	for id := range uint64(count) {
		select {
		case ids <- id:
		case err = <-errs:
			break feed
		}
	}
	close(ids)
	wg.Wait()
	close(errs)
	if err == nil {
		err = <-errs
	}
	return time.Since(start), err
}
