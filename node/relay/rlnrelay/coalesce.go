package rlnrelay

import (
	"context"
	"sync"

	"github.com/cairn-node/cairn/node/relay/rln"
)

// DefaultMaxBatch is the most proofs one batch verification takes.
const DefaultMaxBatch = 256

// coalescer turns concurrent proof checks into rln.BatchVerify calls.
// Gossipsub runs validators concurrently, so while one batch is verified
// the next one queues up: under load proofs are checked in batches (about
// four times cheaper per proof), while a lone message is verified at once,
// without waiting for company.
//
// concurrency: verify may be called from any goroutine; one worker
// goroutine, started by the first call, runs until close.
type coalescer struct {
	vk       *rln.VerifyingKey
	maxBatch int
	start    sync.Once
	jobs     chan *job
	stop     chan struct{}
	stopOnce sync.Once
	wg       sync.WaitGroup
}

// job is one proof waiting for its verdict.
type job struct {
	item rln.BatchItem
	done chan bool // buffered: the worker never blocks on a caller that left
}

func newCoalescer(vk *rln.VerifyingKey, maxBatch int) *coalescer {
	if maxBatch <= 0 {
		maxBatch = DefaultMaxBatch
	}
	return &coalescer{vk: vk, maxBatch: maxBatch, jobs: make(chan *job), stop: make(chan struct{})}
}

// verify reports whether the proof verifies. A malformed proof is false. It
// returns ctx's error when ctx ends first, and false once close was called.
func (c *coalescer) verify(ctx context.Context, item rln.BatchItem) (bool, error) {
	c.start.Do(func() {
		c.wg.Add(1)
		go c.run()
	})
	j := &job{item: item, done: make(chan bool, 1)}
	select {
	case c.jobs <- j:
	case <-c.stop:
		return false, nil
	case <-ctx.Done():
		return false, ctx.Err()
	}
	select {
	case ok := <-j.done:
		return ok, nil
	case <-ctx.Done():
		return false, ctx.Err()
	}
}

// run takes the queued jobs, at most maxBatch at a time, and verifies them.
func (c *coalescer) run() {
	defer c.wg.Done()
	batch := make([]*job, 0, c.maxBatch)
	items := make([]rln.BatchItem, 0, c.maxBatch)
	for {
		select {
		case j := <-c.jobs:
			batch = append(batch[:0], j)
		case <-c.stop:
			return
		}
	drain:
		for len(batch) < c.maxBatch {
			select {
			case j := <-c.jobs:
				batch = append(batch, j)
			default:
				break drain
			}
		}
		items = items[:0]
		for _, j := range batch {
			items = append(items, j.item)
		}
		c.verifyBatch(batch, items)
	}
}

func (c *coalescer) verifyBatch(batch []*job, items []rln.BatchItem) {
	if len(items) == 1 {
		ok, err := rln.Verify(c.vk, items[0].Proof, items[0].PublicInputs)
		batch[0].done <- ok && err == nil
		return
	}
	oks, err := rln.BatchVerify(c.vk, items)
	for i, j := range batch {
		j.done <- err == nil && oks[i]
	}
}

// close stops the worker and waits for it; later verify calls return false.
func (c *coalescer) close() {
	c.stopOnce.Do(func() { close(c.stop) })
	c.wg.Wait()
}
