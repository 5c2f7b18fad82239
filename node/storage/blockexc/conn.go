package blockexc

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/cairn-node/cairn/node/storage/blockexc/wire"
)

// readBuffer is the read-ahead of a block-exchange stream: frame headers
// and small control messages then cost one stream read, not three.
const readBuffer = 32 << 10

// conn is one block-exchange stream, opened by either side. Both sides
// read the same frames: upstream sends want lists, presences and requests
// on whichever stream it has to the peer, and answers a request on the
// stream it came on.
//
// concurrency: write is safe for concurrent use; only one goroutine reads.
type conn struct {
	s    network.Stream
	peer peer.ID
	br   *bufio.Reader
	fr   *wire.FrameReader
	wto  time.Duration

	wmu sync.Mutex
}

func newConn(s network.Stream, writeTimeout time.Duration) *conn {
	br := bufio.NewReaderSize(s, readBuffer)
	return &conn{
		s:    s,
		peer: s.Conn().RemotePeer(),
		br:   br,
		fr:   wire.NewFrameReader(br),
		wto:  writeTimeout,
	}
}

// smallFrame is the payload size up to which write sends a frame in one
// Write; a larger payload goes out after its header in a second Write,
// which saves copying it (the stream is a byte stream: the peer sees the
// same bytes).
const smallFrame = 64 << 10

// write sends one frame within the write timeout.
func (c *conn) write(typ byte, payload []byte) error {
	limit, ok := wire.MaxPayload(typ)
	if !ok || len(payload) > limit {
		_, err := wire.AppendFrame(nil, typ, payload) // says why
		return err
	}
	var hdr []byte
	if len(payload) <= smallFrame {
		hdr = make([]byte, 5, 5+len(payload))
	} else {
		hdr = make([]byte, 5)
	}
	binary.LittleEndian.PutUint32(hdr, uint32(1+len(payload)))
	hdr[4] = typ
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if err := c.s.SetWriteDeadline(time.Now().Add(c.wto)); err != nil && !errors.Is(err, network.ErrReset) {
		return fmt.Errorf("blockexc: set write deadline: %w", err)
	}
	var err error
	if len(payload) <= smallFrame {
		_, err = c.s.Write(append(hdr, payload...))
	} else if _, err = c.s.Write(hdr); err == nil {
		_, err = c.s.Write(payload)
	}
	if err != nil {
		return fmt.Errorf("blockexc: write frame type 0x%02x to %s: %w", typ, c.peer, err)
	}
	return nil
}

// writeMessage encodes m and sends it as a control frame.
func (c *conn) writeMessage(m *wire.Message) error {
	p, err := wire.EncodeMessage(m)
	if err != nil {
		return err
	}
	return c.write(wire.TypeControl, p)
}

// read returns the next frame; io.EOF when the peer closed between frames.
func (c *conn) read() (byte, []byte, error) {
	return c.fr.ReadFrame()
}

// readInto reads the next frame like read, but reads a WantBlocks
// response of up to len(buf) bytes into buf instead of a new slice: a
// download reuses one buffer per stream, where wire.FrameReader would
// grow a new one in steps for every response (it must, on streams that
// strangers open). The checks and errors are wire.FrameReader's. The
// payload of a response aliases buf until the next call.
func (c *conn) readInto(buf []byte) (byte, []byte, error) {
	var hdr [5]byte
	if _, err := io.ReadFull(c.br, hdr[:4]); err != nil {
		if err == io.EOF {
			return 0, nil, io.EOF
		}
		return 0, nil, fmt.Errorf("blockexc: read frame length: %w", err)
	}
	l := binary.LittleEndian.Uint32(hdr[:4])
	if l < 1 {
		return 0, nil, fmt.Errorf("%w: frame length 0", wire.ErrMalformed)
	}
	if _, err := io.ReadFull(c.br, hdr[4:]); err != nil {
		return 0, nil, fmt.Errorf("blockexc: read frame type: %w", noEOF(err))
	}
	typ := hdr[4]
	limit, ok := wire.MaxPayload(typ)
	if !ok {
		return 0, nil, fmt.Errorf("%w: unknown frame type 0x%02x", wire.ErrMalformed, typ)
	}
	n := int(l - 1)
	if n > limit {
		return 0, nil, fmt.Errorf("%w: frame type 0x%02x announces %d payload bytes, limit %d", wire.ErrTooLarge, typ, n, limit)
	}
	var p []byte
	if typ == wire.TypeWantBlocksResponse && n <= len(buf) {
		p = buf[:n]
	} else {
		// Anything else is rare on a download stream: grow as it arrives.
		p = make([]byte, 0, min(n, readBuffer))
		for len(p) < n {
			if len(p) == cap(p) {
				np := make([]byte, len(p), min(2*cap(p), n))
				copy(np, p)
				p = np
			}
			m, err := io.ReadFull(c.br, p[len(p):min(cap(p), n)])
			p = p[:len(p)+m]
			if err != nil {
				return 0, nil, fmt.Errorf("blockexc: read frame type 0x%02x payload: %w", typ, noEOF(err))
			}
		}
		return typ, p, nil
	}
	if _, err := io.ReadFull(c.br, p); err != nil {
		return 0, nil, fmt.Errorf("blockexc: read frame type 0x%02x payload: %w", typ, noEOF(err))
	}
	return typ, p, nil
}

// noEOF turns io.EOF inside a frame into io.ErrUnexpectedEOF.
func noEOF(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}
