package archive

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"time"

	"github.com/cockroachdb/pebble/v2"

	"github.com/cairn-node/cairn/node/relay/message"
)

// Paging limits, nwaku's (waku/waku_archive/archive.nim).
const (
	// DefaultPageSize is the page size of a query that asks for 0.
	DefaultPageSize = 20
	// MaxPageSize is the largest page; larger requests get this many.
	MaxPageSize = 100
	// MaxContentTopics is the most content topics a query may name
	// (MaxContentTopicsPerQuery).
	MaxContentTopics = 10
)

// Errors of Query.
var (
	// ErrInvalidQuery is wrapped by Query when the query itself is wrong;
	// the store protocol answers it with status 400.
	ErrInvalidQuery = errors.New("archive: invalid query")
	// ErrCursorNotFound is wrapped by Query when the cursor is not a
	// stored message (it may have been pruned); it wraps ErrInvalidQuery.
	ErrCursorNotFound = fmt.Errorf("%w: cursor not found", ErrInvalidQuery)
)

// Query selects entries, as a WAKU2-STORE request does. The zero value asks
// for the newest DefaultPageSize hashes of the archive.
type Query struct {
	// IncludeData asks for the messages and their pubsub topics, not only
	// their hashes.
	IncludeData bool
	// PubsubTopic, when not empty, selects entries of that pubsub topic.
	PubsubTopic string
	// ContentTopics, when not empty, selects entries with one of these
	// content topics; at most MaxContentTopics.
	ContentTopics []string
	// StartTime and EndTime, when not nil, bound the message timestamp
	// (ns), both inclusive.
	StartTime, EndTime *int64
	// Hashes, when not empty, selects entries with one of these hashes.
	Hashes [][HashSize]byte
	// Cursor, when not nil, is the hash of a stored entry; the page starts
	// just after it in the direction of travel. It must not be all zeros.
	Cursor *[HashSize]byte
	// Forward travels in ascending order; the default is backward.
	Forward bool
	// PageSize is the most entries returned: 0 means DefaultPageSize,
	// and it is capped at MaxPageSize.
	PageSize uint64
}

// Entry is one stored message.
type Entry struct {
	// Hash is the deterministic message hash.
	Hash [HashSize]byte
	// PubsubTopic and Message are set only when the query had
	// IncludeData.
	PubsubTopic string
	Message     message.Message
	// Timestamp is the message timestamp (ns), the sort key.
	Timestamp int64
}

// Page is a query result.
type Page struct {
	// Entries are in ascending order (timestamp, then hash), whatever the
	// direction. The caller owns them.
	Entries []Entry
	// Cursor is set when more entries match: pass it as Query.Cursor, the
	// rest of the query unchanged, for the next page.
	Cursor *[HashSize]byte
}

// Query returns one page of the entries matching q. Errors wrap
// ErrInvalidQuery (the query is wrong; ErrCursorNotFound among them),
// ErrCorrupt, ErrClosed or ctx's error; others are storage failures.
func (a *Archive) Query(ctx context.Context, q Query) (Page, error) {
	if err := q.validate(); err != nil {
		return Page{}, err
	}
	limit := q.PageSize
	if limit == 0 {
		limit = DefaultPageSize
	}
	limit = min(limit, MaxPageSize)
	a.state.RLock()
	defer a.state.RUnlock()
	if a.state.closed {
		return Page{}, ErrClosed
	}
	start := time.Now()
	snap := a.db.NewSnapshot()
	defer snap.Close()
	s := scan{ctx: ctx, r: snap, q: q, want: int(limit) + 1}
	var err error
	if len(q.Hashes) > 0 {
		err = s.byHashes()
	} else {
		err = s.byRange()
	}
	if err != nil {
		return Page{}, err
	}
	a.met.queryDuration.Observe(time.Since(start).Seconds())
	var p Page
	if len(s.out) > int(limit) {
		s.out = s.out[:limit]
		c := s.out[limit-1].Hash
		p.Cursor = &c
	}
	if !q.Forward {
		slices.Reverse(s.out)
	}
	p.Entries = s.out
	return p, nil
}

func (q Query) validate() error {
	if len(q.ContentTopics) > MaxContentTopics {
		return fmt.Errorf("%w: %d content topics, at most %d", ErrInvalidQuery, len(q.ContentTopics), MaxContentTopics)
	}
	if q.Cursor != nil && *q.Cursor == ([HashSize]byte{}) {
		return fmt.Errorf("%w: all zeroes cursor hash", ErrInvalidQuery)
	}
	return nil
}

// reader is what a scan reads: a snapshot.
type reader interface {
	Get(key []byte) ([]byte, io.Closer, error)
	NewIter(o *pebble.IterOptions) (*pebble.Iterator, error)
}

// scan collects up to want matching entries in the direction of q.
type scan struct {
	ctx  context.Context
	r    reader
	q    Query
	want int
	out  []Entry
}

// cursorKey returns the sort key of q.Cursor.
func (s *scan) cursorKey() (sortKey, error) {
	ts, err := s.lookupTS(*s.q.Cursor)
	if errors.Is(err, pebble.ErrNotFound) {
		return sortKey{}, fmt.Errorf("%w (%x)", ErrCursorNotFound, *s.q.Cursor)
	}
	return makeSortKey(ts, *s.q.Cursor), err
}

func (s *scan) lookupTS(h [HashSize]byte) (int64, error) {
	v, closer, err := s.r.Get(hashKey(h))
	if err != nil {
		return 0, err
	}
	defer closer.Close()
	return parseTS(v)
}

// byRange walks the message index, or one topic's index, between the time
// bounds and from the cursor.
func (s *scan) byRange() error {
	prefix := []byte{prefixMsg}
	if s.q.PubsubTopic != "" {
		prefix = topicPrefix(s.q.PubsubTopic)
	}
	lo := append(bytes.Clone(prefix), tsBytes(math.MinInt64)...)
	hi := append(bytes.Clone(prefix), bytes.Repeat([]byte{0xff}, sortKeySize+1)...)
	if t := s.q.StartTime; t != nil {
		lo = append(bytes.Clone(prefix), tsBytes(*t)...)
	}
	if t := s.q.EndTime; t != nil && *t < math.MaxInt64 {
		hi = append(bytes.Clone(prefix), tsBytes(*t+1)...)
	}
	var ck []byte
	if s.q.Cursor != nil {
		k, err := s.cursorKey()
		if err != nil {
			return err
		}
		ck = append(bytes.Clone(prefix), k[:]...)
		// Exclusive cursor: keys after it going forward, before it going
		// backward.
		if s.q.Forward && bytes.Compare(ck, lo) >= 0 {
			lo = append(ck, 0)
		} else if !s.q.Forward && bytes.Compare(ck, hi) < 0 {
			hi = ck
		}
	}
	if bytes.Compare(lo, hi) >= 0 {
		return nil
	}
	it, err := s.r.NewIter(&pebble.IterOptions{LowerBound: lo, UpperBound: hi})
	if err != nil {
		return err
	}
	defer it.Close()
	valid := it.First()
	next := it.Next
	if !s.q.Forward {
		valid, next = it.Last(), it.Prev
	}
	for ; valid && len(s.out) < s.want; valid = next() {
		if err := s.ctx.Err(); err != nil {
			return err
		}
		var k sortKey
		if len(it.Key()) != len(prefix)+sortKeySize {
			return fmt.Errorf("%w: index key of %d bytes", ErrCorrupt, len(it.Key()))
		}
		copy(k[:], it.Key()[len(prefix):])
		var rec []byte // the record when the iterator holds it
		if prefix[0] == prefixMsg {
			if rec, err = it.ValueAndErr(); err != nil {
				return err
			}
		}
		if err := s.consider(k, rec); err != nil {
			return err
		}
	}
	return it.Error()
}

// byHashes looks the hashes up, orders the ones found, and filters them.
func (s *scan) byHashes() error {
	keys := make([]sortKey, 0, len(s.q.Hashes))
	for _, h := range s.q.Hashes {
		ts, err := s.lookupTS(h)
		if errors.Is(err, pebble.ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		keys = append(keys, makeSortKey(ts, h))
	}
	slices.SortFunc(keys, func(x, y sortKey) int { return bytes.Compare(x[:], y[:]) })
	keys = slices.Compact(keys)
	if !s.q.Forward {
		slices.Reverse(keys)
	}
	var ck *sortKey
	if s.q.Cursor != nil {
		k, err := s.cursorKey()
		if err != nil {
			return err
		}
		ck = &k
	}
	for _, k := range keys {
		if len(s.out) == s.want {
			break
		}
		if ck != nil {
			c := bytes.Compare(k[:], ck[:])
			if c == 0 || (c < 0) == s.q.Forward {
				continue
			}
		}
		if t := s.q.StartTime; t != nil && k.ts() < *t {
			continue
		}
		if t := s.q.EndTime; t != nil && k.ts() > *t {
			continue
		}
		if err := s.consider(k, nil); err != nil {
			return err
		}
	}
	return nil
}

// consider appends the entry at k when it matches the topic filters. rec
// is its record, or nil to read it when needed.
func (s *scan) consider(k sortKey, rec []byte) error {
	e := Entry{Hash: k.hash(), Timestamp: k.ts()}
	needRec := s.q.IncludeData || len(s.q.ContentTopics) > 0 || (s.q.PubsubTopic != "" && len(s.q.Hashes) > 0)
	if !needRec {
		s.out = append(s.out, e)
		return nil
	}
	if rec == nil {
		v, closer, err := s.r.Get(msgKey(k))
		if err != nil {
			return fmt.Errorf("%w: entry %x in an index but not stored: %w", ErrCorrupt, e.Hash, err)
		}
		defer closer.Close()
		rec = v
	}
	r, err := decodeRecord(rec)
	if err != nil {
		return fmt.Errorf("entry %x: %w", e.Hash, err)
	}
	if s.q.PubsubTopic != "" && r.pubsubTopic != s.q.PubsubTopic {
		return nil
	}
	if len(s.q.ContentTopics) > 0 && !slices.Contains(s.q.ContentTopics, r.contentTopic) {
		return nil
	}
	if s.q.IncludeData {
		m, err := message.Decode(r.msg)
		if err != nil {
			return fmt.Errorf("%w: entry %x: %w", ErrCorrupt, e.Hash, err)
		}
		e.PubsubTopic, e.Message = r.pubsubTopic, m
	}
	s.out = append(s.out, e)
	return nil
}
