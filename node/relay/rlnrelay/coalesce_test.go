package rlnrelay

import (
	"context"
	"sync"
	"testing"

	"github.com/cairn-node/cairn/node/relay/rln"
)

// TestCoalescerVerdicts sends many concurrent checks, a third of them with a
// tampered input, and expects each caller to get its own verdict whatever
// batches the worker formed.
func TestCoalescerVerdicts(t *testing.T) {
	m, _, _ := upstreamMessage(t)
	p, err := rln.DecodeRateLimitProof(m.RateLimitProof)
	if err != nil {
		t.Fatal(err)
	}
	pv, err := p.ProofValues()
	if err != nil {
		t.Fatal(err)
	}
	good := rln.BatchItem{Proof: pv.Proof, PublicInputs: pv.PublicInputs()}
	bad := good
	bad.PublicInputs[0].SetUint64(12345) // another y

	c := newCoalescer(rln.DefaultVerifyingKey(), 16)
	defer c.close()
	const n = 96
	got := make([]bool, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			item := good
			if i%3 == 0 {
				item = bad
			}
			ok, err := c.verify(context.Background(), item)
			if err != nil {
				t.Errorf("verify %d: %v", i, err)
			}
			got[i] = ok
		}()
	}
	wg.Wait()
	for i, ok := range got {
		if want := i%3 != 0; ok != want {
			t.Errorf("verdict %d = %v, want %v", i, ok, want)
		}
	}

	c.close()
	if ok, err := c.verify(context.Background(), good); ok || err != nil {
		t.Errorf("verify after close = %v, %v; want false, nil", ok, err)
	}
}

func TestCoalescerContext(t *testing.T) {
	c := newCoalescer(rln.DefaultVerifyingKey(), 0)
	defer c.close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	// The worker may take the job before the caller sees ctx end; then the
	// verdict must still be false (an all-zero proof does not verify).
	if ok, err := c.verify(ctx, rln.BatchItem{}); ok || (err != nil && err != context.Canceled) {
		t.Errorf("verify with a cancelled context = %v, %v; want false with nil or context.Canceled", ok, err)
	}
}
