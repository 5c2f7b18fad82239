package pebblestore

import (
	"fmt"
	"sync"

	"github.com/cairn-node/cairn/node/storage"
)

// quota is the one place where the store's byte budget is enforced: a
// batch reserves the size of every block it stages (reserve), and its
// commit turns the reservations into used bytes (commit) or gives them
// back (release).
//
// INVARIANT: used + reserved <= max, except after opening a store whose
// quota was lowered below what it holds (then nothing new fits until
// enough is freed).
type quota struct {
	mu       sync.Mutex
	max      uint64
	used     uint64 // sum of the sizes of stored blocks
	reserved uint64 // staged, not yet committed
	blocks   uint64 // stored blocks
}

// reserve holds n bytes for a staged block, or returns ErrQuotaExceeded.
func (q *quota) reserve(n uint64) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.used+q.reserved+n > q.max {
		return fmt.Errorf("reserve %d bytes with %d used and %d reserved of %d: %w",
			n, q.used, q.reserved, q.max, storage.ErrQuotaExceeded)
	}
	q.reserved += n // preserves INVARIANT
	return nil
}

// release gives back n reserved bytes.
func (q *quota) release(n uint64) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if n > q.reserved {
		panic(fmt.Sprintf("BUG: pebblestore: releasing %d bytes with %d reserved", n, q.reserved))
	}
	q.reserved -= n
}

// commit turns reserved bytes into used ones: of the batch's reserved
// bytes, added became new blocks (added <= reserved, so the INVARIANT
// holds) and the rest is released.
func (q *quota) commit(reserved, added, blocks uint64) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if added > reserved || reserved > q.reserved {
		panic(fmt.Sprintf("BUG: pebblestore: commit of %d bytes from %d reserved (%d in all)", added, reserved, q.reserved))
	}
	q.reserved -= reserved
	q.used += added
	q.blocks += blocks
}

// free accounts for deleted blocks.
func (q *quota) free(bytes, blocks uint64) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.used -= min(bytes, q.used)
	q.blocks -= min(blocks, q.blocks)
}

func (q *quota) space() storage.Space {
	q.mu.Lock()
	defer q.mu.Unlock()
	return storage.Space{TotalBlocks: q.blocks, QuotaMaxBytes: q.max, QuotaUsedBytes: q.used, QuotaReservedBytes: q.reserved}
}
