package archive

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cockroachdb/pebble/v2"
)

// Retention hysteresis, nwaku's (waku/waku_archive/retention_policy/).
const (
	// capacityOverflow: the count may reach Capacity × 1.3 before pruning,
	// which then keeps Capacity + 15% (MaxOverflow, deleteWindow).
	capacityOverflowNum, capacityOverflowDen = 13, 10
	// sizeKeepPercent: size pruning keeps 80% of the bound (DeleteLimit).
	sizeKeepPercent = 80
	// pruneBatch is how many entries one synced pruning batch deletes.
	pruneBatch = 1000
	// retryAfterError is how soon the loop retries after a failure
	// (WakuArchiveDefaultRetentionPolicyIntervalWhenError).
	retryAfterError = time.Minute
)

// capacityTrigger and capacityKeep are the counts at which capacity
// pruning starts and down to which it deletes.
func (r Retention) capacityTrigger() uint64 {
	return uint64(r.Capacity) * capacityOverflowNum / capacityOverflowDen
}

func (r Retention) capacityKeep() uint64 {
	return uint64(r.Capacity) + (r.capacityTrigger()-uint64(r.Capacity))/2
}

// overBoundLocked reports whether capacity or size pruning is due. Called
// with a.write held.
func (a *Archive) overBoundLocked() bool {
	r, st := a.opts.Retention, a.write.st
	return (r.Capacity > 0 && st.count >= r.capacityTrigger()) ||
		(r.MaxBytes > 0 && st.bytes >= uint64(r.MaxBytes))
}

// Prune applies Options.Retention once and returns how many messages it
// deleted. Start's loop calls it; tests and operators may too. Each batch
// of deletions is synced, so an interrupted Prune leaves a consistent
// archive.
func (a *Archive) Prune(ctx context.Context) (int, error) {
	r := a.opts.Retention
	total := 0
	if r.MaxAge > 0 {
		cutoff := a.opts.Now().Add(-r.MaxAge).UnixNano()
		threshold := cutoff - int64(r.MaxAge/10)
		oldest, ok, err := a.oldest()
		if err != nil {
			return total, err
		}
		if ok && oldest < threshold {
			n, err := a.deleteOldest(ctx, func(st stats, ts int64) bool { return ts < cutoff })
			total += n
			if err != nil {
				return total, fmt.Errorf("time retention: %w", err)
			}
		}
	}
	if r.Capacity > 0 {
		a.write.Lock()
		due := a.write.st.count >= r.capacityTrigger()
		a.write.Unlock()
		if due {
			keep := r.capacityKeep()
			n, err := a.deleteOldest(ctx, func(st stats, _ int64) bool { return st.count > keep })
			total += n
			if err != nil {
				return total, fmt.Errorf("capacity retention: %w", err)
			}
		}
	}
	if r.MaxBytes > 0 {
		a.write.Lock()
		due := a.write.st.bytes >= uint64(r.MaxBytes)
		a.write.Unlock()
		if due {
			keep := uint64(r.MaxBytes) * sizeKeepPercent / 100
			n, err := a.deleteOldest(ctx, func(st stats, _ int64) bool { return st.bytes > keep })
			total += n
			if err != nil {
				return total, fmt.Errorf("size retention: %w", err)
			}
		}
	}
	return total, nil
}

// oldest returns the smallest stored timestamp; ok is false when the
// archive is empty.
func (a *Archive) oldest() (ts int64, ok bool, err error) {
	a.state.RLock()
	defer a.state.RUnlock()
	if a.state.closed {
		return 0, false, ErrClosed
	}
	it, err := a.db.NewIter(&pebble.IterOptions{LowerBound: []byte{prefixMsg}, UpperBound: []byte{prefixMsg + 1}})
	if err != nil {
		return 0, false, err
	}
	defer it.Close()
	if !it.First() {
		return 0, false, it.Error()
	}
	var k sortKey
	copy(k[:], it.Key()[1:])
	return k.ts(), true, nil
}

// deleteOldest deletes entries from the oldest on while more(stats now,
// entry timestamp) holds, in synced batches of pruneBatch.
func (a *Archive) deleteOldest(ctx context.Context, more func(stats, int64) bool) (int, error) {
	total := 0
	lower := []byte{prefixMsg}
	for {
		if err := ctx.Err(); err != nil {
			return total, err
		}
		n, next, err := a.deleteBatch(lower, more)
		total += n
		if err != nil || next == nil {
			return total, err
		}
		lower = next
	}
}

// deleteBatch deletes up to pruneBatch entries from lower on. next is where
// the following batch starts, nil when done.
func (a *Archive) deleteBatch(lower []byte, more func(stats, int64) bool) (n int, next []byte, err error) {
	a.state.RLock()
	defer a.state.RUnlock()
	if a.state.closed {
		return 0, nil, ErrClosed
	}
	a.write.Lock()
	defer a.write.Unlock()
	it, err := a.db.NewIter(&pebble.IterOptions{LowerBound: lower, UpperBound: []byte{prefixMsg + 1}})
	if err != nil {
		return 0, nil, err
	}
	defer it.Close()
	st := a.write.st
	b := a.db.NewBatch()
	defer b.Close()
	valid := it.First()
	for ; valid && n < pruneBatch; valid = it.Next() {
		if len(it.Key()) != 1+sortKeySize {
			return 0, nil, fmt.Errorf("%w: message key of %d bytes", ErrCorrupt, len(it.Key()))
		}
		var k sortKey
		copy(k[:], it.Key()[1:])
		if !more(st, k.ts()) {
			valid = false
			break
		}
		v, err := it.ValueAndErr()
		if err != nil {
			return 0, nil, err
		}
		r, err := decodeRecord(v)
		if err != nil {
			return 0, nil, fmt.Errorf("entry %x: %w", k.hash(), err)
		}
		b.Delete(msgKey(k), nil)
		b.Delete(hashKey(k.hash()), nil)
		b.Delete(topicKey(r.pubsubTopic, k), nil)
		st.count--
		st.bytes -= min(st.bytes, entrySize(r.pubsubTopic, len(v)))
		n++
		next = append(msgKey(k), 0)
	}
	if err := it.Error(); err != nil {
		return 0, nil, err
	}
	if n == 0 {
		return 0, nil, nil
	}
	b.Set(keyStats, st.encode(), nil)
	if err := b.Commit(pebble.Sync); err != nil {
		return 0, nil, err
	}
	a.write.st = st
	a.met.messages.WithLabelValues("stored").Set(float64(st.count))
	if !valid {
		next = nil
	}
	return n, next, nil
}

// retentionLoop runs Prune every RetentionInterval and when nudged.
func (a *Archive) retentionLoop(ctx context.Context) {
	defer a.wg.Done()
	wait := a.opts.RetentionInterval
	for {
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		case <-a.pruneNow:
			t.Stop()
		}
		wait = a.opts.RetentionInterval
		n, err := a.Prune(ctx)
		switch {
		case errors.Is(err, ErrClosed), ctx.Err() != nil:
			return
		case err != nil:
			a.met.errors.WithLabelValues(errLabelRetention).Inc()
			a.log.Error("message retention failed; retrying in a minute", "err", err, "deleted", n)
			wait = retryAfterError
		case n > 0:
			a.log.Info("message retention", "deleted", n, "policy", a.opts.Retention.String())
		}
	}
}
