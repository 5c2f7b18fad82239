package pebblestore

import "github.com/cockroachdb/pebble/v2"

// Flush writes pebble's memtables out (to sstables and, with LayoutBlobs,
// blob files), so that tests find block bytes in those files.
func (s *Store) Flush() error { return s.db.Flush() }

// Metrics returns pebble's metrics.
func (s *Store) Metrics() *pebble.Metrics { return s.db.Metrics() }
