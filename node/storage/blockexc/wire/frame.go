package wire

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Frame types of ProtocolBlockExchange (upstream MessageType).
const (
	TypeControl            byte = 0x00 // protobuf Message
	TypeWantBlocksRequest  byte = 0x01 // binary WantBlocksRequest
	TypeWantBlocksResponse byte = 0x02 // binary WantBlocksResponse
)

// frameHeaderSize is the u32 length plus the type byte.
const frameHeaderSize = 5

// readChunk is the most FrameReader allocates ahead of the bytes that
// arrive: a payload larger than this grows as it is read, so a peer that
// announces a large frame and sends little costs little memory.
const readChunk = 64 << 10

// MaxPayload returns the largest payload a frame of type typ may carry, and
// false for an unknown type.
func MaxPayload(typ byte) (int, bool) {
	switch typ {
	case TypeControl:
		return MaxControlSize, true
	case TypeWantBlocksRequest:
		return MaxWantBlocksRequestSize, true
	case TypeWantBlocksResponse:
		return MaxWantBlocksResponseSize, true
	}
	return 0, false
}

// AppendFrame appends the frame of payload (length, type byte, payload) to
// dst. It returns an error wrapping ErrMalformed for an unknown type and one
// wrapping ErrTooLarge for a payload over MaxPayload(typ).
func AppendFrame(dst []byte, typ byte, payload []byte) ([]byte, error) {
	limit, ok := MaxPayload(typ)
	if !ok {
		return dst, malformed("unknown frame type 0x%02x", typ)
	}
	if len(payload) > limit {
		return dst, tooLarge("frame type 0x%02x payload of %d bytes, limit %d", typ, len(payload), limit)
	}
	dst = binary.LittleEndian.AppendUint32(dst, uint32(1+len(payload)))
	dst = append(dst, typ)
	return append(dst, payload...), nil
}

// WriteFrame writes the frame of payload to w with a single Write, as
// upstream does. Errors: as AppendFrame, or w's error wrapped.
func WriteFrame(w io.Writer, typ byte, payload []byte) error {
	buf, err := AppendFrame(make([]byte, 0, frameHeaderSize+len(payload)), typ, payload)
	if err != nil {
		return err
	}
	if _, err := w.Write(buf); err != nil {
		return fmt.Errorf("wire: write frame type 0x%02x: %w", typ, err)
	}
	return nil
}

// FrameReader reads the frames of a block-exchange stream, checking each
// announced length against the limit of its type before reading the payload.
//
// concurrency: a FrameReader is not safe for concurrent use.
type FrameReader struct {
	r   io.Reader
	hdr [frameHeaderSize]byte
}

// NewFrameReader returns a FrameReader reading from r. It does not buffer:
// it reads exactly the bytes of each frame.
func NewFrameReader(r io.Reader) *FrameReader { return &FrameReader{r: r} }

// ReadFrame reads one frame and returns its type and payload; the payload is
// newly allocated and belongs to the caller.
//
// It returns io.EOF, unwrapped, when the stream ends cleanly between frames,
// and an error wrapping io.ErrUnexpectedEOF when it ends inside one. A zero
// length or an unknown type gives an error wrapping ErrMalformed, a length
// over MaxPayload(type) one wrapping ErrTooLarge; neither reads or allocates
// the payload. After any error the stream is out of step and must be closed.
func (fr *FrameReader) ReadFrame() (typ byte, payload []byte, err error) {
	if _, err := io.ReadFull(fr.r, fr.hdr[:4]); err != nil {
		if err == io.EOF {
			return 0, nil, io.EOF
		}
		return 0, nil, fmt.Errorf("wire: read frame length: %w", err)
	}
	l := binary.LittleEndian.Uint32(fr.hdr[:4])
	if l < 1 {
		return 0, nil, malformed("frame length 0")
	}
	if _, err := io.ReadFull(fr.r, fr.hdr[4:5]); err != nil {
		return 0, nil, fmt.Errorf("wire: read frame type: %w", noEOF(err))
	}
	typ = fr.hdr[4]
	limit, ok := MaxPayload(typ)
	if !ok {
		return 0, nil, malformed("unknown frame type 0x%02x", typ)
	}
	n := uint64(l) - 1
	if n > uint64(limit) {
		return 0, nil, tooLarge("frame type 0x%02x announces %d payload bytes, limit %d", typ, n, limit)
	}
	payload, err = readN(fr.r, int(n))
	if err != nil {
		return 0, nil, fmt.Errorf("wire: read frame type 0x%02x payload: %w", typ, err)
	}
	return typ, payload, nil
}

// readN reads exactly n bytes, allocating at most readChunk (or twice what
// has arrived) ahead of the data.
func readN(r io.Reader, n int) ([]byte, error) {
	if n <= readChunk {
		b := make([]byte, n)
		_, err := io.ReadFull(r, b)
		return b, noEOF(err)
	}
	b := make([]byte, 0, readChunk)
	for len(b) < n {
		if len(b) == cap(b) {
			nb := make([]byte, len(b), min(2*cap(b), n))
			copy(nb, b)
			b = nb
		}
		m, err := io.ReadFull(r, b[len(b):cap(b)])
		b = b[:len(b)+m]
		if err != nil {
			return nil, noEOF(err)
		}
	}
	return b, nil
}

// noEOF turns io.EOF inside a frame into io.ErrUnexpectedEOF.
func noEOF(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}
