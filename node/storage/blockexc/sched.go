package blockexc

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/libp2p/go-libp2p/core/peer"
)

// span is a batch of block indices to ask for together.
type span struct {
	idx   []uint64        // sorted
	tries map[peer.ID]int // failed attempts, per provider
}

// sched hands a download's batches to the workers of its providers.
// Fresh batches are cut in index order from a cursor; batches that failed
// or came back incomplete are retried first, by providers that have not
// failed them maxTries times.
//
// concurrency: safe for concurrent use.
type sched struct {
	n, per   uint64
	maxTries int

	mu        sync.Mutex
	cursor    uint64  // next index never handed out
	retries   []*span // handed out before, to hand out again
	remaining uint64  // blocks not yet staged
	active    map[peer.ID]bool
	fails     map[peer.ID]int // consecutive failed attempts, per provider
	err       error           // fatal: the download fails with it
	lastErr   error           // last provider failure, for the final error
	wake      chan struct{}
}

func (s *sched) init(n, per uint64, maxTries int) {
	s.n, s.per, s.maxTries = n, per, maxTries
	s.remaining = n
	s.active = map[peer.ID]bool{}
	s.fails = map[peer.ID]int{}
	s.wake = make(chan struct{})
}

func (s *sched) activate(ps []peer.ID) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range ps {
		s.active[p] = true
	}
}

// next returns the next batch for provider p, waiting while there is none
// it may take. It returns nil when the download is over (done or failed),
// p has been dropped, or ctx ends.
func (s *sched) next(ctx context.Context, p peer.ID) *span {
	for {
		s.mu.Lock()
		if s.err != nil || s.remaining == 0 || !s.active[p] {
			s.mu.Unlock()
			return nil
		}
		for i, sp := range s.retries {
			if sp.tries[p] < s.maxTries {
				s.retries = slices.Delete(s.retries, i, i+1)
				s.mu.Unlock()
				return sp
			}
		}
		if s.cursor < s.n {
			sp := &span{tries: map[peer.ID]int{}}
			end := min(s.cursor+s.per, s.n)
			for i := s.cursor; i < end; i++ {
				sp.idx = append(sp.idx, i)
			}
			s.cursor = end
			s.mu.Unlock()
			return sp
		}
		w := s.wake
		s.mu.Unlock()
		select {
		case <-ctx.Done():
			return nil
		case <-w:
		}
	}
}

// done records that p staged got new blocks of sp; missing are the
// indices p did not send, retried later (by p only up to maxTries).
func (s *sched) done(sp *span, p peer.ID, got uint64, missing []uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.remaining -= got
	if got > 0 {
		s.fails[p] = 0
	}
	if len(missing) > 0 {
		tries := make(map[peer.ID]int, len(sp.tries)+1)
		for k, v := range sp.tries {
			tries[k] = v
		}
		tries[p]++
		s.lastErr = fmt.Errorf("%w: %s did not send %d of %d blocks", ErrNotProvided, p, len(missing), len(sp.idx))
		s.retries = append([]*span{{idx: missing, tries: tries}}, s.retries...)
	}
	s.changedLocked()
}

// retry puts sp back after a failed attempt by p (timeout, broken stream).
// A provider that fails 2×maxTries attempts in a row, whatever the
// batches, is dropped.
func (s *sched) retry(sp *span, p peer.ID, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sp.tries[p]++
	s.lastErr = err
	if s.fails[p]++; s.fails[p] >= 2*s.maxTries {
		s.active[p] = false
	}
	s.retries = append([]*span{sp}, s.retries...)
	s.changedLocked()
}

// ban drops provider p, which misbehaved, and puts its batch back.
func (s *sched) ban(sp *span, p peer.ID, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.active[p] = false
	s.lastErr = err
	s.retries = append([]*span{sp}, s.retries...)
	s.changedLocked()
}

// abort fails the download with err.
func (s *sched) abort(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err == nil {
		s.err = err
	}
	s.changedLocked()
}

// result returns the download's error; nil once every block is staged.
func (s *sched) result() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err == nil && s.remaining > 0 {
		return fmt.Errorf("%w: %d of %d blocks missing", ErrUnavailable, s.remaining, s.n)
	}
	return s.err
}

// changedLocked fails the download when no provider is left, or when a
// batch has been failed by every provider left, and wakes the workers.
func (s *sched) changedLocked() {
	if s.err == nil && s.remaining > 0 {
		var left []peer.ID
		for p, ok := range s.active {
			if ok {
				left = append(left, p)
			}
		}
		if len(left) == 0 {
			s.err = fmt.Errorf("no provider left: %w", s.lastErr)
		}
		for _, sp := range s.retries {
			if s.err != nil {
				break
			}
			exhausted := true
			for _, p := range left {
				if sp.tries[p] < s.maxTries {
					exhausted = false
					break
				}
			}
			if exhausted {
				s.err = fmt.Errorf("%w: blocks %d… (%d) after %d attempts per provider: %w",
					ErrUnavailable, sp.idx[0], len(sp.idx), s.maxTries, s.lastErr)
			}
		}
	}
	close(s.wake)
	s.wake = make(chan struct{})
}
