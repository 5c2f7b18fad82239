package archive

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/cockroachdb/pebble/v2"

	"github.com/cairn-node/cairn/node/internal/pebblelog"
	"github.com/cairn-node/cairn/node/relay"
	"github.com/cairn-node/cairn/node/relay/message"
)

// Errors of Add, Query and Run. Callers check them with errors.Is.
var (
	// ErrClosed is returned by every method after Close.
	ErrClosed = errors.New("archive: closed")
	// ErrEphemeral is returned by Add for an ephemeral message, which a
	// store node must not keep.
	ErrEphemeral = errors.New("archive: ephemeral message not stored")
	// ErrTimestampOutOfRange is wrapped by Add when the message timestamp
	// is farther than Options.MaxClockDrift from the local clock.
	ErrTimestampOutOfRange = errors.New("archive: message timestamp out of range")
	// ErrDuplicate is returned by Add when a message with the same hash is
	// already stored.
	ErrDuplicate = errors.New("archive: message already stored")
)

// Archive is a pebble-backed Waku message archive (see the package doc).
//
// concurrency: all methods are safe for concurrent use.
type Archive struct {
	db   *pebble.DB
	opts Options
	log  *slog.Logger
	met  *metrics

	// state guards db against use after Close: every method holds it for
	// reading while it uses db, Close for writing.
	state struct {
		sync.RWMutex
		closed bool
	}
	// write serialises changes: Add and pruning steps. It protects st,
	// which always equals what keyStats holds on disk.
	write struct {
		sync.Mutex
		st stats
	}

	pruneNow  chan struct{} // nudges the retention loop; buffered, 1
	cancel    context.CancelFunc
	wg        sync.WaitGroup
	startOnce sync.Once
	closeOnce sync.Once
}

// Open opens (or creates) the archive in opts.Dir. The caller must Close
// it. Retention runs only after Start.
func Open(opts Options) (*Archive, error) {
	if err := opts.ensureDefaults(); err != nil {
		return nil, err
	}
	met, err := newMetrics(opts.Registerer)
	if err != nil {
		return nil, fmt.Errorf("archive: register metrics: %w", err)
	}
	db, err := pebble.Open(opts.Dir, &pebble.Options{
		Logger:             pebblelog.New(opts.Logger, "archive"),
		FormatMajorVersion: pebble.FormatNewest,
	})
	if err != nil {
		return nil, fmt.Errorf("open message archive %s: %w", opts.Dir, err)
	}
	a := &Archive{db: db, opts: opts, log: opts.Logger, met: met, pruneNow: make(chan struct{}, 1)}
	v, closer, err := db.Get(keyStats)
	switch {
	case errors.Is(err, pebble.ErrNotFound):
	case err != nil:
		db.Close()
		return nil, fmt.Errorf("open message archive %s: read stats: %w", opts.Dir, err)
	default:
		a.write.st, err = decodeStats(v)
		closer.Close()
		if err != nil {
			db.Close()
			return nil, fmt.Errorf("open message archive %s: %w; move the directory away to start a new archive", opts.Dir, err)
		}
	}
	met.messages.WithLabelValues("stored").Set(float64(a.write.st.count))
	return a, nil
}

// Start launches the retention loop: it applies Options.Retention every
// Options.RetentionInterval, and soon after an Add takes the archive over
// its capacity or size bound. Later calls, and calls after Close, do
// nothing. Close stops it. Start must not run concurrently with Close.
func (a *Archive) Start() {
	a.state.RLock()
	closed := a.state.closed
	a.state.RUnlock()
	if closed {
		return
	}
	a.startOnce.Do(func() {
		ctx, cancel := context.WithCancel(context.Background())
		a.cancel = cancel
		a.wg.Add(1)
		go a.retentionLoop(ctx)
	})
}

// Close stops the retention loop, waits for it, and closes the database.
// Calls after the first return nil.
func (a *Archive) Close() error {
	var err error
	a.closeOnce.Do(func() {
		if a.cancel != nil {
			a.cancel()
		}
		a.wg.Wait()
		a.state.Lock()
		defer a.state.Unlock()
		a.state.closed = true
		err = a.db.Close()
	})
	return err
}

// Count returns the number of stored messages and their logical size in
// bytes (see the package doc).
func (a *Archive) Count() (messages, bytes uint64) {
	a.write.Lock()
	defer a.write.Unlock()
	return a.write.st.count, a.write.st.bytes
}

// Add stores m, received on pubsubTopic, and returns its deterministic
// hash (message.Hash). It returns ErrEphemeral, an error wrapping
// ErrTimestampOutOfRange, ErrDuplicate (with the hash) or ErrClosed without
// storing anything; other errors are storage failures. When Add returns nil
// the message is on disk (synced). Add does not keep m or its slices.
func (a *Archive) Add(ctx context.Context, pubsubTopic string, m message.Message) ([HashSize]byte, error) {
	hash := message.Hash(pubsubTopic, m)
	if m.Ephemeral {
		return hash, ErrEphemeral
	}
	now := a.opts.Now()
	if d := a.opts.MaxClockDrift; d >= 0 {
		switch lo, hi := now.Add(-d).UnixNano(), now.Add(d).UnixNano(); {
		case m.Timestamp < lo:
			a.met.errors.WithLabelValues(errLabelTooOld).Inc()
			return hash, fmt.Errorf("%w: %d is more than %v before the local clock", ErrTimestampOutOfRange, m.Timestamp, d)
		case m.Timestamp > hi:
			a.met.errors.WithLabelValues(errLabelFuture).Inc()
			return hash, fmt.Errorf("%w: %d is more than %v after the local clock", ErrTimestampOutOfRange, m.Timestamp, d)
		}
	}
	if err := ctx.Err(); err != nil {
		return hash, err
	}
	// As nwaku's databases: neither the proof nor the flag is kept.
	m.RateLimitProof, m.Ephemeral = nil, false
	rec := record{pubsubTopic: pubsubTopic, contentTopic: m.ContentTopic, receivedAt: now.UnixNano(), msg: m.Encode()}.encode()
	start := time.Now()
	err := a.insert(pubsubTopic, makeSortKey(m.Timestamp, hash), rec)
	switch {
	case errors.Is(err, ErrDuplicate), errors.Is(err, ErrClosed):
		return hash, err
	case err != nil:
		a.met.errors.WithLabelValues(errLabelInsert).Inc()
		return hash, fmt.Errorf("archive message %x: %w", hash, err)
	}
	a.met.insertDuration.Observe(time.Since(start).Seconds())
	a.met.messagesPerShrd.WithLabelValues(shardLabel(pubsubTopic)).Inc()
	return hash, nil
}

// insert writes one entry and the new stats in one synced batch.
func (a *Archive) insert(pubsubTopic string, k sortKey, rec []byte) error {
	a.state.RLock()
	defer a.state.RUnlock()
	if a.state.closed {
		return ErrClosed
	}
	a.write.Lock()
	defer a.write.Unlock()
	hk := hashKey(k.hash())
	switch _, closer, err := a.db.Get(hk); {
	case err == nil:
		closer.Close()
		return ErrDuplicate
	case !errors.Is(err, pebble.ErrNotFound):
		return err
	}
	st := a.write.st
	st.count++
	st.bytes += entrySize(pubsubTopic, len(rec))
	b := a.db.NewBatch()
	defer b.Close()
	b.Set(msgKey(k), rec, nil)
	b.Set(hk, tsBytes(k.ts()), nil)
	b.Set(topicKey(pubsubTopic, k), nil, nil)
	b.Set(keyStats, st.encode(), nil)
	if err := b.Commit(pebble.Sync); err != nil {
		return err
	}
	a.write.st = st
	a.met.messages.WithLabelValues("stored").Set(float64(st.count))
	if a.overBoundLocked() {
		select {
		case a.pruneNow <- struct{}{}:
		default:
		}
	}
	return nil
}

// Source delivers relay envelopes; *relay.Subscription is one.
type Source interface {
	// Next blocks until an envelope arrives, ctx ends, or the source is
	// closed.
	Next(ctx context.Context) (relay.Envelope, error)
}

// Run archives every envelope src delivers until src.Next fails, and
// returns that error (ctx.Err() when ctx ends). Messages that Add refuses
// (ephemeral, out-of-range timestamp, duplicate) are skipped; storage
// failures are logged and counted in waku_archive_errors, and Run goes on.
// Run returns ErrClosed once the archive is closed.
func (a *Archive) Run(ctx context.Context, src Source) error {
	for {
		env, err := src.Next(ctx)
		if err != nil {
			return err
		}
		switch _, err := a.Add(ctx, env.PubsubTopic, env.Message); {
		case err == nil, errors.Is(err, ErrEphemeral), errors.Is(err, ErrDuplicate), errors.Is(err, ErrTimestampOutOfRange):
			if err != nil {
				a.log.Debug("message not archived", "hash", fmt.Sprintf("%x", env.Hash), "err", err)
			}
		case errors.Is(err, ErrClosed):
			return err
		case ctx.Err() != nil:
			return ctx.Err()
		default:
			a.log.Error("archiving a message failed", "pubsubTopic", env.PubsubTopic, "err", err)
		}
	}
}
