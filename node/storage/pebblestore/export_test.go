package pebblestore

import (
	"fmt"
	"time"

	"github.com/cockroachdb/pebble/v2"
)

// Flush writes pebble's memtables out (to sstables and, with LayoutBlobs,
// blob files), so that tests find block bytes in those files.
func (s *Store) Flush() error { return s.db.Flush() }

// Metrics returns pebble's metrics.
func (s *Store) Metrics() *pebble.Metrics { return s.db.Metrics() }

// Blocks returns the metas of all stored blocks, described, by binary CID.
func (s *Store) Blocks() map[string]string {
	out := map[string]string{}
	it, _ := s.db.NewIter(&pebble.IterOptions{LowerBound: []byte{prefixBlock}, UpperBound: []byte{prefixBlock + 1}})
	defer it.Close()
	for ok := it.First(); ok; ok = it.Next() {
		m, err := decodeBlockMeta(it.Value())
		out[string(it.Key()[1:])] = fmt.Sprintf("%+v %v", m, err)
	}
	return out
}

// Keys returns the keys of the index that start with prefix, in hex.
func (s *Store) Keys(prefix byte) []string {
	var out []string
	it, _ := s.db.NewIter(&pebble.IterOptions{LowerBound: []byte{prefix}, UpperBound: []byte{prefix + 1}})
	defer it.Close()
	for ok := it.First(); ok; ok = it.Next() {
		out = append(out, fmt.Sprintf("%x", it.Key()))
	}
	return out
}

// Settle flushes pebble's memtables and waits for its compactions, so
// that the bytes a workload will cost are all written.
func (s *Store) Settle() error {
	if err := s.db.Flush(); err != nil {
		return err
	}
	for s.db.Metrics().Compact.NumInProgress > 0 {
		time.Sleep(10 * time.Millisecond)
	}
	return nil
}
