// Package budget hands out the RLN message ids of our own messages: in
// each epoch, ids 0 to user_message_limit-1, each at most once. Using an id
// twice in one epoch reveals the identity secret (double signalling) and
// gets the membership slashed, so the allocation is made durable before the
// id is handed out: after a crash or a reboot, allocation goes on after the
// last id handed out, never before it.
//
//	b, err := budget.Open(filepath.Join(dataDir, "rln-budget"), budget.Options{Limit: 20})
//	epoch, id, err := b.Allocate() // errors.Is(err, budget.ErrRateLimit) when used up
//	proof := prove(…, epoch, id)
//
// # File format
//
// The state is one small file with two 512-byte slots written in turn,
// each [magic "CAIRNBG1" | seq u64 | epoch u64 | next u64 | CRC-32C of the
// preceding 32 bytes] (big-endian), and fsynced before Allocate returns.
// The valid slot with the higher seq wins, so a torn write of one slot
// leaves the other, older state — which is safe: next only grows.
package budget

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// DefaultEpochSeconds is the RLN epoch of The Waku Network (cluster 1).
const DefaultEpochSeconds = 600

// ErrRateLimit is matched (errors.Is) by the *RateLimitError that Allocate
// returns when the epoch's ids are used up.
var ErrRateLimit = errors.New("budget: rate limit reached")

// ErrClock is returned by Allocate when the local clock is in an epoch
// before one already used: handing out ids then could reuse one.
var ErrClock = errors.New("budget: the clock is behind the last epoch used")

// ErrClosed is returned after Close.
var ErrClosed = errors.New("budget: closed")

// RateLimitError says that the epoch's message ids are used up and when
// the next epoch starts.
type RateLimitError struct {
	Epoch       uint64
	Limit       uint64
	NextEpochIn time.Duration
}

// Error says which epoch is used up and how long until the next one:
// "rate limit reached for epoch N, next epoch in Xs (L messages per epoch)".
func (e *RateLimitError) Error() string {
	return fmt.Sprintf("rate limit reached for epoch %d, next epoch in %ds (%d messages per epoch)",
		e.Epoch, int64((e.NextEpochIn+time.Second-1)/time.Second), e.Limit)
}

// Is makes errors.Is(err, ErrRateLimit) true.
func (e *RateLimitError) Is(target error) bool { return target == ErrRateLimit }

// Options configure Open.
type Options struct {
	// Limit is the membership's user_message_limit: ids 0..Limit-1 per
	// epoch. Required (at least 1).
	Limit uint64
	// EpochSeconds is the epoch length; default DefaultEpochSeconds.
	EpochSeconds uint64
	// Now is the clock; default time.Now.
	Now func() time.Time
	// Logger defaults to slog.Default() with subsys node/relay/rln/budget.
	Logger *slog.Logger
}

const (
	slotSize   = 512
	recordSize = 36
)

var magic = [8]byte{'C', 'A', 'I', 'R', 'N', 'B', 'G', '1'}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// state is one record.
type state struct {
	seq   uint64 // 0: no record yet
	epoch uint64
	next  uint64 // ids below next are used in epoch
}

func (s state) encode() []byte {
	b := make([]byte, 0, recordSize)
	b = append(b, magic[:]...)
	b = binary.BigEndian.AppendUint64(b, s.seq)
	b = binary.BigEndian.AppendUint64(b, s.epoch)
	b = binary.BigEndian.AppendUint64(b, s.next)
	return binary.BigEndian.AppendUint32(b, crc32.Checksum(b, castagnoli))
}

// decodeState parses one slot; ok is false for an empty or corrupt slot.
func decodeState(b []byte) (state, bool) {
	if len(b) < recordSize || [8]byte(b[:8]) != magic {
		return state{}, false
	}
	if crc32.Checksum(b[:recordSize-4], castagnoli) != binary.BigEndian.Uint32(b[recordSize-4:recordSize]) {
		return state{}, false
	}
	return state{
		seq:   binary.BigEndian.Uint64(b[8:]),
		epoch: binary.BigEndian.Uint64(b[16:]),
		next:  binary.BigEndian.Uint64(b[24:]),
	}, true
}

// Budget allocates message ids; see the package doc. It is safe for
// concurrent use.
type Budget struct {
	opts Options
	mu   struct {
		sync.Mutex
		f  *os.File // nil after Close
		st state
	}
}

// Open opens or creates the budget file at path (mode 0600). A new file
// starts with nothing used. A file whose two slots are both unreadable
// (damaged, not a torn write) is taken as the current epoch used up: no id
// is handed out before the next epoch, and a warning is logged.
func Open(path string, opts Options) (*Budget, error) {
	if opts.Limit == 0 {
		return nil, errors.New("budget: limit 0: set the membership's user_message_limit")
	}
	if opts.EpochSeconds == 0 {
		opts.EpochSeconds = DefaultEpochSeconds
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	opts.Logger = opts.Logger.With("subsys", "node/relay/rln/budget")
	_, statErr := os.Stat(path)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("budget: open %s: %w", path, err)
	}
	if errors.Is(statErr, os.ErrNotExist) {
		// Make the new file's name durable: were it lost in a crash, the
		// budget would start over and could reuse this epoch's ids.
		if err := syncDir(filepath.Dir(path)); err != nil {
			f.Close()
			return nil, fmt.Errorf("budget: create %s: %w", path, err)
		}
	}
	buf := make([]byte, 2*slotSize)
	n, err := f.ReadAt(buf, 0)
	if err != nil && err != io.EOF {
		f.Close()
		return nil, fmt.Errorf("budget: read %s: %w", path, err)
	}
	b := &Budget{opts: opts}
	b.mu.f = f
	a, okA := decodeState(buf[:slotSize])
	c, okC := decodeState(buf[slotSize:])
	switch {
	case okA && okC:
		b.mu.st = a
		if c.seq > a.seq {
			b.mu.st = c
		}
	case okA:
		b.mu.st = a
	case okC:
		b.mu.st = c
	case n > 0:
		epoch := b.epoch(opts.Now())
		opts.Logger.Warn("RLN message budget file is damaged; treating the current epoch as used up", "path", path, "epoch", epoch)
		b.mu.st = state{epoch: epoch, next: ^uint64(0)}
	}
	return b, nil
}

func (b *Budget) epoch(t time.Time) uint64 {
	if t.Unix() < 0 {
		return 0
	}
	return uint64(t.Unix()) / b.opts.EpochSeconds
}

// nextEpochIn returns the time from t to the start of the next epoch.
func (b *Budget) nextEpochIn(t time.Time) time.Duration {
	start := time.Unix(int64((b.epoch(t)+1)*b.opts.EpochSeconds), 0)
	return start.Sub(t)
}

// Allocate returns the current epoch and a message id not used in it
// before, after making the allocation durable. Errors: a *RateLimitError
// (errors.Is ErrRateLimit) when the epoch's ids are used up, ErrClock when
// the clock went back before the last epoch used, ErrClosed, or the write
// error (the id is then lost, not handed out later).
func (b *Budget) Allocate() (epoch, messageID uint64, err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.mu.f == nil {
		return 0, 0, ErrClosed
	}
	now := b.opts.Now()
	e := b.epoch(now)
	st := b.mu.st
	switch {
	case e < st.epoch:
		return 0, 0, fmt.Errorf("%w: now in epoch %d, ids of epoch %d already used; fix the clock (NTP) before publishing", ErrClock, e, st.epoch)
	case e > st.epoch:
		st.epoch, st.next = e, 0
	}
	if st.next >= b.opts.Limit {
		return 0, 0, &RateLimitError{Epoch: e, Limit: b.opts.Limit, NextEpochIn: b.nextEpochIn(now)}
	}
	id := st.next
	st.next++
	st.seq++
	// From here on the id counts as used, even if the write fails.
	b.mu.st = st
	if _, err := b.mu.f.WriteAt(st.encode(), int64(st.seq%2)*slotSize); err != nil {
		return 0, 0, fmt.Errorf("budget: record message id: %w", err)
	}
	if err := b.mu.f.Sync(); err != nil {
		return 0, 0, fmt.Errorf("budget: sync message id: %w", err)
	}
	return e, id, nil
}

// Remaining returns the current epoch and how many ids are left in it.
func (b *Budget) Remaining() (epoch, left uint64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	e := b.epoch(b.opts.Now())
	switch {
	case e > b.mu.st.epoch:
		return e, b.opts.Limit
	case e < b.mu.st.epoch || b.mu.st.next >= b.opts.Limit:
		return e, 0
	}
	return e, b.opts.Limit - b.mu.st.next
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// Close closes the file. It is safe to call more than once.
func (b *Budget) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.mu.f == nil {
		return nil
	}
	err := b.mu.f.Close()
	b.mu.f = nil
	return err
}
