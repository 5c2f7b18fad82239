package pebblestore

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/ipfs/go-cid"
)

// Segment files (LayoutSegments). Block bodies are appended, as records,
// to the active segment Dir/segments/NNNNNNNN.seg; pebble maps each CID to
// a segment and an offset. A segment is never written again once a newer
// one is started (nor after a restart: a restart starts a new one), so a
// torn record from a crash is only dead space at a segment's end.
//
// Record: uint32 LE body length ‖ uint8 CID length ‖ CID ‖ body. The
// header lets maintenance walk a segment and ask the index which records
// are still live.
//
// Durability: a batch fdatasyncs the segments it wrote before it commits
// the index (with a WAL sync), and a new segment's directory entry is
// synced when the file is created; so every index entry that survives a
// crash points at bytes that survived it too.
type segments struct {
	fs       vfs.FS
	dir      string
	maxBytes int64

	// wmu serializes appends; it guards active, next and buf.
	wmu    sync.Mutex
	active *segFile
	next   uint32
	buf    []byte

	// mu guards files. Readers hold it shared from the index lookup to the
	// end of ReadAt, so that maintenance cannot remove a segment between
	// the two; removal holds it exclusively.
	mu    sync.RWMutex
	files map[uint32]*segFile

	// acct guards the byte counts of every segFile. Lock order: wmu, mu,
	// acct.
	acct sync.Mutex
}

type segFile struct {
	id uint32
	f  vfs.File
	// Guarded by segments.acct:
	size    int64 // bytes in the file
	live    int64 // bytes of records the index points at
	pending int   // records staged by open batches, not yet committed
}

const (
	segHeaderMax = 4 + 1 + 255
	segSuffix    = ".seg"
)

func recordSize(c cid.Cid, size int) int64 { return int64(4 + 1 + c.ByteLen() + size) }

func segName(id uint32) string { return fmt.Sprintf("%08d%s", id, segSuffix) }

func openSegments(fs vfs.FS, dir string, maxBytes int64) (*segments, error) {
	if err := fs.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create segment dir: %w", err)
	}
	names, err := fs.List(dir)
	if err != nil {
		return nil, fmt.Errorf("list segments: %w", err)
	}
	sg := &segments{fs: fs, dir: dir, maxBytes: maxBytes, files: map[uint32]*segFile{}, next: 1}
	for _, name := range names {
		if !strings.HasSuffix(name, segSuffix) {
			continue
		}
		n, err := strconv.ParseUint(strings.TrimSuffix(name, segSuffix), 10, 32)
		if err != nil {
			continue
		}
		id := uint32(n)
		f, err := fs.Open(fs.PathJoin(dir, name))
		if err != nil {
			sg.close()
			return nil, fmt.Errorf("open segment %s: %w", name, err)
		}
		st, err := f.Stat()
		if err != nil {
			f.Close()
			sg.close()
			return nil, fmt.Errorf("stat segment %s: %w", name, err)
		}
		sg.files[id] = &segFile{id: id, f: f, size: st.Size()}
		sg.next = max(sg.next, id+1)
	}
	return sg, nil
}

// append writes one record to the active segment, starting a new segment
// when the record would not fit, and returns where the body is. The
// record counts as pending (maintenance leaves its segment alone) until
// unpend.
func (sg *segments) append(c cid.Cid, data []byte) (location, error) {
	sg.wmu.Lock()
	defer sg.wmu.Unlock()
	rec := recordSize(c, len(data))
	sg.acct.Lock()
	full := sg.active != nil && sg.active.size > 0 && sg.active.size+rec > sg.maxBytes
	sg.acct.Unlock()
	if sg.active == nil || full {
		if err := sg.rotate(); err != nil {
			return location{}, err
		}
	}
	// One write per record. vfs.File.Write may scribble on its argument,
	// so the caller's bytes are copied into the store's own buffer.
	cb := c.Bytes()
	sg.buf = binary.LittleEndian.AppendUint32(sg.buf[:0], uint32(len(data)))
	sg.buf = append(sg.buf, byte(len(cb)))
	sg.buf = append(sg.buf, cb...)
	sg.buf = append(sg.buf, data...)
	a := sg.active
	sg.acct.Lock()
	off := a.size
	sg.acct.Unlock()
	if _, err := a.f.Write(sg.buf); err != nil {
		// The file may hold part of the record now; start a new segment
		// next time rather than write after a torn record.
		sg.active = nil
		return location{}, fmt.Errorf("write segment %s: %w", segName(a.id), err)
	}
	if cap(sg.buf) > 4<<20 {
		sg.buf = nil // do not keep a huge block's buffer
	}
	sg.acct.Lock()
	a.size += rec
	a.pending++
	sg.acct.Unlock()
	return location{seg: a.id, off: off + 5 + int64(len(cb))}, nil
}

// rotate starts a new active segment. Called with wmu held.
func (sg *segments) rotate() error {
	id := sg.next
	path := sg.fs.PathJoin(sg.dir, segName(id))
	f, err := sg.fs.Create(path, vfs.WriteCategoryUnspecified)
	if err != nil {
		return fmt.Errorf("create segment: %w", err)
	}
	// The file must outlive a crash once an index entry points into it.
	if err := sg.syncDir(); err != nil {
		f.Close()
		return err
	}
	sg.next++
	sf := &segFile{id: id, f: f}
	sg.mu.Lock()
	sg.files[id] = sf
	sg.mu.Unlock()
	sg.active = sf
	return nil
}

func (sg *segments) syncDir() error { return syncDir(sg.fs, sg.dir) }

// syncDir fsyncs directory dir, making the entries in it durable.
func syncDir(fs vfs.FS, dir string) error {
	d, err := fs.OpenDir(dir)
	if err != nil {
		return fmt.Errorf("open dir %s: %w", dir, err)
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("sync dir %s: %w", dir, err)
	}
	return nil
}

// sync makes the segments ids durable (fdatasync).
func (sg *segments) sync(ids map[uint32]struct{}) error {
	for id := range ids {
		sg.mu.RLock()
		sf := sg.files[id]
		sg.mu.RUnlock()
		if sf == nil {
			return fmt.Errorf("sync segment %s: gone", segName(id))
		}
		if err := sf.f.SyncData(); err != nil {
			return fmt.Errorf("sync segment %s: %w", segName(id), err)
		}
	}
	return nil
}

// unpend ends the pending state of records staged by a batch, once the
// batch is committed (its records became live through addLive) or
// discarded (they are dead).
func (sg *segments) unpend(counts map[uint32]int) {
	sg.mu.RLock()
	defer sg.mu.RUnlock()
	sg.acct.Lock()
	defer sg.acct.Unlock()
	for id, n := range counts {
		if sf := sg.files[id]; sf != nil {
			sf.pending -= n
		}
	}
}

// addLive adds n (negative: removes) live bytes to segment id.
func (sg *segments) addLive(id uint32, n int64) {
	sg.mu.RLock()
	defer sg.mu.RUnlock()
	sg.acct.Lock()
	defer sg.acct.Unlock()
	if sf := sg.files[id]; sf != nil {
		sf.live += n
	}
}

// readLocked reads size bytes at loc. The caller holds mu shared. A short
// file (a damaged disk, a lost tail) reads as errShort.
func (sg *segments) readLocked(loc location, size uint32) ([]byte, error) {
	sf := sg.files[loc.seg]
	if sf == nil {
		return nil, fmt.Errorf("segment %s: %w", segName(loc.seg), errShort)
	}
	p := make([]byte, size)
	n, err := sf.f.ReadAt(p, loc.off)
	if n == len(p) {
		return p, nil
	}
	if err == nil || errors.Is(err, io.EOF) {
		err = errShort
	}
	return nil, fmt.Errorf("read segment %s at %d: %w", segName(loc.seg), loc.off, err)
}

var errShort = errors.New("pebblestore: segment shorter than the index says")

// gcCandidates returns the full segments, not active and with no pending
// records, whose live bytes are below ratio of their size.
func (sg *segments) gcCandidates(ratio float64) []uint32 {
	sg.wmu.Lock()
	active := sg.active
	sg.wmu.Unlock()
	sg.mu.RLock()
	defer sg.mu.RUnlock()
	sg.acct.Lock()
	defer sg.acct.Unlock()
	var ids []uint32
	for id, sf := range sg.files {
		if sf == active || sf.pending > 0 {
			continue
		}
		if sf.live <= 0 || float64(sf.live) < ratio*float64(sf.size) {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
}

func (sg *segments) liveBytes(id uint32) int64 {
	sg.mu.RLock()
	defer sg.mu.RUnlock()
	sg.acct.Lock()
	defer sg.acct.Unlock()
	if sf := sg.files[id]; sf != nil {
		return sf.live
	}
	return 0
}

// segRecord is one record found by walk.
type segRecord struct {
	c    cid.Cid
	loc  location
	size uint32
}

// walk calls fn for each whole record of segment id, in file order, and
// stops quietly at a torn or undecodable tail.
func (sg *segments) walk(id uint32, fn func(r segRecord) error) error {
	sg.mu.RLock()
	sf := sg.files[id]
	sg.mu.RUnlock()
	if sf == nil {
		return nil
	}
	sg.acct.Lock()
	end := sf.size
	sg.acct.Unlock()
	var hdr [segHeaderMax]byte
	for off := int64(0); off+5 <= end; {
		n, _ := sf.f.ReadAt(hdr[:min(int64(len(hdr)), end-off)], off)
		if n < 5 {
			return nil
		}
		size := binary.LittleEndian.Uint32(hdr[:4])
		cl := int(hdr[4])
		if n < 5+cl {
			return nil
		}
		c, err := cid.Cast(hdr[5 : 5+cl])
		body := off + 5 + int64(cl)
		if err != nil || body+int64(size) > end {
			return nil
		}
		if err := fn(segRecord{c: c, loc: location{seg: id, off: body}, size: size}); err != nil {
			return err
		}
		off = body + int64(size)
	}
	return nil
}

// remove deletes segment id, waiting for readers of it.
func (sg *segments) remove(id uint32) error {
	sg.mu.Lock()
	sf := sg.files[id]
	delete(sg.files, id)
	sg.mu.Unlock()
	if sf == nil {
		return nil
	}
	sf.f.Close()
	if err := sg.fs.Remove(sg.fs.PathJoin(sg.dir, segName(id))); err != nil {
		return fmt.Errorf("remove segment %s: %w", segName(id), err)
	}
	return nil
}

func (sg *segments) close() error {
	sg.mu.Lock()
	defer sg.mu.Unlock()
	var errs []error
	for id, sf := range sg.files {
		if err := sf.f.Close(); err != nil {
			errs = append(errs, fmt.Errorf("close segment %s: %w", segName(id), err))
		}
	}
	sg.files = map[uint32]*segFile{}
	sg.active = nil
	return errors.Join(errs...)
}
