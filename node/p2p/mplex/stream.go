package mplex

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/libp2p/go-libp2p/core/network"
)

// Stream errors; test them with errors.Is. Resets come back as
// *network.StreamError, which matches network.ErrReset.
var (
	// ErrWriteClosed is returned by Write after CloseWrite or Close.
	ErrWriteClosed = errors.New("mplex: write on a stream closed for writing")
	// ErrReadClosed is returned by Read after CloseRead or Close.
	ErrReadClosed = errors.New("mplex: read on a stream closed for reading")
)

// Stream is one mplex stream; it implements network.MuxedStream.
//
// Received data waits in a buffer of at most Transport.MaxStreamBuffer
// bytes (see the package doc for what happens when it is full). Write
// copies its data, so the caller may reuse the slice once Write returns.
// After the peer closes its side, Read returns the buffered data and then
// io.EOF; after a reset, Read and Write return a *network.StreamError
// (Remote tells who reset) and buffered data is dropped.
//
// concurrency: all methods are safe for concurrent use; concurrent Writes
// may interleave their frames.
type Stream struct {
	conn      *Conn
	key       streamKey
	msgFlag   flag // flags of the frames this side sends
	closeFlag flag
	resetFlag flag

	readable  chan struct{} // capacity 1: data or EOF arrived
	space     chan struct{} // capacity 1: Read made room in the buffer
	readDone  chan struct{} // closed when reads end: CloseRead, reset
	writeDone chan struct{} // closed when writes end: CloseWrite, reset
	rd, wd    *deadline

	mu struct {
		sync.Mutex
		// buf is the received, unread data, none of it empty.
		// INVARIANT: buffered = sum of len(buf) = bytes reserved in the
		// connection's scope for this stream.
		buf        [][]byte
		buffered   int
		recvClose  bool  // the peer closed its side: EOF after buf
		sentClose  bool  // this side closed its side (CloseWrite)
		readClosed bool  // CloseRead: incoming data is dropped
		err        error // terminal: a reset or the connection's end
		removed    bool  // no longer routed by the connection
	}
}

var _ network.MuxedStream = (*Stream)(nil)

func newStream(c *Conn, key streamKey) *Stream {
	s := &Stream{
		conn:      c,
		key:       key,
		msgFlag:   flagMessageReceiver,
		closeFlag: flagCloseReceiver,
		resetFlag: flagResetReceiver,
		readable:  make(chan struct{}, 1),
		space:     make(chan struct{}, 1),
		readDone:  make(chan struct{}),
		writeDone: make(chan struct{}),
		rd:        newDeadline(),
		wd:        newDeadline(),
	}
	if key.local {
		s.msgFlag, s.closeFlag, s.resetFlag = flagMessageInitiator, flagCloseInitiator, flagResetInitiator
	}
	return s
}

// Read reads received data. It blocks until data, EOF, a reset, CloseRead
// or the read deadline (os.ErrDeadlineExceeded) comes.
func (s *Stream) Read(b []byte) (int, error) {
	for {
		s.mu.Lock()
		if err := s.mu.err; err != nil {
			s.mu.Unlock()
			return 0, err
		}
		if s.mu.readClosed {
			s.mu.Unlock()
			return 0, ErrReadClosed
		}
		if len(b) == 0 {
			s.mu.Unlock()
			return 0, nil
		}
		if s.mu.buffered > 0 {
			n := 0
			for n < len(b) && len(s.mu.buf) > 0 {
				k := copy(b[n:], s.mu.buf[0])
				n += k
				if k == len(s.mu.buf[0]) {
					s.mu.buf[0] = nil
					s.mu.buf = s.mu.buf[1:]
				} else {
					s.mu.buf[0] = s.mu.buf[0][k:]
				}
			}
			s.mu.buffered -= n
			s.release(n)
			more := s.mu.buffered > 0 || s.mu.recvClose
			s.unlockAndRemoveIfDone()
			notify(s.space)
			if more {
				notify(s.readable) // wake another reader, if any
			}
			return n, nil
		}
		if s.mu.recvClose {
			s.mu.Unlock()
			notify(s.readable)
			return 0, io.EOF
		}
		s.mu.Unlock()
		select {
		case <-s.readable:
		case <-s.readDone:
		case <-s.rd.wait():
			return 0, os.ErrDeadlineExceeded
		}
	}
}

// Write sends b in frames of at most MaxWriteFrame bytes. It blocks until
// the connection's writer has taken the last frame, and returns early on
// a reset, CloseWrite, the connection's end or the write deadline
// (os.ErrDeadlineExceeded), with the count of bytes handed over.
func (s *Stream) Write(b []byte) (int, error) {
	n := 0
	for {
		if err := s.writeErr(); err != nil {
			return n, err
		}
		if n == len(b) {
			return n, nil
		}
		expired := s.wd.wait()
		if isClosed(expired) {
			return n, os.ErrDeadlineExceeded
		}
		k := min(len(b)-n, MaxWriteFrame)
		fb := s.conn.frame(s.key.id, s.msgFlag, b[n:n+k])
		select {
		case s.conn.data <- fb:
			n += k
		case <-s.writeDone:
			framePool.Put(fb)
		case <-s.conn.closing:
			framePool.Put(fb)
			return n, fmt.Errorf("%w: %w", network.ErrReset, s.conn.err())
		case <-expired:
			framePool.Put(fb)
			return n, os.ErrDeadlineExceeded
		}
	}
}

// writeErr returns why the stream takes no more writes, or nil.
func (s *Stream) writeErr() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.mu.err != nil {
		return s.mu.err
	}
	if s.mu.sentClose {
		return ErrWriteClosed
	}
	return nil
}

// CloseWrite sends the close frame: the peer reads EOF after the data
// written so far. It does not block. It returns the reset error on a reset
// stream and nil if already closed for writing.
func (s *Stream) CloseWrite() error {
	s.mu.Lock()
	if err := s.mu.err; err != nil {
		s.mu.Unlock()
		return err
	}
	if s.mu.sentClose {
		s.mu.Unlock()
		return nil
	}
	s.mu.sentClose = true
	close(s.writeDone)
	s.conn.sendCtrl(s.key.id, s.closeFlag) // under mu: before any reset
	s.unlockAndRemoveIfDone()
	return nil
}

// CloseRead stops reading: blocked Reads return ErrReadClosed, buffered
// data is dropped and later data is discarded (mplex cannot tell the
// peer). It does not block and returns nil.
func (s *Stream) CloseRead() error {
	s.mu.Lock()
	if s.mu.err != nil || s.mu.readClosed {
		s.mu.Unlock()
		return nil
	}
	s.mu.readClosed = true
	s.dropLocked()
	close(s.readDone)
	s.unlockAndRemoveIfDone()
	return nil
}

// Close is CloseWrite and CloseRead: it does not wait for the peer. It
// returns nil, also on a reset stream.
func (s *Stream) Close() error {
	s.CloseWrite()
	s.CloseRead()
	s.rd.stop()
	s.wd.stop()
	return nil
}

// Reset resets the stream: the peer is sent a reset frame (unless both
// sides had closed it), and Read and Write fail from now on. It does not
// block and returns nil.
func (s *Stream) Reset() error { return s.ResetWithError(0) }

// ResetWithError is Reset; code is reported by this side's Read and Write
// only, as mplex cannot send it.
func (s *Stream) ResetWithError(code network.StreamErrorCode) error {
	s.mu.Lock()
	if s.mu.err != nil {
		s.mu.Unlock()
		return nil
	}
	if !(s.mu.sentClose && s.mu.recvClose) {
		s.conn.sendCtrl(s.key.id, s.resetFlag)
	}
	s.endLocked(&network.StreamError{ErrorCode: code})
	s.unlockAndRemoveIfDone()
	s.rd.stop()
	s.wd.stop()
	return nil
}

// SetDeadline sets the read and write deadlines.
func (s *Stream) SetDeadline(t time.Time) error {
	s.rd.set(t)
	s.wd.set(t)
	return nil
}

// SetReadDeadline sets the time after which Read fails with
// os.ErrDeadlineExceeded; the zero time means none.
func (s *Stream) SetReadDeadline(t time.Time) error {
	s.rd.set(t)
	return nil
}

// SetWriteDeadline sets the time after which Write fails with
// os.ErrDeadlineExceeded; the zero time means none.
func (s *Stream) SetWriteDeadline(t time.Time) error {
	s.wd.set(t)
	return nil
}

// push appends data from the peer to the buffer. It runs on the reader
// goroutine. When the buffer is full it waits for Read to make room, up to
// the receive timeout; then it resets the stream and drops data. Data is
// dropped too after CloseRead, a reset, or the peer's close.
func (s *Stream) push(data []byte) {
	var timer *time.Timer
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	for {
		s.mu.Lock()
		if s.mu.err != nil || s.mu.readClosed || s.mu.recvClose {
			s.mu.Unlock()
			return
		}
		if s.mu.buffered == 0 || s.mu.buffered+len(data) <= s.conn.cfg.MaxStreamBuffer {
			if sc := s.conn.scope; sc != nil {
				if err := sc.ReserveMemory(len(data), network.ReservationPriorityHigh); err != nil {
					s.mu.Unlock()
					s.conn.log.Debug("mplex: no memory for a stream's data, resetting", "id", s.key.id, "err", err)
					s.ResetWithError(network.StreamResourceLimitExceeded)
					return
				}
			}
			s.mu.buf = append(s.mu.buf, data)
			s.mu.buffered += len(data)
			s.mu.Unlock()
			notify(s.readable)
			return
		}
		s.mu.Unlock()
		if timer == nil {
			timer = time.NewTimer(s.conn.cfg.ReceiveTimeout)
		}
		select {
		case <-s.space:
		case <-s.readDone:
		case <-s.conn.closing:
			return
		case <-timer.C:
			s.conn.log.Debug("mplex: stream not read in time, resetting", "id", s.key.id, "timeout", s.conn.cfg.ReceiveTimeout)
			s.ResetWithError(network.StreamResourceLimitExceeded)
			return
		}
	}
}

// remoteClose handles the peer's close frame: Read returns EOF once the
// buffer is empty.
func (s *Stream) remoteClose() {
	s.mu.Lock()
	if s.mu.err != nil || s.mu.recvClose {
		s.mu.Unlock()
		return
	}
	s.mu.recvClose = true
	s.unlockAndRemoveIfDone()
	notify(s.readable)
}

// remoteReset handles the peer's reset frame.
func (s *Stream) remoteReset() {
	s.mu.Lock()
	s.endLocked(&network.StreamError{Remote: true})
	s.unlockAndRemoveIfDone()
	s.rd.stop()
	s.wd.stop()
}

// teardown ends the stream with err when the connection ends.
func (s *Stream) teardown(err error) {
	s.mu.Lock()
	s.endLocked(err)
	s.mu.removed = true
	s.mu.Unlock()
	s.rd.stop()
	s.wd.stop()
}

// endLocked makes err the stream's terminal error (if it has none), drops
// the buffer and wakes every blocked call. s.mu must be held.
func (s *Stream) endLocked(err error) {
	if s.mu.err != nil {
		return
	}
	s.mu.err = err
	s.dropLocked()
	if !s.mu.readClosed {
		close(s.readDone)
	}
	if !s.mu.sentClose {
		close(s.writeDone)
	}
}

// dropLocked empties the buffer and releases its memory. s.mu must be
// held.
func (s *Stream) dropLocked() {
	s.release(s.mu.buffered)
	s.mu.buf = nil
	s.mu.buffered = 0
}

// release returns n bytes to the connection's scope.
func (s *Stream) release(n int) {
	if sc := s.conn.scope; sc != nil && n > 0 {
		sc.ReleaseMemory(n)
	}
}

// unlockAndRemoveIfDone unlocks s.mu and, once the stream can get no
// more frames that matter (reset, or closed by both sides with an empty
// buffer), removes it from the connection's routing.
func (s *Stream) unlockAndRemoveIfDone() {
	done := !s.mu.removed &&
		(s.mu.err != nil || (s.mu.sentClose && s.mu.recvClose && s.mu.buffered == 0))
	if done {
		s.mu.removed = true
	}
	s.mu.Unlock()
	if done {
		s.conn.remove(s)
	}
}
