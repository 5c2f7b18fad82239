package mplex

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/libp2p/go-libp2p/core/network"
)

// Connection errors; test them with errors.Is.
var (
	// ErrClosed is the connection error after a local Close: AcceptStream
	// and OpenStream return an error wrapping it, and so do the streams'
	// Read and Write (together with network.ErrReset).
	ErrClosed = errors.New("mplex: connection closed")
	// ErrPeerNotReading ends a connection whose peer leaves more than
	// maxCtrlBacklog bytes of close and reset frames unread, for example
	// while it opens streams over the limit, each answered by a reset.
	ErrPeerNotReading = errors.New("mplex: peer does not read its control frames")
	// ErrStreamIDsExhausted is returned by OpenStream after 2^60 streams.
	ErrStreamIDsExhausted = errors.New("mplex: stream ids exhausted")
)

// maxCtrlBacklog bounds the queued close and reset frames (64 KiB).
const maxCtrlBacklog = 64 << 10

// maxStreamID is the largest id a frame header can carry (60 bits).
const maxStreamID = 1<<60 - 1

// streamKey names a stream on a connection: the id and which side opened
// it (the two sides number their streams independently).
type streamKey struct {
	id    uint64
	local bool // this side opened the stream
}

// framePool holds buffers for outgoing frames of up to MaxWriteFrame data
// bytes.
var framePool = sync.Pool{New: func() any {
	b := make([]byte, 0, maxHeaderLen+MaxWriteFrame)
	return &b
}}

// Conn is one mplex connection; it implements network.MuxedConn. It runs
// two goroutines, a frame reader and a frame writer, which end when the
// connection fails or is closed; Close waits for them.
//
// concurrency: all methods are safe for concurrent use.
type Conn struct {
	nc    net.Conn
	cfg   Transport
	scope network.PeerScope // nil: no accounting
	log   *slog.Logger
	br    *bufio.Reader // owned by the reader goroutine
	bw    *bufio.Writer // owned by the writer goroutine

	// data hands frames (pooled buffers) to the writer goroutine;
	// unbuffered, so a sender knows the writer has taken its frame.
	data chan *[]byte
	// ctrlSignal (capacity 1) tells the writer that ctrl holds frames.
	ctrlSignal chan struct{}
	// accept queues streams opened by the peer for AcceptStream.
	accept chan *Stream
	// closing is closed once the connection has failed or been closed.
	closing chan struct{}
	wg      sync.WaitGroup // the reader and writer goroutines

	// ctrl holds encoded close and reset frames, which are queued without
	// blocking and written before any data frame handed over later.
	ctrl struct {
		sync.Mutex
		buf      []byte
		overflow bool // a frame was dropped: buf was full
	}

	mu struct {
		sync.Mutex
		// streams routes incoming frames; nil once the connection ended.
		// INVARIANT: a stream leaves it once the two sides have closed
		// (or either reset) it and its buffer is empty.
		streams map[streamKey]*Stream
		nextID  uint64 // id of the next stream this side opens
		inbound int    // entries of streams opened by the peer
		err     error  // why the connection ended; set with closing
	}
}

var _ network.MuxedConn = (*Conn)(nil)

func newConn(nc net.Conn, cfg Transport, scope network.PeerScope) *Conn {
	c := &Conn{
		nc:         nc,
		cfg:        cfg,
		scope:      scope,
		log:        cfg.Logger,
		br:         bufio.NewReaderSize(nc, 32<<10),
		bw:         bufio.NewWriterSize(nc, 32<<10),
		data:       make(chan *[]byte),
		ctrlSignal: make(chan struct{}, 1),
		accept:     make(chan *Stream, DefaultAcceptBacklog),
		closing:    make(chan struct{}),
	}
	c.mu.streams = make(map[streamKey]*Stream)
	c.wg.Add(2)
	go c.readLoop()
	go c.writeLoop()
	return c
}

// OpenStream opens a stream: it sends the NewStream frame, named with the
// stream's id in decimal as js-libp2p does. It blocks until the writer
// takes the frame, ctx ends (ctx's error is returned) or the connection
// ends (an error wrapping the connection's error).
func (c *Conn) OpenStream(ctx context.Context) (network.MuxedStream, error) {
	c.mu.Lock()
	if c.mu.streams == nil {
		err := c.mu.err
		c.mu.Unlock()
		return nil, fmt.Errorf("mplex: open stream: %w", err)
	}
	id := c.mu.nextID
	if id > maxStreamID {
		c.mu.Unlock()
		return nil, ErrStreamIDsExhausted
	}
	c.mu.nextID++
	s := newStream(c, streamKey{id: id, local: true})
	c.mu.streams[s.key] = s
	c.mu.Unlock()

	fb := c.frame(id, flagNewStream, []byte(strconv.FormatUint(id, 10)))
	select {
	case c.data <- fb:
		return s, nil
	case <-ctx.Done():
		framePool.Put(fb)
		s.teardown(ctx.Err())
		c.remove(s)
		return nil, fmt.Errorf("mplex: open stream: %w", ctx.Err())
	case <-c.closing:
		framePool.Put(fb)
		return nil, fmt.Errorf("mplex: open stream: %w", c.err())
	}
}

// AcceptStream blocks until the peer opens a stream, and returns it. Once
// the connection has ended it returns an error wrapping the reason:
// ErrClosed after Close, an ErrProtocol error after malformed input, or
// the transport's error.
func (c *Conn) AcceptStream() (network.MuxedStream, error) {
	select {
	case s := <-c.accept:
		return s, nil
	case <-c.closing:
		return nil, c.err()
	}
}

// Close closes the connection and the underlying net.Conn, resets every
// stream (their Read and Write fail with errors wrapping network.ErrReset
// and ErrClosed) and waits for the connection's goroutines. Pending frames
// are not flushed. It is safe to call more than once; it returns nil.
func (c *Conn) Close() error {
	c.fail(ErrClosed)
	c.wg.Wait()
	return nil
}

// CloseWithError is Close: mplex cannot send an error code.
func (c *Conn) CloseWithError(network.ConnErrorCode) error { return c.Close() }

// IsClosed reports whether the connection has ended (closed, or failed).
func (c *Conn) IsClosed() bool { return isClosed(c.closing) }

// As sets *target to the underlying net.Conn when target is a *net.Conn.
func (c *Conn) As(target any) bool {
	if p, ok := target.(*net.Conn); ok {
		*p = c.nc
		return true
	}
	return false
}

// err returns why the connection ended, or nil.
func (c *Conn) err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.mu.err
}

// fail ends the connection with err (the first call wins): it closes the
// net.Conn, which stops the reader and writer, and tears down every
// stream.
func (c *Conn) fail(err error) {
	c.mu.Lock()
	if c.mu.err != nil {
		c.mu.Unlock()
		return
	}
	c.mu.err = err
	streams := c.mu.streams
	c.mu.streams = nil
	c.mu.inbound = 0
	c.mu.Unlock()

	close(c.closing)
	c.nc.Close()
	if !errors.Is(err, ErrClosed) {
		c.log.Debug("mplex connection failed", "remote", c.nc.RemoteAddr(), "err", err)
	}
	serr := fmt.Errorf("%w: %w", network.ErrReset, err)
	for _, s := range streams {
		s.teardown(serr)
	}
}

// remove forgets s, if it is still routed.
func (c *Conn) remove(s *Stream) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.mu.streams != nil && c.mu.streams[s.key] == s {
		delete(c.mu.streams, s.key)
		if !s.key.local {
			c.mu.inbound--
		}
	}
}

// lookup returns the routed stream of key, or nil.
func (c *Conn) lookup(key streamKey) *Stream {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.mu.streams[key]
}

// frame encodes a frame into a pooled buffer; len(data) <= MaxWriteFrame.
func (c *Conn) frame(id uint64, f flag, data []byte) *[]byte {
	p := framePool.Get().(*[]byte)
	*p = appendFrame((*p)[:0], id, f, data)
	return p
}

// sendCtrl queues a close or reset frame; it never blocks. When
// maxCtrlBacklog bytes wait already, it drops the frame and marks the
// overflow, on which the reader ends the connection (sendCtrl runs under
// stream locks, so it cannot end it itself).
func (c *Conn) sendCtrl(id uint64, f flag) {
	if c.IsClosed() {
		return
	}
	c.ctrl.Lock()
	if len(c.ctrl.buf) >= maxCtrlBacklog {
		c.ctrl.overflow = true
	} else {
		c.ctrl.buf = appendFrame(c.ctrl.buf, id, f, nil)
	}
	c.ctrl.Unlock()
	notify(c.ctrlSignal)
}

// ctrlOverflow reports whether sendCtrl dropped a frame.
func (c *Conn) ctrlOverflow() bool {
	c.ctrl.Lock()
	defer c.ctrl.Unlock()
	return c.ctrl.overflow
}

// writeLoop writes the frames handed over on data and queued in ctrl,
// flushing when none is waiting.
func (c *Conn) writeLoop() {
	defer c.wg.Done()
	var spare []byte
	write := func(b []byte) bool {
		if _, err := c.bw.Write(b); err != nil {
			c.fail(fmt.Errorf("mplex: write: %w", err))
			return false
		}
		return true
	}
	writeData := func(p *[]byte) bool {
		ok := write(*p)
		framePool.Put(p)
		return ok
	}
	for {
		select {
		case <-c.closing:
			return
		case <-c.ctrlSignal:
		case p := <-c.data:
			if !writeData(p) {
				return
			}
		}
		for more := true; more; {
			c.ctrl.Lock()
			pending := c.ctrl.buf
			c.ctrl.buf = spare[:0]
			c.ctrl.Unlock()
			if len(pending) > 0 && !write(pending) {
				return
			}
			spare = pending
			select {
			case p := <-c.data:
				if !writeData(p) {
					return
				}
			case <-c.ctrlSignal:
			default:
				more = false
			}
		}
		if err := c.bw.Flush(); err != nil {
			c.fail(fmt.Errorf("mplex: write: %w", err))
			return
		}
	}
}

// readLoop reads and dispatches frames until the connection ends.
func (c *Conn) readLoop() {
	defer c.wg.Done()
	for {
		h, err := readHeader(c.br)
		if err == nil {
			err = c.handle(h)
		}
		if err == nil && c.ctrlOverflow() {
			err = ErrPeerNotReading
		}
		if err == nil {
			continue
		}
		switch {
		case errors.Is(err, ErrPeerNotReading):
		case errors.Is(err, ErrProtocol):
			err = fmt.Errorf("mplex: malformed input from peer: %w", err)
		case errors.Is(err, io.EOF):
			err = fmt.Errorf("mplex: connection closed by peer: %w", err)
		default:
			err = fmt.Errorf("mplex: read: %w", err)
		}
		c.fail(err)
		return
	}
}

// handle acts on the frame of h, whose data segment is next in br. It runs
// on the reader goroutine and may block it (see push).
func (c *Conn) handle(h header) error {
	if h.flag == flagNewStream {
		return c.handleNewStream(h)
	}
	s := c.lookup(streamKey{id: h.id, local: !h.flag.fromInitiator()})
	switch h.flag {
	case flagMessageReceiver, flagMessageInitiator:
		if s == nil || h.length == 0 {
			return c.discard(h.length) // a stream we forgot: drop
		}
		data := make([]byte, h.length)
		if _, err := io.ReadFull(c.br, data); err != nil {
			return unexpected(err)
		}
		s.push(data)
	case flagCloseReceiver, flagCloseInitiator:
		if err := c.discard(h.length); err != nil {
			return err
		}
		if s != nil {
			s.remoteClose()
		}
	case flagResetReceiver, flagResetInitiator:
		if err := c.discard(h.length); err != nil {
			return err
		}
		if s != nil {
			s.remoteReset()
		}
	}
	return nil
}

// handleNewStream registers the peer's new stream and queues it for
// AcceptStream, waiting up to the receive timeout for room in the queue.
func (c *Conn) handleNewStream(h header) error {
	if err := c.discard(h.length); err != nil { // the name: unused
		return err
	}
	key := streamKey{id: h.id}
	c.mu.Lock()
	if c.mu.streams == nil {
		err := c.mu.err
		c.mu.Unlock()
		return err
	}
	if _, ok := c.mu.streams[key]; ok {
		c.mu.Unlock()
		return fmt.Errorf("%w (id %d)", ErrDuplicateStream, h.id)
	}
	if c.mu.inbound >= c.cfg.MaxInboundStreams {
		c.mu.Unlock()
		c.log.Debug("mplex: too many inbound streams, resetting", "id", h.id, "max", c.cfg.MaxInboundStreams)
		c.sendCtrl(h.id, flagResetReceiver)
		return nil
	}
	s := newStream(c, key)
	c.mu.streams[key] = s
	c.mu.inbound++
	c.mu.Unlock()

	select {
	case c.accept <- s:
		return nil
	default:
	}
	t := time.NewTimer(c.cfg.ReceiveTimeout)
	defer t.Stop()
	select {
	case c.accept <- s:
	case <-t.C:
		c.log.Debug("mplex: nobody accepts streams, resetting", "id", h.id)
		s.Reset()
	case <-c.closing:
	}
	return nil
}

// discard skips n bytes of input.
func (c *Conn) discard(n int) error {
	_, err := c.br.Discard(n)
	return unexpected(err)
}

// unexpected turns io.EOF inside a frame into io.ErrUnexpectedEOF.
func unexpected(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}

// notify does a non-blocking send on a capacity-1 signal channel.
func notify(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}
